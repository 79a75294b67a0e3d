// Plays the Functions host's queue trigger for benchmarks, the way host.json configures it: each instance
// receives up to `batchSize` messages, runs them concurrently, and fetches the next batch once no more than
// `newBatchThreshold` are still running; an empty queue is polled with a growing pause up to
// `maxPollingInterval`. A failed message becomes visible again after `visibilityTimeout` and goes to the poison
// queue after `maxDequeueCount` deliveries. The handler is the app's real evaluateCluster.
//
// The test driver's pumpOnce waits for a whole batch before receiving again, which is right for tests and too
// slow to measure throughput with, hence this host.
import { randomUUID } from 'node:crypto';
import azureFunctions, { type InvocationContext } from '@azure/functions';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { sleep } from './report.js';
import { decodeQueueTriggerMessage } from '../../dev/queue-trigger.js';

/** host.json `extensions.queues`, in the units used here. */
export interface QueueHostSettings {
  /** Function App instances polling the queue (Flex Consumption scales these out). */
  instances: number;
  batchSize: number;
  newBatchThreshold: number;
  /** The host starts at 100 ms and doubles while the queue stays empty, up to this. */
  maxPollingIntervalMs: number;
  visibilityTimeoutSeconds: number;
  maxDequeueCount: number;
}

/** host.json of this repository: batchSize 16, newBatchThreshold 8, maxPollingInterval 2 s, visibilityTimeout 30 s, maxDequeueCount 5. */
export const HOST_JSON_QUEUES: Omit<QueueHostSettings, 'instances'> = {
  batchSize: 16,
  newBatchThreshold: 8,
  maxPollingIntervalMs: 2000,
  visibilityTimeoutSeconds: 30,
  maxDequeueCount: 5,
};

const MIN_POLLING_INTERVAL_MS = 100;
/** How long a received message stays invisible while its handler runs (the host renews it; ours are short). */
const PROCESSING_VISIBILITY_SECONDS = 600;

export interface HandledMessage {
  messageId: string;
  dequeueCount: number;
  item: unknown;
  /** performance.now() when the receive call that returned it came back. */
  receivedAt: number;
  /** performance.now() when the handler finished (or threw). */
  finishedAt: number;
  outcome?: unknown;
  error?: Error;
  poisoned?: boolean;
}

export interface QueueHostOptions extends QueueHostSettings {
  queue: QueueClient;
  poisonQueue: QueueClient;
  functionName: string;
  handler: (message: unknown, context: InvocationContext) => Promise<unknown>;
  /** Called for each message once its handler has finished and the message was deleted (or scheduled again). */
  onHandled?: (message: HandledMessage) => void;
  /** Where handler logs go; default: dropped (benchmarks print numbers, not logs). */
  log?: (functionName: string, level: string, message: string) => void;
}

export class QueueHost {
  /** Messages whose handler is running now. */
  inFlight = 0;
  handled = 0;
  failed = 0;
  poisoned = 0;
  receiveCalls = 0;
  emptyReceives = 0;
  #running = false;
  readonly #loops: Promise<void>[] = [];
  readonly #wakeups = new Set<() => void>();

  constructor(private readonly options: QueueHostOptions) {
    if (!(options.instances >= 1 && options.batchSize >= 1 && options.batchSize <= 32)) {
      throw new RangeError(`queue host: instances must be >= 1 and batchSize 1..32 (got ${options.instances}, ${options.batchSize})`);
    }
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (let instance = 0; instance < this.options.instances; instance += 1) this.#loops.push(this.#instanceLoop());
  }

  /** Stops polling and waits for the handlers that are running. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const wake of this.#wakeups) wake();
    await Promise.all(this.#loops);
  }

  async #instanceLoop(): Promise<void> {
    const { queue, batchSize, newBatchThreshold, maxPollingIntervalMs } = this.options;
    const running = new Set<Promise<void>>();
    let pause = MIN_POLLING_INTERVAL_MS;
    while (this.#running) {
      if (running.size > newBatchThreshold) {
        await Promise.race(running);
        continue;
      }
      let received: DequeuedMessageItem[];
      try {
        this.receiveCalls += 1;
        received = (await queue.receiveMessages({ numberOfMessages: batchSize, visibilityTimeout: PROCESSING_VISIBILITY_SECONDS })).receivedMessageItems;
      } catch (error) {
        this.options.log?.(this.options.functionName, 'error', `receive failed: ${String(error)}`);
        received = [];
      }
      const receivedAt = performance.now();
      if (received.length === 0) {
        this.emptyReceives += 1;
        await this.#pause(pause);
        pause = Math.min(maxPollingIntervalMs, pause * 2);
        continue;
      }
      pause = MIN_POLLING_INTERVAL_MS;
      for (const message of received) {
        const task: Promise<void> = this.#handle(message, receivedAt).finally(() => running.delete(task));
        running.add(task);
      }
    }
    await Promise.all(running);
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakeups.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakeups.add(wake);
    });
  }

  async #handle(message: DequeuedMessageItem, receivedAt: number): Promise<void> {
    const { queue, poisonQueue, handler, functionName, maxDequeueCount, visibilityTimeoutSeconds } = this.options;
    this.inFlight += 1;
    const item = decodeQueueTriggerMessage(message.messageText);
    const handled: HandledMessage = { messageId: message.messageId, dequeueCount: message.dequeueCount, item, receivedAt, finishedAt: 0 };
    try {
      handled.outcome = await handler(item, this.#context(message));
      handled.finishedAt = performance.now();
      await queue.deleteMessage(message.messageId, message.popReceipt);
      this.handled += 1;
    } catch (error) {
      handled.finishedAt = performance.now();
      handled.error = error instanceof Error ? error : new Error(String(error));
      this.failed += 1;
      try {
        if (message.dequeueCount >= maxDequeueCount) {
          handled.poisoned = true;
          this.poisoned += 1;
          await poisonQueue.sendMessage(message.messageText);
          await queue.deleteMessage(message.messageId, message.popReceipt);
        } else {
          await queue.updateMessage(message.messageId, message.popReceipt, undefined, visibilityTimeoutSeconds);
        }
      } catch (settleError) {
        this.options.log?.(functionName, 'error', `could not settle message ${message.messageId}: ${String(settleError)}`);
      }
    } finally {
      this.inFlight -= 1;
    }
    this.options.onHandled?.(handled);
  }

  #context(message: DequeuedMessageItem): InvocationContext {
    const { functionName, log } = this.options;
    return new azureFunctions.InvocationContext({
      invocationId: randomUUID(),
      functionName,
      triggerMetadata: { id: message.messageId, dequeueCount: message.dequeueCount, insertionTime: message.insertedOn.toISOString(), popReceipt: message.popReceipt },
      logHandler: (level, ...args) => log?.(functionName, level, args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ')),
    });
  }
}

/** Resolves when `done()` is true, checking every `everyMs`; throws after `timeoutMs` with `describe()`. */
export async function waitUntil(done: () => boolean | Promise<boolean>, options: { timeoutMs: number; everyMs?: number; describe: () => string }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms: ${options.describe()}`);
    await sleep(options.everyMs ?? 50);
  }
}
