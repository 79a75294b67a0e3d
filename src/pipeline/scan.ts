// The CLI's fleet scan (`aks-baseline-guard scan`): walk the fleet with the fleet walker (fleet.ts, the one the
// sweep uses), run the evaluation pipeline on every cluster with the scan's policy (policies.ts) and report. A fixed
// number of workers pull clusters from the walk, so a large fleet starts at once and never sits in memory as a
// whole. Clusters that were busy ("try later") get further rounds after a pause. Everything the CLI prints comes
// from here.
//
// "scan" is the CLI's word: it runs from a terminal with the credential of the person running it, evaluates and
// fixes each cluster itself and waits for the operations it starts. The app's "sweep" (sweep.ts) walks the fleet
// the same way but only fans out to the queue. With --record, a scan keeps the same records as the app, through the
// same intent protocol (attempts, back-off, open intents), and when it also applies it takes the same per-cluster lease
// as the worker first, so two scans (or a scan and the app) never write the same step twice: the second one to get a
// cluster's lease reads it after the first one's operations finished.
import { classifyArmError, isRetryable, type ArmFailure } from '../azure/errors.js';
import { isInScope, type Evaluation, type RuleStatus } from '../core/index.js';
import type { ArmRequestCounts, Cause, ClusterReader, Lease, LeaseManager, ListedCluster, Log } from '../ports.js';
import { runEvaluation, STEP_OUTCOMES, type EvaluationDeps, type EvaluationPolicy, type EvaluationResult, type StepOutcome, type StepReport } from './evaluation.js';
import { newFleetTally, walkFleet } from './fleet.js';
import { endLease, type LeaseEnding } from './worker.js';

/** The per-cluster lease of a scan that records and applies: the worker's, through the same store. */
export interface ScanLeases extends LeaseEnding {
  store: LeaseEnding['store'] & Pick<LeaseManager, 'acquireLease'>;
  /** Who holds it: the scan id. */
  owner: string;
  /** Long enough for the cluster's operations to be waited for. */
  ttlMs: number;
  /** How long to wait for a lease someone else holds before the cluster is left to a later round. */
  waitMs: number;
  pollMs: number;
}

export interface ScanOptions {
  /** The pipeline's ports (records only with --record) and the baseline. */
  deps: EvaluationDeps & { reader: ClusterReader };
  /** The scan's policy (policies.ts scanPolicy). */
  policy: EvaluationPolicy;
  /** With --record and --apply: each cluster is evaluated under its lease. */
  leases?: ScanLeases;
  /** Why the evaluations ran, as recorded: `{ kind: 'cli', id: <scan id>, caller }`. */
  cause: Cause;
  /** The ARM requests counted so far (the summary's last table). */
  armRequests(): ArmRequestCounts;
  /** Subscription ids; empty = every subscription the credential can see. */
  subscriptions: readonly string[];
  resourceGroup?: string;
  /** Clusters worked on at the same time. */
  concurrency: number;
  /** Further rounds for clusters that were busy, and the pause before each. */
  busyRetries: number;
  busyRetryDelayMs: number;
  now(): Date;
  /** Aborted: start no new cluster (clusters in flight finish their current call and stop). */
  stopSignal?: AbortSignal;
  /** Aborted: cancel ARM calls in flight too. */
  armAbortSignal?: AbortSignal;
  onProgress?(progress: ScanProgress): void;
}

export interface ScanProgress {
  discovered: number;
  finished: number;
  /** True once every listing has been read (`discovered` is final). */
  discoveryDone: boolean;
  round: number;
}

export type ClusterOutcomeStatus = RuleStatus | 'Error';

export interface ClusterScanResult {
  clusterId: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location?: string;
  /** Overall status at the end of the scan (after fixing and waiting, when that happened). */
  status: ClusterOutcomeStatus;
  /** Overall status as first evaluated. */
  initialStatus?: RuleStatus;
  /** The results at the end of the scan. */
  results: Evaluation['results'];
  /** Every step planned, with what happened to it (the last round's word on each). */
  steps: StepReport[];
  rounds: number;
  error?: ArmFailure;
}

export interface RuleFindings {
  /** NonCompliant when first evaluated. */
  found: number;
  /** Of those, Compliant at the end. */
  fixed: number;
  /** Status counts at the end. */
  final: Partial<Record<RuleStatus, number>>;
}

export interface ScanSummary {
  scanId: string;
  startedAt: string;
  elapsedMs: number;
  apply: boolean;
  interrupted: boolean;
  subscriptions: number;
  clusters: number;
  /** Listed but left out by the baseline's scope. */
  outOfScope: number;
  byStatus: Partial<Record<ClusterOutcomeStatus, number>>;
  findingsByRule: Record<string, RuleFindings>;
  steps: Record<StepOutcome, number>;
  armRequests: ArmRequestCounts;
  /** Listings or clusters that could not be read, with the classified reason. */
  errors: { scope: string; kind: string; code: string; message: string }[];
  /** Writes started and not waited for (--no-wait, or someone else's still in flight): the clusters may change yet. */
  stillRunning: { clusterId: string; stepId: string; resourceId?: string; correlationId?: string; reason?: string }[];
}

export interface ScanReport {
  summary: ScanSummary;
  clusters: ClusterScanResult[];
}

export async function scanFleet(options: ScanOptions, scanId: string): Promise<ScanReport> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const errors: ScanSummary['errors'] = [];
  const results = new Map<string, ClusterScanResult>();
  const progress: ScanProgress = { discovered: 0, finished: 0, discoveryDone: false, round: 1 };
  const report = (): void => options.onProgress?.({ ...progress });

  const stopped = (): boolean => options.stopSignal?.aborted === true;
  const tally = newFleetTally();

  async function* discover(): AsyncIterable<ListedCluster> {
    const { baseline } = options.deps;
    const clusters = walkFleet(
      options.deps.reader,
      {
        ...(options.subscriptions.length > 0 ? { subscriptionIds: options.subscriptions } : {}),
        ...(options.resourceGroup ? { resourceGroup: options.resourceGroup } : {}),
        inScope: (clusterId) => isInScope(baseline, clusterId),
        ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
        ...(options.armAbortSignal ? { read: { abortSignal: options.armAbortSignal } } : {}),
      },
      tally,
    );
    for await (const cluster of clusters) {
      progress.discovered += 1;
      report();
      yield cluster;
    }
    progress.discoveryDone = true;
    report();
  }

  const initialResults = new Map<string, Evaluation['results']>();
  const scanOne = async (cluster: ListedCluster, round: number): Promise<void> => {
    const key = cluster.id.toLowerCase();
    const previous = results.get(key);
    const { result, firstResults } = await scanCluster(options, cluster, previous, round);
    results.set(key, result);
    if (firstResults && !initialResults.has(key)) initialResults.set(key, firstResults);
    if (result.error && !worthAnotherRound(result, options.policy.waitForOperations)) {
      errors.push({ scope: cluster.id, kind: result.error.kind, code: result.error.code, message: result.error.message });
    }
    if (round === 1) {
      progress.finished += 1;
      report();
    }
  };

  await runPool(discover(), options.concurrency, (cluster) => scanOne(cluster, 1), stopped);

  // Further rounds for the clusters that were busy, after a pause long enough for their operations to end.
  for (let round = 2; round <= options.busyRetries + 1 && !stopped(); round += 1) {
    const busy = [...results.values()].filter((result) => worthAnotherRound(result, options.policy.waitForOperations));
    if (busy.length === 0) break;
    progress.round = round;
    report();
    await pause(options.busyRetryDelayMs, options.stopSignal);
    if (stopped()) break;
    const listed = busy.map((result) => ({ id: result.clusterId, subscriptionId: result.subscriptionId, resourceGroup: result.resourceGroup, name: result.name, location: result.location ?? '' }));
    await runPool(fromArray(listed), options.concurrency, (cluster) => scanOne(cluster, round), stopped);
  }
  // Errors of clusters still failing after the last round.
  for (const result of results.values()) {
    if (result.error && worthAnotherRound(result, options.policy.waitForOperations) && !errors.some((e) => e.scope === result.clusterId)) {
      errors.push({ scope: result.clusterId, kind: result.error.kind, code: result.error.code, message: result.error.message });
    }
  }

  const clusters = [...results.values()].sort((a, b) => a.clusterId.localeCompare(b.clusterId));
  const stats = options.armRequests();
  // Listings that failed come first, as they were met.
  errors.unshift(...tally.errors.map(({ scope, failure }) => ({ scope, kind: failure.kind, code: failure.code, message: failure.message })));
  return {
    summary: {
      scanId,
      startedAt,
      elapsedMs: Date.now() - started,
      apply: options.policy.apply,
      interrupted: stopped(),
      subscriptions: tally.subscriptions.length,
      clusters: clusters.length,
      outOfScope: tally.outOfScope,
      byStatus: countBy(clusters.map((c) => c.status)),
      findingsByRule: findingsByRule(clusters, initialResults),
      steps: stepCounts(clusters),
      armRequests: {
        requests: { ...stats.requests },
        throttled: stats.throttled,
        serverErrors: stats.serverErrors,
        connectionErrors: stats.connectionErrors,
        pacedRequests: stats.pacedRequests,
        pacedMs: Math.round(stats.pacedMs),
      },
      errors,
      stillRunning: clusters.flatMap((cluster) =>
        cluster.steps
          .filter((step) => step.outcome === 'started')
          .map((step) => ({
            clusterId: cluster.clusterId,
            stepId: step.step.id,
            ...(step.operation ? { resourceId: step.operation.resourceId } : {}),
            ...(step.operation?.correlationId ? { correlationId: step.operation.correlationId } : {}),
            ...(step.reason ? { reason: step.reason } : {}),
          })),
      ),
    },
    clusters,
  };
}

/** Only warnings and errors of the pipeline reach a terminal; the report says the rest. */
const quiet: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** One cluster, one round. Never throws: an unreadable cluster comes back with its classified error. */
async function scanCluster(
  options: ScanOptions,
  cluster: ListedCluster,
  previous: ClusterScanResult | undefined,
  round: number,
): Promise<{ result: ClusterScanResult; firstResults?: Evaluation['results'] }> {
  const base = {
    clusterId: previous?.clusterId ?? cluster.id,
    subscriptionId: cluster.subscriptionId,
    resourceGroup: cluster.resourceGroup,
    name: cluster.name,
    ...(cluster.location ? { location: cluster.location } : {}),
    rounds: round,
  };
  const failed = (failure: ArmFailure): { result: ClusterScanResult } => ({
    result: {
      ...base,
      status: previous?.status ?? 'Error',
      ...(previous?.initialStatus ? { initialStatus: previous.initialStatus } : {}),
      results: previous?.results ?? [],
      steps: previous?.steps ?? [],
      error: failure,
    },
  });
  let outcome: EvaluationResult;
  try {
    const evaluate = (): Promise<EvaluationResult> =>
      runEvaluation(options.deps, options.policy, {
        clusterId: cluster.id,
        cause: options.cause,
        now: options.now(),
        log: quiet,
        ...(options.armAbortSignal ? { abortSignal: options.armAbortSignal } : {}),
      });
    const evaluated = options.leases && options.policy.apply ? await underLease(options.leases, cluster.id, evaluate, options.stopSignal) : await evaluate();
    if (evaluated === 'lease-held') {
      return failed({ kind: 'busy', code: 'LeaseHeld', message: `${cluster.id}: another scan or the app is evaluating it (its lease is held); trying again in a later round` });
    }
    outcome = evaluated;
  } catch (error) {
    return failed(classifyArmError(error, cluster.id));
  }
  if (!outcome.found) return failed(outcome.failure);
  const final = outcome.after?.evaluation ?? outcome.evaluation;
  return {
    result: {
      ...base,
      clusterId: outcome.snapshot.id,
      location: outcome.snapshot.location,
      status: final.status,
      initialStatus: previous?.initialStatus ?? outcome.evaluation.status,
      results: final.results,
      steps: mergeSteps(previous?.steps ?? [], outcome.steps),
    },
    firstResults: outcome.evaluation.results,
  };
}

/**
 * Runs `work` under the cluster's lease, waiting for it while someone else holds it ('lease-held' when it stays held).
 * The lease ends as the worker's does: when events joined during the run that its read may have missed, it becomes a
 * pending mark and a follow-up goes on the app's events lane.
 */
async function underLease<T>(leases: ScanLeases, clusterId: string, work: () => Promise<T>, stopSignal: AbortSignal | undefined): Promise<T | 'lease-held'> {
  const deadline = Date.now() + leases.waitMs;
  let lease: Lease | undefined;
  for (;;) {
    lease = await leases.store.acquireLease(clusterId, leases.owner, leases.ttlMs, leases.clock());
    if (lease || Date.now() >= deadline || stopSignal?.aborted) break;
    await pause(leases.pollMs, stopSignal);
  }
  if (!lease) return 'lease-held';
  const readAt = leases.clock();
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await endLease(leases, lease, undefined, quiet).catch(() => undefined);
    throw error;
  }
  await endLease(leases, lease, readAt, quiet);
  return result;
}

/** Busy, throttled or unreachable, or someone else's write still in flight while we wait for ours: worth another round. */
function worthAnotherRound(result: ClusterScanResult, waiting: boolean): boolean {
  if (result.error) return isRetryable(result.error.kind);
  return result.steps.some((step) => step.outcome === 'try-later' || (waiting && step.outcome === 'started'));
}

function mergeSteps(earlier: StepReport[], later: StepReport[]): StepReport[] {
  const merged = new Map(earlier.map((report) => [report.step.id, report]));
  for (const report of later) {
    const before = merged.get(report.step.id);
    // A step applied in an earlier round that a later plan no longer needs stays "applied".
    if (before?.outcome === 'applied' && report.outcome === 'not-needed') continue;
    merged.set(report.step.id, report);
  }
  return [...merged.values()];
}

function countBy<T extends string>(values: T[]): Partial<Record<T, number>> {
  const counts: Partial<Record<T, number>> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function findingsByRule(clusters: ClusterScanResult[], initial: ReadonlyMap<string, Evaluation['results']>): Record<string, RuleFindings> {
  const findings: Record<string, RuleFindings> = {};
  for (const cluster of clusters) {
    const first = new Map((initial.get(cluster.clusterId.toLowerCase()) ?? cluster.results).map((r) => [r.ruleId, r.status]));
    for (const result of cluster.results) {
      const entry = (findings[result.ruleId] ??= { found: 0, fixed: 0, final: {} });
      entry.final[result.status] = (entry.final[result.status] ?? 0) + 1;
      if (first.get(result.ruleId) === 'NonCompliant') {
        entry.found += 1;
        if (result.status === 'Compliant') entry.fixed += 1;
      }
    }
  }
  return findings;
}

function stepCounts(clusters: ClusterScanResult[]): Record<StepOutcome, number> {
  const counts = Object.fromEntries(STEP_OUTCOMES.map((outcome) => [outcome, 0])) as Record<StepOutcome, number>;
  for (const cluster of clusters) for (const step of cluster.steps) counts[step.outcome] += 1;
  return counts;
}

/** Runs `work` on items pulled from `source`, at most `concurrency` at a time; stops pulling once `stop()` says so. */
async function runPool<T>(source: AsyncIterable<T>, concurrency: number, work: (item: T) => Promise<void>, stop: () => boolean): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  // Async generators queue concurrent next() calls, so the workers can share one iterator.
  const worker = async (): Promise<void> => {
    while (!stop()) {
      const next = await iterator.next();
      if (next.done) return;
      await work(next.value);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (stop()) await iterator.return?.();
}

async function* fromArray<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
