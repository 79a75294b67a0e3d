// Where the fleet ended up, from two independent sources: what the service recorded (the compliance store) and
// what ARM holds now (the emulator's state, evaluated again with the pure core). They must agree, and every drift
// the baseline lets the service fix on its own must be fixed; anything else is a problem the demo reports.
import {
  evaluateSnapshot,
  parseCluster,
  parseExtensions,
  withExtensions,
  type Baseline,
  type Evaluation,
  type PlanStep,
} from '../src/core/index.js';
import type { ClusterState, RemediationRecord, Transition } from '../src/ports.js';
import type { DemoApp } from './app.js';
import { REPORT_STATUSES, type ReportStatus } from './report/types.js';

export interface ClusterOutcome {
  clusterId: string;
  clusterName: string;
  /** The overall status the service recorded first (undefined: never recorded). */
  before?: ReportStatus;
  /** Per rule id: the status the service recorded first. */
  beforeRules: Map<string, ReportStatus>;
  /** The last recorded state. */
  state?: ClusterState;
  /** The final status, with NonCompliant split into AwaitingApproval when only a person can move it on. */
  after: ReportStatus;
  afterRules: Map<string, ReportStatus>;
  /** ARM's current state, evaluated again. */
  finalEvaluation: Evaluation;
  /** Approval steps that wait for a person (the report prints how to approve each). */
  awaitingSteps: PlanStep[];
  remediations: RemediationRecord[];
}

export interface FleetOutcome {
  clusters: ClusterOutcome[];
  /** Disagreements and drifts left unfixed, one sentence each. */
  problems: string[];
}

const KNOWN: ReadonlySet<string> = new Set(REPORT_STATUSES);
const READ_CONCURRENCY = 16;

async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Steps that need no person: auto, not blocked (a stopped cluster, an AKS-managed extension), and everything they wait for is such a step too. */
export function runnableAutoSteps(plan: readonly PlanStep[]): PlanStep[] {
  const byId = new Map(plan.map((step) => [step.id, step]));
  const runsAlone = (step: PlanStep, seen: Set<string>): boolean =>
    step.mode === 'auto' &&
    step.blockedBy === null &&
    step.dependsOn.every((id) => {
      const dependency = byId.get(id);
      return dependency === undefined || (!seen.has(id) && runsAlone(dependency, new Set([...seen, id])));
    });
  return plan.filter((step) => runsAlone(step, new Set([step.id])));
}

/** Whether a person's approval is what this step waits for: it is an approval step, or an auto step behind one. */
export function waitsForApproval(step: PlanStep, plan: readonly PlanStep[]): boolean {
  // A blocked step waits for something an approval does not give (a start, a baseline change).
  if (step.blockedBy) return false;
  if (step.mode === 'approval') return true;
  if (step.mode !== 'auto') return false;
  const byId = new Map(plan.map((candidate) => [candidate.id, candidate]));
  const seen = new Set<string>();
  const behindApproval = (current: PlanStep): boolean =>
    current.dependsOn.some((id) => {
      const dependency = byId.get(id);
      if (!dependency || seen.has(id)) return false;
      seen.add(id);
      return dependency.mode === 'approval' || behindApproval(dependency);
    });
  return behindApproval(step);
}

/** Rules that are NonCompliant only until a person approves: every one of their steps waits for an approval. */
function rulesAwaitingApproval(evaluation: Evaluation): Set<string> {
  const waiting = new Set<string>();
  for (const result of evaluation.results) {
    if (result.status !== 'NonCompliant') continue;
    const steps = evaluation.plan.filter((step) => step.ruleId === result.ruleId);
    if (steps.length > 0 && steps.every((step) => waitsForApproval(step, evaluation.plan))) waiting.add(result.ruleId);
  }
  return waiting;
}

function asReportStatus(status: string | null | undefined): ReportStatus | undefined {
  return typeof status === 'string' && KNOWN.has(status) ? (status as ReportStatus) : undefined;
}

/** First recorded status overall (ruleId undefined) and per rule, from the transitions' oldest entries. */
function firstStatuses(history: readonly Transition[]): { overall?: ReportStatus; rules: Map<string, ReportStatus> } {
  const oldestFirst = [...history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const rules = new Map<string, ReportStatus>();
  let overall: ReportStatus | undefined;
  for (const transition of oldestFirst) {
    const status = asReportStatus(transition.to);
    if (!status) continue;
    if (transition.ruleId === undefined) overall ??= status;
    else if (!rules.has(transition.ruleId)) rules.set(transition.ruleId, status);
  }
  return { ...(overall ? { overall } : {}), rules };
}

/** Evaluates the cluster as ARM holds it now; undefined when it no longer exists. */
export function evaluateFromArm(app: DemoApp, clusterId: string, baseline: Baseline, now: Date): Evaluation | undefined {
  const body = app.emulator.state.cluster(clusterId);
  if (!body) return undefined;
  const snapshot = withExtensions(parseCluster(body), parseExtensions(app.emulator.state.extensions(clusterId)));
  return evaluateSnapshot(snapshot, baseline, { now });
}

/** Reads every cluster's record, history and remediations, and checks them against ARM. */
export async function collectOutcomes(app: DemoApp, baseline: Baseline, now: Date): Promise<FleetOutcome> {
  const problems: string[] = [];
  const generated = app.emulator.fleet?.clusters ?? [];
  const clusters = await mapLimit(generated, READ_CONCURRENCY, async (cluster): Promise<ClusterOutcome | undefined> => {
    const [state, history, remediations] = await Promise.all([
      app.services.store.getState(cluster.id),
      app.services.store.listHistory(cluster.id, { limit: 1000 }),
      app.services.store.listRemediations(cluster.id, { limit: 1000 }),
    ]);
    const finalEvaluation = evaluateFromArm(app, cluster.id, baseline, now);
    if (!finalEvaluation) {
      problems.push(`${cluster.id}: the cluster is gone from ARM`);
      return undefined;
    }
    const first = firstStatuses(history);
    const waiting = rulesAwaitingApproval(finalEvaluation);
    const name = cluster.name;

    for (const step of runnableAutoSteps(finalEvaluation.plan)) {
      problems.push(`${name}: ${step.ruleId} is still NonCompliant although the baseline fixes it automatically (${step.id})`);
    }
    const open = remediations.filter((row) => row.status === 'Started' || row.status === 'Accepted');
    for (const row of open) problems.push(`${name}: remediation ${row.stepId} started at ${row.startedAt} was never confirmed (still ${row.status})`);

    let after: ReportStatus = 'Unknown';
    const afterRules = new Map<string, ReportStatus>();
    if (!state) {
      problems.push(`${name}: the service never recorded the cluster`);
    } else {
      const recorded = asReportStatus(state.status);
      if (!recorded) problems.push(`${name}: recorded as ${state.status}, which the demo does not expect`);
      const evaluated = finalEvaluation.status;
      const agrees = recorded === evaluated || (recorded === 'RemediationFailed' && evaluated === 'NonCompliant');
      if (recorded && !agrees) problems.push(`${name}: the service recorded ${recorded} but ARM's current state evaluates to ${evaluated}`);
      after = recorded ?? 'Unknown';
      if (recorded === 'NonCompliant') {
        const nonCompliant = finalEvaluation.results.filter((result) => result.status === 'NonCompliant');
        if (nonCompliant.length > 0 && nonCompliant.every((result) => waiting.has(result.ruleId))) after = 'AwaitingApproval';
      }
      for (const result of state.results) {
        const status = asReportStatus(result.status) ?? 'Unknown';
        afterRules.set(result.ruleId, status === 'NonCompliant' && waiting.has(result.ruleId) ? 'AwaitingApproval' : status);
      }
    }
    if (!first.overall) problems.push(`${name}: no first evaluation is in the history`);
    return {
      clusterId: cluster.id,
      clusterName: name,
      ...(first.overall ? { before: first.overall } : {}),
      beforeRules: first.rules,
      ...(state ? { state } : {}),
      after,
      afterRules,
      finalEvaluation,
      awaitingSteps: after === 'AwaitingApproval' || after === 'NonCompliant' ? finalEvaluation.plan.filter((step) => step.mode === 'approval') : [],
      remediations,
    };
  });
  return { clusters: clusters.filter((cluster): cluster is ClusterOutcome => cluster !== undefined), problems };
}
