// Watches the running pipeline for the progress display, and waits for it to settle. Everything it reads is
// what the app itself reports (telemetry), the emulator's operation count and the queue's length: it never
// drives the pipeline: the local app's queue host does.
import type { DemoApp } from './app.js';
import type { Progress, ProgressCounts } from './progress.js';

const TICK_MS = 250;

export class Monitor {
  private timer: NodeJS.Timeout | undefined;
  private total = 0;
  private scannedEvents = 0;
  private stepsApplied = 0;
  private evaluatedInPhase = new Set<string>();
  private queued = 0;
  private sampling = false;

  constructor(
    private readonly app: DemoApp,
    private readonly progress: Progress,
  ) {}

  /** A new phase about `total` clusters: the evaluated count starts again from 0. */
  phase(name: string, total: number): void {
    this.scan();
    this.total = total;
    this.evaluatedInPhase = new Set();
    this.progress.phase(name);
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  counts(): ProgressCounts {
    this.scan();
    return {
      evaluated: this.evaluatedInPhase.size,
      total: this.total,
      stepsApplied: this.stepsApplied,
      lrosInFlight: runningOperations(this.app),
      queued: this.queued,
    };
  }

  private tick(): void {
    this.progress.update(this.counts());
    if (this.sampling) return;
    this.sampling = true;
    this.app
      .queueLength()
      .then((length) => {
        this.queued = length;
      })
      // A failed sample only leaves the last number on screen; the pipeline reports real failures.
      .catch(() => undefined)
      .finally(() => {
        this.sampling = false;
      });
  }

  /** Reads the telemetry recorded since the last scan (it only ever grows). */
  private scan(): void {
    const events = this.app.telemetry.events;
    for (; this.scannedEvents < events.length; this.scannedEvents += 1) {
      const event = events[this.scannedEvents];
      if (event?.name === 'ClusterEvaluated') this.evaluatedInPhase.add((event.properties['clusterId'] ?? '').toLowerCase());
      else if (event?.name === 'RemediationStarted') this.stepsApplied += 1;
    }
  }
}

/**
 * ARM operations still InProgress. The emulator completes an operation when the resource is next read, so one
 * nobody reads again (say, an "Updating" cluster that was already Compliant) would count as running forever:
 * read every cluster and extension first, which completes those whose time has come.
 */
export function runningOperations(app: DemoApp): number {
  const { state } = app.emulator;
  if (state.runningOperations === 0) return 0;
  for (const clusterId of state.clusterIds()) {
    state.cluster(clusterId);
    state.extensions(clusterId);
  }
  return state.runningOperations;
}

export class SettleTimeoutError extends Error {
  override name = 'SettleTimeoutError';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the queue until the fleet is quiet: no message left (visible or delayed), no event being handled, and no
 * ARM operation still running. Throws SettleTimeoutError, saying what was still going on, after `timeoutMs`.
 */
export async function settle(app: DemoApp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    try {
      await app.drain({ timeoutMs: Math.max(1, left), pollIntervalMs: 100 });
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('drain:')) {
        throw new SettleTimeoutError(`the pipeline did not settle within ${Math.round(timeoutMs / 1000)} s (${error.message.replace(/^drain:\s*/, '')}; ${runningOperations(app)} ARM operations running)`);
      }
      throw error;
    }
    const running = runningOperations(app);
    if (running === 0) return;
    if (Date.now() > deadline) throw new SettleTimeoutError(`the pipeline did not settle within ${Math.round(timeoutMs / 1000)} s (${running} ARM operations still running)`);
    await sleep(150);
  }
}
