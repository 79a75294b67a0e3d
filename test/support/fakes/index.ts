// In-memory fakes of the ports (src/ports.ts), and the app's services built from them: the pipeline, the worker,
// the intake and the sweep run on these in unit tests, with no Azurite and no emulator.
import { resolveTuning, loadConfig, type WorkerTuning } from '../../../src/config.js';
import type { Baseline, ClusterSnapshot } from '../../../src/core/index.js';
import type { AppServices } from '../../../src/pipeline/services.js';
import { RecordingTelemetry } from '../telemetry.js';
import { FakeArm } from './arm.js';
import { InMemoryQueue } from './queue.js';
import { InMemoryStore } from './store.js';

export { FakeArm, applyStep, type FakeAnswer, type FakeWrite } from './arm.js';
export { InMemoryQueue, type QueuedItem } from './queue.js';
export { InMemoryStore } from './store.js';

export interface FakeServices extends AppServices {
  arm: FakeArm;
  store: InMemoryStore;
  queue: InMemoryQueue;
  eventQueue: InMemoryQueue;
  telemetry: RecordingTelemetry;
  /** Moves the clock on. */
  advance(ms: number): void;
}

/** Services over fakes, at a fixed time that moves only when told. */
export function fakeServices(options: { baseline: Baseline; clusters?: readonly ClusterSnapshot[]; now?: Date; settings?: Record<string, string>; tuning?: Partial<WorkerTuning> }): FakeServices {
  const arm = new FakeArm(options.clusters ?? []);
  let now = (options.now ?? new Date('2026-01-15T12:00:00Z')).getTime();
  return {
    config: loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...options.settings }),
    tuning: resolveTuning(options.tuning),
    baseline: options.baseline,
    reader: arm,
    writer: arm,
    arm,
    store: new InMemoryStore(),
    queue: new InMemoryQueue(),
    eventQueue: new InMemoryQueue(),
    telemetry: new RecordingTelemetry(),
    self: {},
    clock: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
  };
}
