// latency: events paced at a steady rate through the real onResourceEvent -> the events lane -> evaluateChangedCluster
// -> Table write, with an ARM emulator that answers at once. Reported: the time our code takes (the event handler,
// then from the moment the worker has the message until the cluster's state row is written) apart from the time the
// message waits in the queue (the trigger's polling and the messages ahead of it).
import { generateFleet } from '../emulator/index.js';
import { DEFAULT_COALESCE_WINDOW_SECONDS } from '../src/config.js';
import type { WorkerOutcome } from '../src/pipeline/worker.js';
import { HostRequestCounter } from './support/arm-wire.js';
import { deliverTimed, startBenchStack, watchStateRows, type IntakeTiming } from './support/app.js';
import { cpuSince, cpuSnapshot } from './support/processes.js';
import { writeByAnotherParty } from './support/events.js';
import { waitUntil } from './support/report.js';
import { percentile, printJson, printTable, round, sleep, type Row } from './support/report.js';

export interface LatencyBenchOptions {
  events: number;
  /** Events per second. */
  rate: number;
  instances: number;
  /** COALESCE_WINDOW_SECONDS: the delay every enqueued evaluation waits before it is visible. */
  coalesceWindowSeconds: number;
  seed: number;
}

/** The app's default window (config.ts): it only delays follow-ups. Each event hits its own cluster, so none coalesce. */
export const LATENCY_FULL: LatencyBenchOptions = { events: 2_000, rate: 50, instances: 1, coalesceWindowSeconds: DEFAULT_COALESCE_WINDOW_SECONDS, seed: 50 };
export const LATENCY_QUICK: LatencyBenchOptions = { ...LATENCY_FULL, events: 300 };

interface Timing extends IntakeTiming {
  clusterId: string;
  received?: number;
  recorded?: number;
}

export async function runLatencyBench(options: LatencyBenchOptions): Promise<Record<string, unknown>> {
  const fleet = { clusters: options.events, subscriptions: 10, seed: options.seed };
  const stack = await startBenchStack({
    emulator: { fleet, throttleFactor: 0, latencyMs: 0 },
    settings: { COALESCE_WINDOW_SECONDS: String(options.coalesceWindowSeconds) },
  });
  try {
    const { counter } = stack;
    // The emulator's fleet, generated again here: the same options and seed give the same clusters.
    const clusters = generateFleet(fleet).clusters.map((cluster) => cluster.id);
    const byCluster = new Map<string, Timing>();

    // Probe, not stub: the real state row write runs, and its completion time is noted.
    watchStateRows(stack.app.storage, ({ clusterId }) => {
      const timing = byCluster.get(clusterId.toLowerCase());
      if (timing && timing.recorded === undefined) timing.recorded = performance.now();
    });

    const host = stack.queueHost({
      instances: options.instances,
      lane: 'events',
      onHandled: (message) => {
        const item = message.item as { clusterId?: string; cause?: { kind?: string } };
        const timing = item.clusterId ? byCluster.get(item.clusterId.toLowerCase()) : undefined;
        const outcome = message.outcome as WorkerOutcome | undefined;
        if (timing && item.cause?.kind === 'event' && outcome?.kind === 'evaluated' && timing.received === undefined) timing.received = message.receivedAt;
      },
    });
    host.start();

    const { azurite } = stack.app;
    const storageRequests = new HostRequestCounter([azurite.tableEndpoint, azurite.queueEndpoint]);
    const cpuBefore = cpuSnapshot(stack.emulator.pid);
    const intervalMs = 1000 / options.rate;
    const deliveries: Promise<void>[] = [];
    const startedAt = performance.now();
    for (let index = 0; index < options.events; index += 1) {
      const due = startedAt + index * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const clusterId = clusters[index % clusters.length]!;
      const timing: Timing = { clusterId, intakeStart: performance.now() };
      byCluster.set(clusterId.toLowerCase(), timing);
      const event = writeByAnotherParty(clusterId, index % 3 === 0 ? 'extension' : 'cluster');
      deliveries.push(deliverTimed(event, timing));
    }
    const deliveredInMs = performance.now() - startedAt;
    await Promise.all(deliveries);
    const timings = [...byCluster.values()];
    const enqueued = timings.filter((timing) => timing.outcome === 'enqueued');
    await waitUntil(() => enqueued.every((timing) => timing.recorded !== undefined && timing.received !== undefined), {
      timeoutMs: options.coalesceWindowSeconds * 1000 + 120_000,
      describe: () => `${enqueued.filter((timing) => timing.recorded !== undefined).length} of ${enqueued.length} events recorded`,
    });

    const cpu = cpuSince(cpuBefore, cpuSnapshot(stack.emulator.pid));
    storageRequests.stop();
    const complete = enqueued.filter((timing): timing is Required<Timing> => timing.intakeEnd !== undefined && timing.received !== undefined && timing.recorded !== undefined);
    const intakeMs = complete.map((t) => t.intakeEnd - t.intakeStart);
    const workerMs = complete.map((t) => t.recorded - t.received);
    const inProcessMs = complete.map((t) => t.intakeEnd - t.intakeStart + (t.recorded - t.received));
    const queueWaitMs = complete.map((t) => t.received - t.intakeEnd);
    const endToEndMs = complete.map((t) => t.recorded - t.intakeStart);
    const stats = (samples: number[]) => ({ p50: round(percentile(samples, 50), 1), p95: round(percentile(samples, 95), 1), p99: round(percentile(samples, 99), 1) });
    const inProcess = stats(inProcessMs);
    const outcomes: Record<string, number> = {};
    for (const timing of timings) outcomes[timing.outcome ?? 'pending'] = (outcomes[timing.outcome ?? 'pending'] ?? 0) + 1;

    const json = {
      events: options.events,
      ratePerSecond: options.rate,
      achievedRatePerSecond: round(options.events / (deliveredInMs / 1000), 1),
      instances: options.instances,
      coalesceWindowSeconds: options.coalesceWindowSeconds,
      measured: complete.length,
      inProcessMs: inProcess,
      intakeMs: stats(intakeMs),
      workerMs: stats(workerMs),
      queueWaitMs: stats(queueWaitMs),
      endToEndMs: stats(endToEndMs),
      outcomes,
      armRequests: counter.total,
      // Includes the queue trigger's polling and the continuations of started writes, as in Azure.
      storageRequestsPerEvent: { tables: round(storageRequests.count(azurite.tableEndpoint) / options.events, 1), queue: round(storageRequests.count(azurite.queueEndpoint) / options.events, 1) },
      remediationWrites: (counter.byPurpose.get('cluster-write') ?? 0) + (counter.byPurpose.get('extension-write') ?? 0),
      failedInvocations: host.failed,
      cpuMsPerEvent: { app: round((cpu.app * 1000) / options.events, 1), azurite: round((cpu.azurite * 1000) / options.events, 1), emulator: round((cpu.emulator * 1000) / options.events, 1) },
    };
    const row = (metric: string, s: { p50: number; p95: number; p99: number }, goal?: Row['goal'], met?: boolean): Row => ({
      metric,
      value: `${s.p50} / ${s.p95} / ${s.p99}`,
      ...(goal ? { goal } : {}),
      ...(met !== undefined ? { met } : {}),
    });
    printTable(
      `latency: ${options.events} events at ${options.rate}/s, event -> queue -> worker -> state row (p50 / p95 / p99, ms)`,
      [
        row('in-process (intake + worker)', inProcess, 'p95 <= 50', inProcess.p95 <= 50),
        row('  intake (onResourceEvent)', json.intakeMs),
        row('  worker (dequeued -> state row)', json.workerMs),
        row('queue wait (the trigger polling)', json.queueWaitMs),
        row('end to end', json.endToEndMs, 'p95 <= 1000', json.endToEndMs.p95 <= 1000),
        { metric: 'events measured', value: `${complete.length} of ${options.events} (${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ')})` },
        { metric: 'remediation writes started', value: json.remediationWrites },
        { metric: 'requests per event: ARM / tables / queue', value: `${round(json.armRequests / options.events, 1)} / ${json.storageRequestsPerEvent.tables} / ${json.storageRequestsPerEvent.queue}` },
        { metric: 'CPU ms per event app/azurite/emulator', value: `${json.cpuMsPerEvent.app} / ${json.cpuMsPerEvent.azurite} / ${json.cpuMsPerEvent.emulator}` },
      ],
      [`delivered at ${json.achievedRatePerSecond}/s on the events lane; the first event of a cluster is enqueued without delay (COALESCE_WINDOW_SECONDS = ${options.coalesceWindowSeconds} s only delays follow-ups)`],
    );
    printJson('latency', json);
    return json;
  } finally {
    await stack.stop();
  }
}
