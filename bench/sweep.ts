// sweep: a whole fleet swept through the real timer handler, the evaluation queue and the real evaluateCluster,
// against the ARM emulator throttling with ARM's per-subscription token buckets scaled by a stated factor.
// The number that matters is the ratio of the wall time to the least time those buckets allow for the
// requests the sweep made.
import { getHeapStatistics } from 'node:v8';
import type { Timer } from '@azure/functions';
import { ARM_THROTTLE_LIMITS } from '../emulator/throttle.js';
import { sweep } from '../src/functions/sweep.js';
import { FUNCTION_NAMES } from '../src/names.js';
import type { SweepResult } from '../src/pipeline/sweep.js';
import type { WorkerOutcome } from '../src/pipeline/worker.js';
import { BUCKETS, throttleLowerBound, type Bucket, type BucketLimits } from './support/arm-wire.js';
import { invocationContext, startBenchStack } from './support/app.js';
import { cpuSince, cpuSnapshot } from './support/processes.js';
import { readHostJsonQueues, type HandledMessage } from '../dev/queue-host.js';
import { printJson, printTable, round, RssSampler, waitUntil, type Row } from './support/report.js';

/** Issue 16's goals for the full sweep (10,000 clusters). */
export const SWEEP_GOALS = { ratio: 1.1, peakRssMb: 200 } as const;

/** host.json's queue settings, which the queue host plays. */
const HOST_JSON_QUEUES = readHostJsonQueues();

export interface SweepBenchOptions {
  clusters: number;
  subscriptions: number;
  /** Scales ARM's bucket sizes and refill rates in the emulator (1 = ARM's numbers). */
  throttleFactor: number;
  /** Function App instances running the queue trigger, each with host.json's batch settings. */
  instances: number;
  seed: number;
  /** How long the emulator keeps writes InProgress. */
  lroMs: number;
  pageSize: number;
  /** Reach the emulator through ARM_CA_FILE's per-connection TLS, as the tests do, instead of as in Azure. */
  caFileTls?: boolean;
}

/**
 * Full: the fleet. The factor 0.04 makes a subscription's read bucket 10 requests refilled at 1/s, so
 * that the buckets, not this 2-core machine and its Azurite, bound the sweep (see docs/performance.md).
 */
export const SWEEP_FULL: SweepBenchOptions = { clusters: 10_000, subscriptions: 50, throttleFactor: 0.04, instances: 4, seed: 8, lroMs: 200, pageSize: 100 };
/** Quick: a fifth of the fleet; the factor keeps the bound near 35 s. */
export const SWEEP_QUICK: SweepBenchOptions = { ...SWEEP_FULL, clusters: 2_000, subscriptions: 10, throttleFactor: 0.45 };

/** The emulator's buckets at this factor (it never lets a bucket hold less than one token). */
export function scaledLimits(factor: number): Record<Bucket, BucketLimits> {
  const scaled = (kind: Bucket): BucketLimits => ({ burst: Math.max(1, ARM_THROTTLE_LIMITS[kind].burst * factor), perSecond: ARM_THROTTLE_LIMITS[kind].perSecond * factor });
  return { reads: scaled('reads'), writes: scaled('writes'), deletes: scaled('deletes') };
}

/** process.memoryUsage() in MB, rounded to `digits`. */
function inMb(usage: NodeJS.MemoryUsage, digits = 1): Record<keyof NodeJS.MemoryUsage, number> {
  return Object.fromEntries(Object.entries(usage).map(([name, bytes]) => [name, round(bytes / 1048576, digits)])) as Record<keyof NodeJS.MemoryUsage, number>;
}

function timer(): Timer {
  const now = new Date().toISOString();
  return { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: now, next: now, lastUpdated: now } };
}

export async function runSweepBench(options: SweepBenchOptions): Promise<Record<string, unknown>> {
  if (!(options.throttleFactor > 0 && Number.isFinite(options.throttleFactor))) throw new RangeError(`sweep: --throttle-factor must be a number above 0 (got ${options.throttleFactor})`);
  const limits = scaledLimits(options.throttleFactor);
  const stack = await startBenchStack({
    emulator: {
      fleet: { clusters: options.clusters, subscriptions: options.subscriptions, seed: options.seed },
      throttleFactor: options.throttleFactor,
      lroDurationMs: options.lroMs,
      pageSize: options.pageSize,
      latencyMs: 0,
    },
    productionTls: !options.caFileTls,
  });
  try {
    const { emulator, counter } = stack;
    const { telemetry } = stack.app;
    const evaluated = new Set<string>();
    const handlerMs: number[] = [];
    let failedInvocations = 0;
    let lastEvaluatedAt = 0;
    const host = stack.queueHost({
      instances: options.instances,
      onHandled: (message: HandledMessage) => {
        handlerMs.push(message.finishedAt - message.receivedAt);
        if (message.error) {
          failedInvocations += 1;
          return;
        }
        const item = message.item as { clusterId?: string; cause?: { kind?: string } };
        const outcome = message.outcome as WorkerOutcome | undefined;
        if (item.cause?.kind === 'sweep' && item.clusterId && (outcome?.kind === 'evaluated' || outcome?.kind === 'deleted')) {
          evaluated.add(item.clusterId.toLowerCase());
          lastEvaluatedAt = performance.now();
        }
      },
    });

    const perSubscription = Math.ceil(options.clusters / options.subscriptions);
    const estimateMs = ((2 * perSubscription + Math.ceil(perSubscription / options.pageSize) - limits.reads.burst) / limits.reads.perSecond) * 1000;
    const timeoutMs = Math.max(120_000, 4 * estimateMs);

    const rss = new RssSampler(50);
    const atStart = process.memoryUsage();
    counter.reset();
    const cpuBefore = cpuSnapshot(emulator.pid);
    const startedAt = performance.now();
    host.start();
    const result: SweepResult = await sweep(timer(), invocationContext(FUNCTION_NAMES.sweep));
    const enqueuedMs = performance.now() - startedAt;
    // A full sweep takes minutes: say how far it is, on stderr so the table and the JSON line stay clean.
    const progress = setInterval(() => {
      const now = inMb(process.memoryUsage(), 0);
      process.stderr.write(
        `# sweep: ${evaluated.size} of ${result.clustersEnqueued} clusters evaluated after ${Math.round((performance.now() - startedAt) / 1000)} s (RSS ${now.rss} MB, heap used ${now.heapUsed}, external ${now.external}; peak ${Math.round(rss.peakMb)} at ${Math.round(rss.peakAtMs / 1000)} s)\n`,
      );
    }, 30_000);
    progress.unref();
    await waitUntil(() => evaluated.size >= result.clustersEnqueued, {
      timeoutMs,
      everyMs: 20,
      describe: () => `${evaluated.size} of ${result.clustersEnqueued} clusters evaluated`,
    }).catch(() => undefined);
    clearInterval(progress);
    const wallMs = (evaluated.size >= result.clustersEnqueued ? lastEvaluatedAt : performance.now()) - startedAt;
    // Counts as of the end of the sweep: later continuations are not part of it.
    const bySubscription = new Map([...counter.bySubscription].map(([id, counts]) => [id, structuredClone(counts)]));
    const byPurpose = Object.fromEntries(counter.byPurpose);
    const throttled = counter.throttled;
    const totalRequests = counter.total;
    const cpu = cpuSince(cpuBefore, cpuSnapshot(emulator.pid));
    const served = await emulator.counts();
    const peakRssMb = rss.stop();
    // With --expose-gc: what is still alive once garbage is collected (a leak shows here, allocator slack does not).
    const collect = (globalThis as { gc?: () => void }).gc;
    collect?.();
    const liveHeapMb = collect ? round(process.memoryUsage().heapUsed / 1048576, 1) : null;
    const pacer = stack.app.armStats;

    const { lowerBoundMs, boundBy } = throttleLowerBound(bySubscription, limits);
    const ratio = lowerBoundMs > 0 ? wallMs / lowerBoundMs : Number.POSITIVE_INFINITY;
    const requestsByBucket = Object.fromEntries(
      BUCKETS.map((bucket) => [bucket, [...bySubscription.values()].reduce((sum, counts) => sum + counts[bucket].accepted, 0)]),
    ) as Record<Bucket, number>;
    const failed = result.clustersEnqueued - evaluated.size + result.errors.length;
    const sortedHandler = [...handlerMs].sort((a, b) => a - b);

    const json = {
      clusters: options.clusters,
      subscriptions: options.subscriptions,
      throttleFactor: options.throttleFactor,
      bucketsPerSubscription: limits,
      instances: options.instances,
      tls: options.caFileTls ? 'ARM_CA_FILE per connection' : 'one shared context (as in Azure)',
      concurrencyPerInstance: HOST_JSON_QUEUES.batchSize + HOST_JSON_QUEUES.newBatchThreshold,
      clustersEnqueued: result.clustersEnqueued,
      enqueuedMs: Math.round(enqueuedMs),
      wallMs: Math.round(wallMs),
      lowerBoundMs: Math.round(lowerBoundMs),
      boundBy,
      ratio: round(ratio),
      requests: totalRequests,
      requestsByBucket,
      requestsByKind: byPurpose,
      throttled,
      emulatorCounted: served.total,
      pacedRequests: pacer.pacedRequests,
      failed,
      failedInvocations,
      sweepErrors: result.errors.length,
      evaluations: Object.fromEntries(telemetry.events),
      handlerP50Ms: round(sortedHandler[Math.floor(sortedHandler.length / 2)] ?? Number.NaN),
      cpuSeconds: { app: round(cpu.app), azurite: round(cpu.azurite), emulator: round(cpu.emulator) },
      peakRssMb: round(peakRssMb, 1),
      atPeakMb: inMb(rss.atPeak),
      peakAtS: round(rss.peakAtMs / 1000, 1),
      liveHeapMb,
      atStartMb: inMb(atStart),
      heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 1048576),
    };
    const rows: Row[] = [
      { metric: 'fleet', value: `${options.clusters} clusters / ${options.subscriptions} subscriptions` },
      { metric: 'throttle factor', value: `${options.throttleFactor} (reads: ${limits.reads.burst} burst, ${limits.reads.perSecond}/s; writes: ${limits.writes.burst}, ${limits.writes.perSecond}/s)` },
      { metric: 'queue trigger', value: `${options.instances} instances x batch ${HOST_JSON_QUEUES.batchSize} (+${HOST_JSON_QUEUES.newBatchThreshold})` },
      { metric: 'wallMs', value: json.wallMs },
      { metric: 'lowerBoundMs', value: json.lowerBoundMs },
      { metric: 'ratio', value: json.ratio, goal: `<= ${SWEEP_GOALS.ratio}`, met: ratio <= SWEEP_GOALS.ratio },
      { metric: 'requests (reads/writes/deletes)', value: `${totalRequests} (${requestsByBucket.reads}/${requestsByBucket.writes}/${requestsByBucket.deletes} accepted)` },
      { metric: 'requests by kind', value: Object.entries(byPurpose).map(([kind, count]) => `${kind} ${count}`).join('\n') },
      { metric: 'throttled (429)', value: throttled },
      { metric: 'failed clusters', value: failed, goal: '0', met: failed === 0 },
      { metric: 'peakRssMb (app)', value: `${json.peakRssMb} (V8 heap limit ${json.heapLimitMb} MB)`, goal: `<= ${SWEEP_GOALS.peakRssMb}`, met: peakRssMb <= SWEEP_GOALS.peakRssMb },
      { metric: 'live heap after GC (MB)', value: liveHeapMb ?? 'run with --expose-gc' },
      { metric: 'CPU s app/azurite/emulator', value: `${json.cpuSeconds.app} / ${json.cpuSeconds.azurite} / ${json.cpuSeconds.emulator}` },
    ];
    printTable('sweep: fleet sweep against ARM throttling', rows, [
      `bound by subscription ${boundBy?.subscriptionId ?? '-'} ${boundBy?.bucket ?? ''} (${boundBy?.accepted ?? 0} accepted requests)`,
    ]);
    printJson('sweep', json);
    return json;
  } finally {
    await stack.stop();
  }
}
