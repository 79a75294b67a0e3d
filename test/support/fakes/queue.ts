// The evaluation queue in memory: what was enqueued, with its delay, for unit tests of the worker and the sweep.
import { parseWorkItem } from '../../../src/azure/storage/queue.js';
import type { EnqueueManyResult, EnqueueOptions, EvaluationWorkItem, WorkQueue } from '../../../src/ports.js';

export interface QueuedItem {
  item: EvaluationWorkItem;
  delaySeconds: number;
}

export class InMemoryQueue implements WorkQueue {
  readonly items: QueuedItem[] = [];

  async enqueue(item: EvaluationWorkItem, options: EnqueueOptions = {}): Promise<void> {
    // The adapter validates every item; so does this.
    this.items.push({ item: parseWorkItem(item), delaySeconds: options.visibilityDelaySeconds ?? 0 });
  }

  async enqueueMany(items: EvaluationWorkItem[], options: EnqueueOptions = {}): Promise<EnqueueManyResult> {
    for (const item of items) await this.enqueue(item, options);
    return { enqueued: items.length, failed: 0, errors: [] };
  }

  /** Takes every item enqueued so far. */
  take(): QueuedItem[] {
    return this.items.splice(0, this.items.length);
  }
}
