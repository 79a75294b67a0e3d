// chaos: the real handlers (onResourceEvent, the sweep, evaluateCluster / evaluateChangedCluster on the queue host)
// on the ARM emulator and Azurite, under seeded trouble, then a check of what must hold whatever happened:
//
//   ARM           random 500 / 503 / connection resets on every request, slow responses, cluster and extension writes
//                 whose operation ends Failed (lro-failed), and a storm of 429s on everything for a few seconds
//   storage       a stall: every call the app makes to Table Storage and its queues waits, for several seconds
//   events        the emulator's events (the app's own writes, and changes by someone else) delivered shuffled, a
//                 share of them twice; a delivery that throws is delivered again, as Event Grid does
//   crashes       the worker dies right after ARM accepted a write, before the Table write that records it
//
// Invariants, checked once the queues drained and the faults stopped:
//   every cluster ends Compliant (or passing) or recorded with a reason for each rule that is not
//   every delivered event id was handled exactly once (its other deliveries are duplicates)
//   no step written twice: ARM accepted no more writes of a resource than the log has intent rows that wrote it
//   no unexpected error reached a handler's caller, and nothing was unhandled
//   the remediation log agrees with ARM: each settled row's status is its operation's, none is left open, and each
//   cluster's recorded status is what its ARM state evaluates to
//   the queues drained, and nothing went to the poison queues
//
// It prints a table and one JSON line, like the benchmarks. `npm run chaos -- --seed S --clusters N`.
import { APP_IDENTITY, LocalApp, OTHER_IDENTITY } from '../dev/local-app.js';
import { OBJECT_ID_CLAIM } from '../src/azure/resourceEvents.js';
import { seededRandom, type Random } from '../emulator/random.js';
import type { EmulatorEvent, FaultRule } from '../emulator/index.js';
import { isPassingStatus, evaluateSnapshot, parseCluster, parseExtensions, withExtensions, type Baseline } from '../src/core/index.js';
import type { AppServices } from '../src/pipeline/services.js';
import type { ComplianceStore, OperationHandle, RemediationRecord, StepWriter, WorkQueue } from '../src/ports.js';
import { CountingTelemetry } from './support/app.js';
import { shuffle } from './support/events.js';
import { printJson, printTable, round, sleep, type Row } from './support/report.js';

export interface ChaosOptions {
  clusters: number;
  seed: number;
  /** Share of all ARM requests given a random 500, 503 or reset. */
  faultRate: number;
  /** Share of cluster and extension writes whose operation ends Failed. */
  lroFailedRate: number;
  /** Share of reads held `slowMs`. */
  slowRate: number;
  slowMs: number;
  /** Share of accepted writes after which the worker crashes (once per resource). */
  crashRate: number;
  /** Share of events delivered twice. */
  duplicateShare: number;
  /** Share of clusters whose flux extension someone else deletes during the run (their events start evaluations). */
  driftShare: number;
  /** When (after the sweep) and how long the 429 storm lasts, and the share of requests it throttles. */
  stormAtMs: number;
  stormMs: number;
  stormRate: number;
  /** When and how long storage stalls. */
  stallAtMs: number;
  stallMs: number;
  /** Give up waiting for the queues to drain after this long. */
  drainTimeoutMs: number;
}

export const CHAOS_DEFAULT: ChaosOptions = {
  clusters: 500,
  seed: 17,
  faultRate: 0.1,
  lroFailedRate: 0.05,
  slowRate: 0.02,
  slowMs: 1500,
  crashRate: 0.09,
  duplicateShare: 0.3,
  driftShare: 0.05,
  stormAtMs: 3000,
  stormMs: 5000,
  stormRate: 0.7,
  stallAtMs: 9000,
  stallMs: 10_000,
  drainTimeoutMs: 15 * 60_000,
};

/** Short timings so retries, back-offs and confirmations happen within the run (the behaviour does not depend on them). */
const CHAOS_TUNING = { leaseBusyRetrySeconds: 1, continuationDelaySeconds: 1, backoffBaseSeconds: 1, maxBackoffSeconds: 4, openRemediationGraceMs: 1500 };
const CHAOS_QUEUE_HOST = { minPollingIntervalMs: 100, maxPollingIntervalMs: 200, visibilityTimeoutSeconds: 1 };
/** The errors a handler may throw for the queue to retry; anything else is unexpected. */
const EXPECTED_ERRORS = new Set(['RetryLaterError', 'ArmError', 'StorageError', 'ChaosCrash']);

class ChaosCrash extends Error {
  override name = 'ChaosCrash';
}

/** A gate every storage call of the app waits at while storage stalls. */
class Stall {
  private release: (() => void) | undefined;
  private gate: Promise<void> | undefined;
  calls = 0;

  start(): void {
    this.gate ??= new Promise((resolve) => (this.release = resolve));
  }

  stop(): void {
    this.release?.();
    this.gate = undefined;
  }

  async pass(): Promise<void> {
    if (!this.gate) return;
    this.calls += 1;
    await this.gate;
  }
}

function stalled<T extends object>(target: T, stall: Stall): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await stall.pass();
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

/** The writer, crashing right after some of the writes ARM accepted (once per resource), before anything records them. */
function crashing(writer: StepWriter, random: Random, rate: number, crashed: Set<string>): StepWriter {
  return {
    checkOperation: (url, resourceId, options) => writer.checkOperation(url, resourceId, options),
    startStep: async (step, context): Promise<OperationHandle> => {
      const handle = await writer.startStep(step, context);
      const key = handle.resourceId.toLowerCase();
      if (handle.started && !crashed.has(key) && random() < rate) {
        crashed.add(key);
        throw new ChaosCrash(`chaos: crash after ARM accepted the write of ${step.id} on ${context.plannedFrom.id}`);
      }
      return handle;
    },
  };
}

interface Delivery {
  event: EmulatorEvent;
  tries: number;
}

export interface ChaosResult {
  seed: number;
  clusters: number;
  elapsedMs: number;
  faults: Record<string, number>;
  invariants: Record<string, { held: boolean; detail: string }>;
  held: boolean;
}

export async function runChaos(options: ChaosOptions, log: (line: string) => void = () => undefined): Promise<ChaosResult> {
  const random = seededRandom(options.seed);
  const crashRandom = seededRandom(options.seed + 1);
  const stall = new Stall();
  const crashed = new Set<string>();
  const unhandled: string[] = [];
  const onUnhandled = (error: unknown): void => {
    unhandled.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  };
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);

  const decorate = (services: AppServices): AppServices => ({
    ...services,
    store: stalled<ComplianceStore>(services.store, stall),
    queue: stalled<WorkQueue>(services.queue, stall),
    eventQueue: stalled<WorkQueue>(services.eventQueue, stall),
    writer: crashing(services.writer, crashRandom, options.crashRate, crashed),
  });
  const app = await LocalApp.launch({
    telemetry: new CountingTelemetry(),
    fleet: { clusters: options.clusters, subscriptions: Math.max(1, Math.ceil(options.clusters / 100)), seed: options.seed },
    emulator: { faultRate: options.faultRate, seed: options.seed, lroDurationMs: 300, throttleFactor: 0 },
    deliverEvents: false,
    tuning: CHAOS_TUNING,
    queueHost: CHAOS_QUEUE_HOST,
    armRetry: { maxRetries: 4, retryDelayInMs: 20, maxRetryDelayInMs: 500 },
    decorate,
  });
  const started = Date.now();
  try {
    const { emulator } = app;
    const baseFaults: FaultRule[] = [
      { route: 'GET /subscriptions/**', kind: 'slow', rate: options.slowRate, delayMs: options.slowMs },
      { route: 'PUT /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/*', kind: 'lro-failed', rate: options.lroFailedRate },
      { route: 'PUT /subscriptions/**/providers/Microsoft.KubernetesConfiguration/extensions/*', kind: 'lro-failed', rate: options.lroFailedRate },
      { route: 'PATCH /subscriptions/**/providers/Microsoft.KubernetesConfiguration/extensions/*', kind: 'lro-failed', rate: options.lroFailedRate },
    ];
    emulator.setFaults(baseFaults);

    // Events: every one the emulator emits, delivered shuffled, some twice; a delivery that throws is retried.
    const pending: Delivery[] = [];
    const outcomesById = new Map<string, string[]>();
    /** Writes ARM accepted, as its events say: the resource, and who wrote it. */
    const emulatorWrites: { resource: string; caller: string }[] = [];
    let deliveries = 0;
    let duplicatesSent = 0;
    let deliveryErrors = 0;
    let pumping = true;
    emulator.onEvent((event) => {
      if (event.eventType.endsWith('ResourceWriteSuccess')) {
        emulatorWrites.push({ resource: event.subject.toLowerCase(), caller: (event.data.claims[OBJECT_ID_CLAIM] ?? '').toLowerCase() });
      }
      pending.push({ event, tries: 0 });
      if (random() < options.duplicateShare) {
        duplicatesSent += 1;
        pending.push({ event: structuredClone(event), tries: 0 });
      }
    });
    let inFlight = 0;
    const pump = (async () => {
      while (pumping || pending.length > 0 || inFlight > 0) {
        const batch = shuffle(pending.splice(0, pending.length), Math.floor(random() * 2 ** 31));
        inFlight += batch.length;
        await Promise.all(
          batch.map(async (delivery) => {
            deliveries += 1;
            try {
              const result = await app.deliver(delivery.event);
              const list = outcomesById.get(delivery.event.id) ?? [];
              list.push(result.outcome);
              outcomesById.set(delivery.event.id, list);
            } catch {
              // Event Grid delivers it again, with a back-off.
              deliveryErrors += 1;
              delivery.tries += 1;
              setTimeout(() => pending.push(delivery), 200 * delivery.tries);
              await sleep(0);
            } finally {
              inFlight -= 1;
            }
          }),
        );
        await sleep(50);
      }
    })();

    // Act: a sweep fans out the fleet; someone else deletes flux on some clusters meanwhile.
    log(`chaos: ${options.clusters} clusters, seed ${options.seed}`);
    app.startQueues();
    await app.sweep();
    const clusters = emulator.fleet?.clusters ?? [];
    const drifted = clusters.filter(() => random() < options.driftShare);
    const others = app.clientsAs(OTHER_IDENTITY);
    const drift = Promise.all(
      drifted.map(async (cluster, index) => {
        await sleep(index * 100);
        await others
          .kubernetesConfiguration(cluster.subscriptionId)
          .extensions.beginDeleteAndWait(cluster.resourceGroup, 'Microsoft.ContainerService', 'managedClusters', cluster.name, 'flux')
          .catch(() => undefined);
      }),
    );

    await sleep(options.stormAtMs);
    log('chaos: 429 storm');
    emulator.setFaults([{ route: '* /subscriptions/**', kind: '429', rate: options.stormRate }, ...baseFaults]);
    await sleep(options.stormMs);
    emulator.setFaults(baseFaults);
    await sleep(Math.max(0, options.stallAtMs - options.stormAtMs - options.stormMs));
    log('chaos: storage stall');
    stall.start();
    await sleep(options.stallMs);
    stall.stop();
    await drift;

    log('chaos: draining');
    const throttledDuringRun = emulator.state.requests.throttled;
    // Drain until the events that draining causes are handled too.
    for (let round = 0; round < 20; round += 1) {
      await app.drain({ timeoutMs: options.drainTimeoutMs, pollIntervalMs: 200 });
      await sleep(300);
      if (pending.length === 0 && inFlight === 0 && (await app.queueLength()) === 0) break;
    }
    pumping = false;
    await pump;
    emulator.setFaults([]);
    const elapsedMs = Date.now() - started;

    // Assess
    log('chaos: checking');
    const invariants: ChaosResult['invariants'] = {};
    const { services } = app;
    const baseline: Baseline = services.baseline;

    // Every cluster ends passing, or recorded with a reason for each rule that is not; and its recorded status is
    // what its ARM state evaluates to (RemediationFailed stands for NonCompliant).
    const withoutReason: string[] = [];
    const disagreeing: string[] = [];
    const byStatus: Record<string, number> = {};
    const rows: RemediationRecord[] = [];
    for (const cluster of clusters) {
      const state = await services.store.getState(cluster.id);
      rows.push(...(await services.store.listRemediations(cluster.id, { limit: 1000 })));
      if (!state) {
        withoutReason.push(`${cluster.name}: no state row`);
        continue;
      }
      byStatus[state.status] = (byStatus[state.status] ?? 0) + 1;
      for (const result of state.results) {
        if (isPassingStatus(result.status)) continue;
        if (!result.reason || !result.message || (result.status === 'RemediationFailed' && !result.lastError)) withoutReason.push(`${cluster.name} ${result.ruleId}`);
      }
      const body = emulator.state.cluster(cluster.id);
      if (!body) continue;
      const now = evaluateSnapshot(withExtensions(parseCluster(body), parseExtensions(emulator.state.extensions(cluster.id))), baseline, { now: new Date() }).status;
      const recorded = state.status === 'RemediationFailed' ? 'NonCompliant' : state.status;
      if (recorded !== now) disagreeing.push(`${cluster.name}: recorded ${state.status}, ARM ${now}`);
    }
    invariants['every cluster recorded with a reason'] = { held: withoutReason.length === 0, detail: withoutReason.length === 0 ? `${clusters.length} clusters: ${JSON.stringify(byStatus)}` : withoutReason.slice(0, 5).join('; ') };

    // Every delivered event id handled exactly once; its other deliveries are duplicates.
    const mishandled = [...outcomesById.entries()].filter(([, outcomes]) => outcomes.filter((outcome) => outcome !== 'duplicate').length !== 1);
    const undelivered = pending.length;
    invariants['every event id accounted for'] = {
      held: mishandled.length === 0 && undelivered === 0,
      detail: `${outcomesById.size} ids, ${deliveries} deliveries (${duplicatesSent} duplicates, ${deliveryErrors} redelivered after an error)${mishandled.length > 0 ? `; mishandled: ${mishandled.slice(0, 3).map(([id, o]) => `${id} ${o.join(',')}`).join('; ')}` : ''}`,
    };

    // No step written twice: writes ARM accepted from the app, per resource, against the intent rows that wrote it.
    const appWrites = new Map<string, number>();
    for (const event of emulatorWrites) {
      if (event.caller !== APP_IDENTITY.objectId.toLowerCase()) continue;
      appWrites.set(event.resource, (appWrites.get(event.resource) ?? 0) + 1);
    }
    const writingRows = new Map<string, number>();
    for (const row of rows) if (row.status !== 'Skipped') writingRows.set(row.request.path.toLowerCase(), (writingRows.get(row.request.path.toLowerCase()) ?? 0) + 1);
    const duplicates = [...appWrites.entries()].filter(([resource, count]) => count > (writingRows.get(resource) ?? 0));
    invariants['zero duplicate writes per step'] = {
      held: duplicates.length === 0,
      detail: `${[...appWrites.values()].reduce((sum, n) => sum + n, 0)} writes to ${appWrites.size} resources${duplicates.length > 0 ? `; more writes than intents: ${duplicates.slice(0, 3).map(([r, n]) => `${r} x${n}`).join('; ')}` : ''}`,
    };

    // Nothing unexpected reached a handler's caller, and nothing was unhandled.
    const unexpected = app.processed.filter((message) => message.error && !EXPECTED_ERRORS.has(message.error.name)).map((message) => `${message.error?.name}: ${message.error?.message}`);
    const errorLogs = app.logs.filter((line) => line.level === 'error' && /TypeError|ReferenceError|RangeError|SyntaxError|unexpected/i.test(line.message)).map((line) => line.message);
    const handlerErrors = countBy(app.processed.filter((message) => message.error).map((message) => message.error?.name ?? '?'));
    invariants['zero unhandled errors'] = {
      held: unexpected.length === 0 && unhandled.length === 0 && errorLogs.length === 0,
      detail: `handler errors retried by the queue: ${JSON.stringify(handlerErrors)}${[...unexpected, ...unhandled, ...errorLogs].slice(0, 3).map((text) => `; ${text}`).join('')}`,
    };

    // The remediation log agrees with ARM.
    const logDisagrees: string[] = [];
    let checkedOperations = 0;
    for (const row of rows) {
      if (row.status === 'Started' || row.status === 'Accepted') {
        logDisagrees.push(`${row.stepId} on ${row.clusterId} still ${row.status}`);
        continue;
      }
      const url = row.armOperation?.operationUrl;
      if (!url || (row.status !== 'Succeeded' && row.status !== 'Failed')) continue;
      if (row.status === 'Failed' && row.error?.code === 'NotConfirmed') continue;
      const check = await services.writer.checkOperation(url, row.request.path);
      checkedOperations += 1;
      const expected = row.status === 'Succeeded' ? 'succeeded' : 'failed';
      if (check.status !== expected) logDisagrees.push(`${row.stepId} on ${row.clusterId}: logged ${row.status}, operation ${check.status}`);
      else if (check.status === 'failed' && check.failure.code !== row.error?.code) logDisagrees.push(`${row.stepId} on ${row.clusterId}: logged ${row.error?.code}, ARM ${check.failure.code}`);
    }
    invariants['remediation log agrees with ARM'] = {
      held: logDisagrees.length === 0 && disagreeing.length === 0,
      detail: `${rows.length} rows (${JSON.stringify(countBy(rows.map((row) => row.status)))}), ${checkedOperations} operations read back${[...logDisagrees, ...disagreeing].slice(0, 3).map((text) => `; ${text}`).join('')}`,
    };

    const queued = await app.queueLength();
    const poisoned = await app.poisonCount();
    invariants['queue drains'] = { held: queued === 0 && poisoned === 0, detail: `${queued} left, ${poisoned} poisoned, ${app.processed.length} messages handled` };

    const failedOperations = rows.filter((row) => row.status === 'Failed' && row.error?.code === 'InternalOperationError').length;
    const faults = {
      armRequests: emulator.state.requests.reads + emulator.state.requests.writes + emulator.state.requests.deletes,
      throttled429: throttledDuringRun,
      lroFailed: failedOperations,
      crashesAfterWrite: crashed.size,
      storageCallsStalled: stall.calls,
      eventsDelivered: deliveries,
      eventsDuplicated: duplicatesSent,
      clustersDriftedByOthers: drifted.length,
    };
    return { seed: options.seed, clusters: options.clusters, elapsedMs, faults, invariants, held: Object.values(invariants).every((invariant) => invariant.held) };
  } finally {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
    stall.stop();
    await app.stop();
  }

  function countBy(values: string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
    return counts;
  }
}

/** Prints the table and the JSON line. */
export function reportChaos(result: ChaosResult, options: ChaosOptions): void {
  const rows: Row[] = [
    ...Object.entries(result.faults).map(([metric, value]) => ({ metric: `fault: ${metric}`, value })),
    ...Object.entries(result.invariants).map(([metric, invariant]) => ({ metric, value: invariant.detail, goal: 'holds', met: invariant.held })),
    { metric: 'elapsed s', value: round(result.elapsedMs / 1000, 1) },
  ];
  printTable(`chaos: ${result.clusters} clusters, seed ${result.seed}`, rows, [`options: ${JSON.stringify(options)}`]);
  printJson('chaos', { ...result, options });
}
