// burst: a storm of events (a fleet-wide change, or Event Grid redelivering) through the real onResourceEvent
// and evaluateCluster. The intake's dedupe (event ids) and coalescing (one pending evaluation per cluster within
// COALESCE_WINDOW_SECONDS) should turn it into about one evaluation, and one ARM read, per cluster.
import { generateFleet, type EmulatorEvent, type FleetOptions } from '../emulator/index.js';
import { onResourceEvent } from '../src/functions/onResourceEvent.js';
import { DEFAULT_COALESCE_WINDOW_SECONDS } from '../src/config.js';
import { FUNCTION_NAMES } from '../src/names.js';
import type { IntakeResult } from '../src/pipeline/intake.js';
import { invocationContext, startBenchStack } from './support/app.js';
import { cpuSince, cpuSnapshot } from './support/processes.js';
import { shuffle, writeByAnotherParty } from './support/events.js';
import { waitUntil } from './support/report.js';
import { printJson, printTable, round } from './support/report.js';

export interface BurstBenchOptions {
  /** Deliveries in total, duplicates included. */
  events: number;
  clusters: number;
  /** Share of deliveries that repeat an event already in the burst (same id). */
  duplicateShare: number;
  /** Deliveries in flight at once (Event Grid pushes concurrently). */
  concurrency: number;
  instances: number;
  coalesceWindowSeconds: number;
  seed: number;
}

export const BURST_FULL: BurstBenchOptions = { events: 20_000, clusters: 1_000, duplicateShare: 0.3, concurrency: 64, instances: 1, coalesceWindowSeconds: DEFAULT_COALESCE_WINDOW_SECONDS, seed: 30 };
/** Issue 16's goal: the first read of a cluster, plus at most one to confirm what arrived after it. */
export const BURST_GOAL_READS_PER_CLUSTER = 2;

/** The storm that failed (issue 16) is the full one: the quick run keeps its size. */
export const BURST_QUICK: BurstBenchOptions = BURST_FULL;

/** Every cluster gets events; then duplicates of earlier events are mixed in, and the whole lot shuffled. */
export function burstEvents(clusterIds: readonly string[], options: Pick<BurstBenchOptions, 'events' | 'duplicateShare' | 'seed'>): EmulatorEvent[] {
  const distinct = Math.max(clusterIds.length, Math.round(options.events * (1 - options.duplicateShare)));
  const originals: EmulatorEvent[] = [];
  for (let index = 0; index < distinct; index += 1) originals.push(writeByAnotherParty(clusterIds[index % clusterIds.length]!, index % 2 === 0 ? 'cluster' : 'extension'));
  const duplicates = shuffle([...originals], options.seed).slice(0, Math.max(0, options.events - distinct));
  // A redelivery is the same event again: same id, same body.
  return shuffle([...originals, ...duplicates.map((event) => structuredClone(event))], options.seed + 1);
}

export async function runBurstBench(options: BurstBenchOptions): Promise<Record<string, unknown>> {
  // Compliant clusters: no remediation, so every evaluation and every read here is the burst's doing.
  const fleet: FleetOptions = {
    clusters: options.clusters,
    subscriptions: 10,
    seed: options.seed,
    drift: {
      servicePrincipal: 0, podIdentity: 0, noOidcIssuer: 0, noWorkloadIdentity: 0, missingExtension: 0, extensionFailed: 0,
      extensionWrongReleaseTrain: 0, extensionPinnedVersion: 0, updating: 0, unsupportedRegion: 0, oldKubernetes: 0, exempt: 0,
    },
  };
  const stack = await startBenchStack({
    emulator: { fleet, throttleFactor: 0, latencyMs: 0 },
    settings: { COALESCE_WINDOW_SECONDS: String(options.coalesceWindowSeconds) },
  });
  try {
    const { counter, app } = stack;
    const clusterIds = generateFleet(fleet).clusters.map((cluster) => cluster.id);
    const events = burstEvents(clusterIds, options);
    const distinctEvents = new Set(events.map((event) => event.id)).size;
    const host = stack.queueHost({ instances: options.instances, lane: 'events' });
    host.start();

    const cpuBefore = cpuSnapshot(stack.emulator.pid);
    const startedAt = performance.now();
    let next = 0;
    let deliveryErrors = 0;
    const errorSamples: string[] = [];
    const outcomes: Record<string, number> = {};
    const deliverer = async (): Promise<void> => {
      while (next < events.length) {
        const event = events[next++]!;
        try {
          const result: IntakeResult = await onResourceEvent(event, invocationContext(FUNCTION_NAMES.onResourceEvent));
          outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
        } catch (error) {
          // Event Grid would deliver it again; a few under a storm are expected, many are not.
          deliveryErrors += 1;
          if (errorSamples.length < 3) errorSamples.push(error instanceof Error ? error.message.slice(0, 300) : String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, deliverer));
    const deliveredMs = performance.now() - startedAt;
    await waitUntil(
      async () => {
        if (host.inFlight > 0) return false;
        const { approximateMessagesCount = 0 } = await app.storage.eventQueue.getProperties();
        return approximateMessagesCount === 0 && host.inFlight === 0;
      },
      { timeoutMs: options.coalesceWindowSeconds * 1000 + 300_000, everyMs: 200, describe: () => 'the events queue did not drain' },
    );
    const drainedMs = performance.now() - startedAt;
    const cpu = cpuSince(cpuBefore, cpuSnapshot(stack.emulator.pid));

    const evaluations = [...app.telemetry.events].filter(([name]) => name.startsWith('ClusterEvaluated')).reduce((sum, [, count]) => sum + count, 0);
    const clusterReads = [...counter.clusterReads.values()].reduce((sum, count) => sum + count, 0);
    const evaluationsPerCluster = evaluations / clusterIds.length;
    const readsPerCluster = clusterReads / clusterIds.length;
    const remediationWrites = [...counter.writesByResource.values()].reduce((sum, count) => sum + count, 0);
    const duplicateWrites = [...counter.writesByResource.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);

    const json = {
      events: events.length,
      distinctEvents,
      duplicates: events.length - distinctEvents,
      clusters: clusterIds.length,
      concurrency: options.concurrency,
      coalesceWindowSeconds: options.coalesceWindowSeconds,
      deliveredMs: Math.round(deliveredMs),
      deliveriesPerSecond: round(events.length / (deliveredMs / 1000), 1),
      drainedMs: Math.round(drainedMs),
      intakeOutcomes: outcomes,
      deliveryErrors,
      deliveryErrorSamples: errorSamples,
      evaluations,
      evaluationsPerCluster: round(evaluationsPerCluster, 3),
      armClusterReads: clusterReads,
      armReadsPerCluster: round(readsPerCluster, 3),
      armRequests: counter.total,
      remediationWrites,
      duplicateRemediationWrites: duplicateWrites,
      failedInvocations: host.failed,
      cpuSeconds: { app: round(cpu.app), azurite: round(cpu.azurite), emulator: round(cpu.emulator) },
    };
    printTable(`burst: ${events.length} events (${json.duplicates} duplicates, shuffled) over ${clusterIds.length} clusters`, [
      { metric: 'evaluations per cluster', value: json.evaluationsPerCluster, goal: `<= ${BURST_GOAL_READS_PER_CLUSTER}`, met: evaluationsPerCluster <= BURST_GOAL_READS_PER_CLUSTER },
      { metric: 'ARM snapshot reads per cluster', value: json.armReadsPerCluster, goal: `<= ${BURST_GOAL_READS_PER_CLUSTER}`, met: readsPerCluster <= BURST_GOAL_READS_PER_CLUSTER },
      { metric: 'remediation writes (duplicates)', value: `${remediationWrites} (${duplicateWrites})`, goal: '0 duplicates', met: duplicateWrites === 0 },
      { metric: 'intake outcomes', value: Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ') },
      { metric: 'delivered in', value: `${json.deliveredMs} ms (${json.deliveriesPerSecond}/s, ${options.concurrency} in flight)` },
      { metric: 'drained after', value: `${json.drainedMs} ms` },
      { metric: 'delivery errors / failed invocations', value: `${deliveryErrors} / ${host.failed}` },
      { metric: 'CPU s app/azurite/emulator', value: `${json.cpuSeconds.app} / ${json.cpuSeconds.azurite} / ${json.cpuSeconds.emulator}` },
    ], [
      `a compliant fleet: every read and evaluation is the storm's doing; follow-ups wait COALESCE_WINDOW_SECONDS = ${options.coalesceWindowSeconds} s`,
      'the storm\'s events are all written before it is delivered (a fleet-wide change): a read after them covers them all',
    ]);
    printJson('burst', json);
    return json;
  } finally {
    await stack.stop();
  }
}
