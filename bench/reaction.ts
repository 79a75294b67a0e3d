// reaction: isolated changes (each on a cluster nothing else is happening to) handed to the real onResourceEvent at a
// steady rate, through the events lane to the real evaluateChangedCluster and the state row. Four phases: 5 and then
// 50 events per second on a quiet app, then the same two rates while a 2,000-cluster sweep runs on the other lane.
// Reported per phase: end to end (handed to the intake -> the state row written, queue wait included) and in-process
// (the intake's time + message received -> state row written) percentiles.
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Timer } from '@azure/functions';
import { generateFleet } from '../emulator/index.js';
import { DEFAULT_COALESCE_WINDOW_SECONDS } from '../src/config.js';
import { sweep } from '../src/functions/sweep.js';
import { FUNCTION_NAMES } from '../src/names.js';
import type { SweepResult } from '../src/pipeline/sweep.js';
import type { WorkerOutcome } from '../src/pipeline/worker.js';
import { deliverTimed, invocationContext, startBenchStack, watchStateRows, type IntakeTiming } from './support/app.js';
import { writeByAnotherParty } from './support/events.js';
import { cpuSince, cpuSnapshot, type CpuSnapshot } from './support/processes.js';
import { SlowRequestLog } from './support/slow-requests.js';
import { percentile, printJson, printTable, round, sleep, waitUntil, type Row } from './support/report.js';

export interface ReactionBenchOptions {
  /** The fleet the sweep walks; the changes are made on its clusters, each on one not changed before. */
  clusters: number;
  subscriptions: number;
  /** Seconds each phase delivers events for. */
  slowSeconds: number;
  fastSeconds: number;
  /** Events per second of the two rates. */
  slowRate: number;
  fastRate: number;
  /** Instances on the events lane and on the sweep lane. */
  instances: number;
  sweepInstances: number;
  /** The app's COALESCE_WINDOW_SECONDS: how long a follow-up waits. */
  coalesceWindowSeconds: number;
  seed: number;
  /** Whether sweep evaluations give way to event evaluations (the app's LanePriority); true unless measuring without. */
  lanePriority: boolean;
}

/** The goals of issue 16: end to end p95 on a quiet app, the same during a sweep, and in-process p95. */
export const REACTION_GOALS = { quietP95Ms: 1_000, duringSweepP95Ms: 2_000, inProcessP95Ms: 50 } as const;

export const REACTION_FULL: ReactionBenchOptions = { clusters: 2_000, subscriptions: 10, slowSeconds: 30, fastSeconds: 15, slowRate: 5, fastRate: 50, instances: 1, sweepInstances: 1, coalesceWindowSeconds: DEFAULT_COALESCE_WINDOW_SECONDS, seed: 16, lanePriority: true };
/** Quick: shorter phases; the fleet stays at 2,000, so the sweep is the one the goal names. */
export const REACTION_QUICK: ReactionBenchOptions = { ...REACTION_FULL, slowSeconds: 10, fastSeconds: 8 };

interface Timing extends IntakeTiming {
  eventId: string;
  clusterId: string;
  received?: number;
  /** The state row written: the compliance is on record (what the API and the report read). */
  recorded?: number;
  /** recordEvaluation returned: the history rows written after the state row too. */
  recordReturned?: number;
  /** The evaluation started a remediation write (its intent row, the write and its record come before the state row). */
  wrote?: boolean;
}

interface PhaseResult {
  name: string;
  /** performance.now() when its first event was handed over (slow requests carry the same clock). */
  startedAt: number;
  ratePerSecond: number;
  duringSweep: boolean;
  events: number;
  /** Timed: the enqueued events, and the joined ones a follow-up recorded. */
  measured: number;
  /** Events that joined a running evaluation (on a cluster the sweep was evaluating): timed when a follow-up ran. */
  joined: number;
  achievedRatePerSecond: number;
  endToEndMs: Stats;
  inProcessMs: Stats;
  intakeMs: Stats;
  workerMs: Stats;
  /** From the state row written to recordEvaluation returning: the history rows (only when the status of a rule changed). */
  historyAfterStateMs: Stats;
  /** In-process, split: evaluations that found nothing to write, and those that started a remediation write. */
  inProcessNoWriteMs: Stats;
  inProcessWithWriteMs: Stats;
  queueWaitMs: Stats;
  outcomes: Record<string, number>;
  /**
   * How busy each process was over the phase (first event handed over -> last one recorded): CPU cores, and the share
   * of the time the app's event loop was running something. What contends with the events' own calls.
   */
  load: PhaseLoad;
  /** During-sweep phases: clusters the sweep had evaluated when the phase began and when its last event was recorded. */
  sweepProgress?: { atStart: number; atEnd: number; of: number };
}

interface PhaseLoad {
  appCores: number;
  appEventLoopUtilization: number;
  azuriteTablesCores: number;
  azuriteQueuesCores: number;
  emulatorCores: number;
}

function phaseLoad(seconds: number, cpu: CpuSnapshot, eventLoop: EventLoopUtilization): PhaseLoad {
  const cores = (cpuSeconds: number): number => round(cpuSeconds / seconds, 2);
  return { appCores: cores(cpu.app), appEventLoopUtilization: round(eventLoop.utilization, 2), azuriteTablesCores: cores(cpu.azuriteTables), azuriteQueuesCores: cores(cpu.azuriteQueues), emulatorCores: cores(cpu.emulator) };
}

interface Stats {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function stats(samples: readonly number[]): Stats {
  return { p50: round(percentile(samples, 50), 1), p95: round(percentile(samples, 95), 1), p99: round(percentile(samples, 99), 1), max: round(Math.max(...samples), 1) };
}

function timer(): Timer {
  const now = new Date().toISOString();
  return { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: now, next: now, lastUpdated: now } };
}

export async function runReactionBench(options: ReactionBenchOptions): Promise<Record<string, unknown>> {
  const fleet = { clusters: options.clusters, subscriptions: options.subscriptions, seed: options.seed };
  const stack = await startBenchStack({ emulator: { fleet, throttleFactor: 0, latencyMs: 0 }, settings: { COALESCE_WINDOW_SECONDS: String(options.coalesceWindowSeconds) } });
  try {
    // The emulator's fleet, generated again here: the same options and seed give the same clusters, in a fixed order.
    if (!options.lanePriority) delete stack.app.services.lanes;
    const clusters = generateFleet(fleet).clusters.map((cluster) => cluster.id);
    const byEvent = new Map<string, Timing>();

    // Probes, not stubs: the real writes run, and their completion times are noted for the event that caused them.
    watchStateRows(stack.app.storage, ({ eventId }) => {
      const timing = byEvent.get(eventId);
      if (timing && timing.recorded === undefined) timing.recorded = performance.now();
    });
    // The whole record: the state row, then the transitions' history rows (the outbox the state row carries).
    const store = stack.app.services.store;
    const recordEvaluation = store.recordEvaluation.bind(store);
    store.recordEvaluation = async (clusterId, evaluation, cause, recordOptions) => {
      const transitions = await recordEvaluation(clusterId, evaluation, cause, recordOptions);
      const timing = cause.kind === 'event' ? byEvent.get(cause.id) : undefined;
      if (timing && timing.recordReturned === undefined) timing.recordReturned = performance.now();
      return transitions;
    };
    const events = stack.queueHost({
      instances: options.instances,
      lane: 'events',
      onHandled: (message) => {
        const item = message.item as { cause?: { kind?: string; id?: string } };
        const timing = item.cause?.kind === 'event' && item.cause.id ? byEvent.get(item.cause.id) : undefined;
        const kind = (message.outcome as WorkerOutcome | undefined)?.kind;
        if (timing && timing.received === undefined && kind === 'evaluated') {
          timing.received = message.receivedAt;
          timing.wrote = (message.outcome as Extract<WorkerOutcome, { kind: 'evaluated' }>).run.steps.some((report) => report.outcome === 'started' || report.outcome === 'applied');
        }
        // Seen by a read the sweep made after the change: recorded then; when the worker found that is an upper bound.
        if (timing && timing.received === undefined && kind === 'covered') {
          timing.received = message.receivedAt;
          timing.recorded = message.finishedAt;
          timing.recordReturned = message.finishedAt;
        }
      },
    });
    const swept = new Set<string>();
    const sweepLane = stack.queueHost({
      instances: options.sweepInstances,
      onHandled: (message) => {
        const item = message.item as { clusterId?: string; cause?: { kind?: string } };
        const outcome = message.outcome as WorkerOutcome | undefined;
        if (item.cause?.kind === 'sweep' && item.clusterId && (outcome?.kind === 'evaluated' || outcome?.kind === 'deleted')) swept.add(item.clusterId.toLowerCase());
      },
    });
    events.start();

    let next = 0;
    const phase = async (name: string, rate: number, seconds: number, sweepTotal?: number): Promise<PhaseResult> => {
      const count = Math.round(rate * seconds);
      if (next + count > clusters.length) throw new RangeError(`reaction: ${next + count} changes need that many clusters; the fleet has ${clusters.length}`);
      const timings: Timing[] = [];
      const deliveries: Promise<void>[] = [];
      const sweptAtStart = swept.size;
      const cpuAtStart = cpuSnapshot(stack.emulator.pid);
      const eventLoopAtStart = performance.eventLoopUtilization();
      const startedAt = performance.now();
      for (let index = 0; index < count; index += 1) {
        const wait = startedAt + (index * 1000) / rate - performance.now();
        if (wait > 0) await sleep(wait);
        const clusterId = clusters[next++]!;
        const event = writeByAnotherParty(clusterId, index % 3 === 0 ? 'extension' : 'cluster');
        const timing: Timing = { eventId: event.id, clusterId, intakeStart: performance.now() };
        byEvent.set(event.id, timing);
        timings.push(timing);
        deliveries.push(deliverTimed(event, timing));
      }
      const deliveredMs = performance.now() - startedAt;
      await Promise.all(deliveries);
      const enqueued = timings.filter((timing) => timing.outcome === 'enqueued');
      const isDone = (timing: Timing): boolean => timing.recorded !== undefined && timing.recordReturned !== undefined && timing.received !== undefined;
      await waitUntil(() => enqueued.every(isDone), {
        timeoutMs: 180_000,
        describe: () => `${name}: ${enqueued.filter((timing) => timing.recorded !== undefined).length} of ${enqueued.length} changes recorded`,
      });
      const load = phaseLoad((performance.now() - startedAt) / 1000, cpuSince(cpuAtStart, cpuSnapshot(stack.emulator.pid)), performance.eventLoopUtilization(eventLoopAtStart));
      // An event that joined an evaluation already running (a sweep's, on that cluster) is recorded by the follow-up
      // on the events lane, which carries its id, after COALESCE_WINDOW_SECONDS; when that run read the cluster after
      // the change, no follow-up is needed and the event is reported as covered, untimed.
      const joined = timings.filter((timing) => timing.outcome === 'coalesced');
      if (joined.length > 0) await waitUntil(() => joined.every(isDone), { timeoutMs: (options.coalesceWindowSeconds + 20) * 1000, describe: () => '' }).catch(() => undefined);
      const complete = [...enqueued, ...joined].filter(
        (t): t is Timing & Required<Pick<Timing, 'intakeEnd' | 'received' | 'recorded' | 'recordReturned'>> => t.intakeEnd !== undefined && t.received !== undefined && t.recorded !== undefined && t.recordReturned !== undefined,
      );
      const inProcess = (t: (typeof complete)[number]): number => t.intakeEnd - t.intakeStart + (t.recorded - t.received);
      const outcomes: Record<string, number> = {};
      for (const timing of timings) outcomes[timing.outcome ?? 'pending'] = (outcomes[timing.outcome ?? 'pending'] ?? 0) + 1;
      return {
        name,
        startedAt: Math.round(startedAt),
        ratePerSecond: rate,
        duringSweep: sweepTotal !== undefined,
        events: count,
        measured: complete.length,
        joined: joined.length,
        achievedRatePerSecond: round(count / (deliveredMs / 1000), 1),
        endToEndMs: stats(complete.map((t) => t.recorded - t.intakeStart)),
        inProcessMs: stats(complete.map(inProcess)),
        inProcessNoWriteMs: stats(complete.filter((t) => !t.wrote).map(inProcess)),
        inProcessWithWriteMs: stats(complete.filter((t) => t.wrote).map(inProcess)),
        intakeMs: stats(complete.map((t) => t.intakeEnd - t.intakeStart)),
        workerMs: stats(complete.map((t) => t.recorded - t.received)),
        historyAfterStateMs: stats(complete.map((t) => t.recordReturned - t.recorded)),
        queueWaitMs: stats(complete.map((t) => t.received - t.intakeEnd)),
        outcomes,
        load,
        ...(sweepTotal !== undefined ? { sweepProgress: { atStart: sweptAtStart, atEnd: swept.size, of: sweepTotal } } : {}),
      };
    };

    // Requests that waited a second or more on the wire: what a jump in the percentiles waited for.
    const slowRequests = new SlowRequestLog(1_000);
    const cpuBefore = cpuSnapshot(stack.emulator.pid);
    const phases: PhaseResult[] = [];
    phases.push(await phase(`${options.slowRate}/s`, options.slowRate, options.slowSeconds));
    phases.push(await phase(`${options.fastRate}/s`, options.fastRate, options.fastSeconds));
    // Everything the quiet phases started (continuations of the writes they made) has run before the sweep.
    await waitUntil(async () => events.inFlight === 0 && (await stack.app.storage.eventQueue.getProperties()).approximateMessagesCount === 0, {
      timeoutMs: 120_000,
      everyMs: 200,
      describe: () => 'the events lane did not drain after the quiet phases',
    });

    // Each during-sweep phase gets a sweep of its own, started just before it: on a quiet machine one 2,000-cluster
    // sweep ends within the first phase, and the second would measure a quiet app again.
    sweepLane.start();
    const sweeps: { clustersEnqueued: number; enqueuedMs: number; evaluatedByTheEnd: number; stillRunningAtTheEnd: boolean }[] = [];
    for (const [rate, seconds] of [
      [options.slowRate, options.slowSeconds],
      [options.fastRate, options.fastSeconds],
    ] as const) {
      swept.clear();
      const sweepStarted = performance.now();
      const sweepResult: SweepResult = await sweep(timer(), invocationContext(FUNCTION_NAMES.sweep));
      const enqueuedMs = Math.round(performance.now() - sweepStarted);
      phases.push(await phase(`${rate}/s during a sweep`, rate, seconds, sweepResult.clustersEnqueued));
      sweeps.push({ clustersEnqueued: sweepResult.clustersEnqueued, enqueuedMs, evaluatedByTheEnd: swept.size, stillRunningAtTheEnd: swept.size < sweepResult.clustersEnqueued });
      // The next sweep starts on an empty sweep lane, as the timer's next run would.
      await waitUntil(() => swept.size >= sweepResult.clustersEnqueued, { timeoutMs: 600_000, everyMs: 500, describe: () => `the sweep did not finish: ${swept.size} of ${sweepResult.clustersEnqueued} evaluated` });
    }
    const cpu = cpuSince(cpuBefore, cpuSnapshot(stack.emulator.pid));
    slowRequests.stop();

    const quiet = phases.filter((p) => !p.duringSweep);
    const busy = phases.filter((p) => p.duringSweep);
    const worst = (list: PhaseResult[], pick: (p: PhaseResult) => number): number => Math.max(...list.map(pick));
    const goals = {
      quietEndToEndP95Ms: { value: worst(quiet, (p) => p.endToEndMs.p95), goal: REACTION_GOALS.quietP95Ms },
      duringSweepEndToEndP95Ms: { value: worst(busy, (p) => p.endToEndMs.p95), goal: REACTION_GOALS.duringSweepP95Ms },
      inProcessP95Ms: { value: worst(quiet, (p) => p.inProcessMs.p95), goal: REACTION_GOALS.inProcessP95Ms },
    };
    const json = {
      clusters: options.clusters,
      instances: options.instances,
      sweepInstances: options.sweepInstances,
      lanePriority: options.lanePriority,
      phases,
      goals,
      sweeps,
      cpuSeconds: { app: round(cpu.app), azurite: round(cpu.azurite), emulator: round(cpu.emulator) },
      slowRequests: { thresholdMs: slowRequests.thresholdMs, of: slowRequests.total, groups: slowRequests.summary() },
    };

    const cell = (s: Stats): string => (Number.isNaN(s.p50) ? 'none' : `${s.p50} / ${s.p95} / ${s.p99}`);
    const rows: Row[] = phases.flatMap((p): Row[] => [
      { metric: `${p.name}: end to end`, value: cell(p.endToEndMs), goal: `p95 <= ${p.duringSweep ? REACTION_GOALS.duringSweepP95Ms : REACTION_GOALS.quietP95Ms}`, met: p.endToEndMs.p95 <= (p.duringSweep ? REACTION_GOALS.duringSweepP95Ms : REACTION_GOALS.quietP95Ms) },
      { metric: '  in-process (intake + worker)', value: cell(p.inProcessMs), ...(p.duringSweep ? {} : { goal: `p95 <= ${REACTION_GOALS.inProcessP95Ms}`, met: p.inProcessMs.p95 <= REACTION_GOALS.inProcessP95Ms }) },
      { metric: '  in-process: nothing to write / a write started', value: `${cell(p.inProcessNoWriteMs)} / ${cell(p.inProcessWithWriteMs)}` },
      { metric: '  queue wait', value: cell(p.queueWaitMs) },
      { metric: '  then the history rows (after the state row)', value: cell(p.historyAfterStateMs) },
      { metric: '  busy: app cores (event loop) / Azurite tables / queues / emulator', value: `${p.load.appCores} (${p.load.appEventLoopUtilization}) / ${p.load.azuriteTablesCores} / ${p.load.azuriteQueuesCores} / ${p.load.emulatorCores}` },
      {
        metric: '  changes',
        value: `${p.measured} of ${p.events} timed (${p.joined} joined a running evaluation) at ${p.achievedRatePerSecond}/s${p.sweepProgress ? `; sweep ${p.sweepProgress.atStart} -> ${p.sweepProgress.atEnd} of ${p.sweepProgress.of} evaluated` : ''}`,
      },
    ]);
    printTable(`reaction: isolated changes, handed to onResourceEvent -> state row written (p50 / p95 / p99, ms)`, rows, [
      `events lane: ${options.instances} instance(s); sweep lane: ${options.sweepInstances} instance(s); lane priority ${options.lanePriority ? 'on' : 'off'}; one sweep per during-sweep phase: ${sweeps.map((run) => `${run.evaluatedByTheEnd} of ${run.clustersEnqueued} evaluated when its phase ended`).join(', ')}`,
      `CPU s app/azurite/emulator: ${json.cpuSeconds.app} / ${json.cpuSeconds.azurite} / ${json.cpuSeconds.emulator}`,
      `requests of 1 s or more on the wire: ${slowRequests.slow.length} of ${slowRequests.total}${json.slowRequests.groups.slice(0, 5).map((group) => `; ${group.count} x ${group.what} (worst ${group.worstMs} ms)`).join('')}`,
    ]);
    printJson('reaction', json);
    return json;
  } finally {
    await stack.stop();
  }
}
