// Crash injection by decorating the ports, so production code has no test hooks: a remediation log that fails
// right after writing an intent row (before the ARM write), and a step writer that fails right after ARM accepted
// a write (before the Table write that records it). Set a hook to crash at that point; leave it unset to pass through.
// One more point is not a crash: the moment an evaluation reads its cluster, where a test delivers events as if they
// arrived while the evaluation runs.
import type { AppServices } from '../../src/pipeline/services.js';
import type { ClusterReader, ComplianceStore, OperationHandle, RemediationLog, StepWriter } from '../../src/ports.js';
import type { PlanStep } from '../../src/core/index.js';

export interface CrashPoints {
  /** Called after the intent row of a step is written, before its ARM write. */
  afterIntent?(stepId: string): Promise<void>;
  /** Called after ARM answered a step's write, before anything records it. */
  afterWrite?(step: PlanStep, handle: OperationHandle): Promise<void>;
  /** Called when an evaluation starts reading a cluster from ARM, before the read. */
  beforeRead?(clusterId: string): Promise<void>;
}

/** `target` with some methods replaced; every other method still runs on `target` itself. */
function withOverrides<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (property in overrides) return overrides[property as keyof T];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

export function crashAfterIntent<L extends RemediationLog>(log: L, points: CrashPoints): L {
  const overrides: Partial<RemediationLog> = {
    startRemediation: async (input) => {
      const ref = await log.startRemediation(input);
      await points.afterIntent?.(input.stepId);
      return ref;
    },
  };
  return withOverrides(log, overrides as Partial<L>);
}

export function crashAfterWrite(writer: StepWriter, points: CrashPoints): StepWriter {
  return withOverrides(writer, {
    startStep: async (step, context) => {
      const handle = await writer.startStep(step, context);
      await points.afterWrite?.(step, handle);
      return handle;
    },
  });
}

export function pauseBeforeRead(reader: ClusterReader, points: CrashPoints): ClusterReader {
  return withOverrides(reader, {
    readCluster: async (clusterId, options) => {
      await points.beforeRead?.(clusterId);
      return reader.readCluster(clusterId, options);
    },
  });
}

/** The services with every point in place. */
export function withCrashPoints(services: AppServices, points: CrashPoints): AppServices {
  return {
    ...services,
    store: crashAfterIntent<ComplianceStore>(services.store, points),
    writer: crashAfterWrite(services.writer, points),
    reader: pauseBeforeRead(services.reader, points),
  };
}
