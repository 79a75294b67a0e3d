// The test driver: the app run locally by dev/local-app.ts (Azurite, the HTTPS ARM emulator, the real handlers,
// the queue trigger played by dev/queue-host.ts from host.json) plus what only tests need: telemetry recorded for
// assertions, every ARM write the app sends, crash injection through decorated ports, and short timings. Used by
// the integration tests under test/integration/functions/.
import type { PipelinePolicy, PipelineRetryOptions } from '@azure/core-rest-pipeline';
import type { EmulatorOptions, FleetOptions } from '../../emulator/index.js';
import { APP_IDENTITY, LocalApp, OTHER_IDENTITY, POISON_QUEUES, type Identity, type LocalAppOptions, type LocalAppParts, type ProcessedMessage } from '../../dev/local-app.js';
import type { QueueHostSettings } from '../../dev/queue-host.js';
import type { WorkerTuning } from '../../src/config.js';
import type { Baseline } from '../../src/core/index.js';
import { withCrashPoints, type CrashPoints } from './faults.js';
import { RecordingTelemetry } from './telemetry.js';

export { APP_IDENTITY, OTHER_IDENTITY, POISON_QUEUES, type Identity, type ProcessedMessage };

/** Short timings so the suites stay fast; the behaviour under test does not depend on them. */
export const FAST_TUNING: Partial<WorkerTuning> = {
  leaseBusyRetrySeconds: 1,
  continuationDelaySeconds: 1,
  backoffBaseSeconds: 1,
  maxBackoffSeconds: 4,
  openRemediationGraceMs: 1500,
};

/**
 * host.json's queue settings, but polled every 100 ms and retried after 1 s (host.json: up to 2 s, and 30 s), so a
 * test that goes through retries takes seconds. Batch sizes and maxDequeueCount stay host.json's.
 */
export const FAST_QUEUE_HOST: Partial<QueueHostSettings> = { minPollingIntervalMs: 100, maxPollingIntervalMs: 100, visibilityTimeoutSeconds: 1 };

export interface DriverOptions {
  /** Seed the emulator with a generated fleet. */
  fleet?: FleetOptions;
  /** More emulator options (throttling is off unless given). */
  emulator?: Omit<EmulatorOptions, 'fleet'>;
  /** Overrides BASELINE_PATH. */
  baseline?: Baseline;
  /** App settings on top of the ones pointing at Azurite and the emulator (e.g. ENTRA_AUTH_REQUIRED). */
  settings?: Record<string, string>;
  tuning?: Partial<WorkerTuning>;
  /** Deliver the emulator's events to onResourceEvent as they happen (default true). */
  deliverEvents?: boolean;
  /** The app's ARM retry policy (default: 8 quick retries). */
  armRetry?: PipelineRetryOptions;
  /** The app's clock is the emulator's (see LocalAppOptions). */
  followEmulatorClock?: boolean;
}

export interface CapturedWrite {
  method: string;
  /** Path without the query string. */
  path: string;
}

export class Driver extends LocalApp<RecordingTelemetry> {
  private constructor(
    parts: LocalAppParts,
    options: LocalAppOptions<RecordingTelemetry>,
    /** Every ARM write (PUT/PATCH/DELETE) the app sent, in order. */
    readonly appWrites: CapturedWrite[],
    /**
     * Set `faults.afterWrite` to make the worker fail right after an ARM write, before its Table write, or
     * `faults.afterIntent` to fail between the intent row and the ARM write: a crash at either point.
     */
    readonly faults: CrashPoints,
  ) {
    super(parts, options.telemetry, options);
  }

  static async start(options: DriverOptions = {}): Promise<Driver> {
    const appWrites: CapturedWrite[] = [];
    const faults: CrashPoints = {};
    const local: LocalAppOptions<RecordingTelemetry> = {
      ...options,
      telemetry: new RecordingTelemetry(),
      tuning: { ...FAST_TUNING, ...options.tuning },
      queueHost: FAST_QUEUE_HOST,
      armPolicies: [captureWrites(appWrites)],
      decorate: (services) => withCrashPoints(services, faults),
    };
    return new Driver(await LocalApp.startParts(local), local, appWrites, faults).begin();
  }

  /** Writes the app sent to one resource (cluster or extension id, any casing). */
  writesTo(resourceId: string): CapturedWrite[] {
    const key = resourceId.toLowerCase();
    return this.appWrites.filter((write) => write.path.toLowerCase() === key);
  }

  /** ClusterEvaluated events recorded for one cluster. */
  evaluationsOf(clusterId: string): number {
    const key = clusterId.toLowerCase();
    return this.telemetry.events.filter((event) => event.name === 'ClusterEvaluated' && event.properties['clusterId']?.toLowerCase() === key).length;
  }
}

function captureWrites(writes: CapturedWrite[]): PipelinePolicy {
  return {
    name: 'driverCaptureWrites',
    sendRequest: (request, next) => {
      if (request.method !== 'GET') writes.push({ method: request.method, path: new URL(request.url).pathname });
      return next(request);
    },
  };
}
