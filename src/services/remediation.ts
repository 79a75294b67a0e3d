// Evaluate one cluster and, when asked, fix it: read it fresh, evaluate it against the baseline, and run the
// plan's steps in dependency order. This is the orchestration the CLI and the Functions worker share. It keeps
// no state of its own: a caller that needs intent rows, leases or attempt counting wraps the writes through
// the hooks (beforeWrite can skip a write that a previous, crashed run already made).
import {
  applyPlanStep,
  ArmError,
  classifyArmError,
  readClusterSnapshot,
  type ApplyOutcome,
  type ArmClients,
  type ArmFailure,
  type OperationHandle,
} from '../azure/arm/index.js';
import { InvalidInputError } from '../core/errors.js';
import { approves, evaluateSnapshot, sameResourceId, type Baseline, type ClusterSnapshot, type Evaluation, type PlanStep } from '../core/index.js';

export const STEP_OUTCOMES = [
  /** The write finished successfully (we waited for it). */
  'applied',
  /** ARM accepted the write; we did not wait for it to finish (`wait: false`). */
  'started',
  /** A fresh read showed the step was no longer needed; nothing was written. */
  'not-needed',
  'failed',
  'awaiting-approval',
  'audit-only',
  /** A step it depends on did not finish (not approved, failed, try-later, or started without waiting). */
  'blocked',
  /** The cluster or extension is busy, or ARM could not be reached: the same step can run later, unchanged. */
  'try-later',
  'skipped-dry-run',
] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

export interface StepReport {
  step: PlanStep;
  outcome: StepOutcome;
  /** Why, in one sentence, for every outcome other than applied. */
  reason?: string;
  error?: ArmFailure;
  /** The ARM write, when one was sent. */
  operation?: { resourceId: string; startedAt: string; correlationId?: string };
}

export interface RemediationHooks {
  /** Called with the first evaluation, before any write (e.g. to record the state the fixes start from). */
  afterEvaluate?(evaluation: Evaluation, snapshot: ClusterSnapshot): Promise<void>;
  /**
   * Called just before a step's write. Return `{ skip }` to not write it (e.g. an intent row shows a previous
   * run already made this write); the report given is used as the step's result.
   */
  beforeWrite?(step: PlanStep): Promise<void | { skip: Omit<StepReport, 'step'> }>;
  /** Called once ARM accepted (or refused) the write, before any waiting: store the operation state here. */
  afterWrite?(step: PlanStep, handle: OperationHandle): Promise<void>;
  /** Called with each step's final report. */
  afterStep?(report: StepReport): Promise<void>;
}

export interface EvaluateAndRemediateInput {
  clusterId: string;
  baseline: Baseline;
  arm: ArmClients;
  /** Step ids (`<ruleId>:<action>`) or rule ids a person approved; they let `approval` steps run. */
  approvals: readonly string[];
  /** False: a dry run, nothing is written. */
  apply: boolean;
  /** Wait for the operations started, then re-read and re-evaluate (`after`). */
  wait: boolean;
  now: Date;
  /** A snapshot read moments ago, to save a read; read fresh when absent. */
  snapshot?: ClusterSnapshot;
  hooks?: RemediationHooks;
  abortSignal?: AbortSignal;
  /** Where protected setting references are resolved (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface RemediationResult {
  clusterId: string;
  snapshot: ClusterSnapshot;
  evaluation: Evaluation;
  steps: StepReport[];
  /** After waiting for what was applied: the cluster evaluated again. Absent when nothing was written or not waiting. */
  after?: Evaluation;
  afterSnapshot?: ClusterSnapshot;
}

/** Outcomes after which a dependent step may run (in a dry run, "would have run" counts as run). */
const FINISHED: ReadonlySet<StepOutcome> = new Set(['applied', 'not-needed', 'skipped-dry-run']);

/**
 * Throws ArmError when the cluster cannot be read (its `failure.kind` says whether it is gone, busy or
 * unreachable). Step failures never throw: they are in the step reports.
 */
export async function evaluateAndRemediate(input: EvaluateAndRemediateInput): Promise<RemediationResult> {
  const { baseline, now } = input;
  const snapshot = input.snapshot ?? (await readSnapshot(input.arm, input.clusterId, input.abortSignal));
  const evaluation = evaluateSnapshot(snapshot, baseline, { now });
  await input.hooks?.afterEvaluate?.(evaluation, snapshot);

  const reports = new Map<string, StepReport>();
  const record = async (report: StepReport): Promise<void> => {
    reports.set(report.step.id, report);
    await input.hooks?.afterStep?.(report);
  };

  // Waves: every step whose dependencies are settled starts together, then they are waited for together, so
  // independent extension installs run side by side. ARM refuses an extension write while the cluster itself is
  // being written, so extension steps also wait for the plan's cluster steps (without depending on their success).
  const isClusterStep = (step: PlanStep): boolean => sameResourceId(step.change.path, snapshot.id);
  const clusterStepIds = evaluation.plan.filter(isClusterStep).map((step) => step.id);
  const waitsFor = (step: PlanStep): string[] => (isClusterStep(step) ? step.dependsOn : [...new Set([...step.dependsOn, ...clusterStepIds])]);
  let pending = [...evaluation.plan];
  while (pending.length > 0) {
    const inPlan = new Set(pending.map((step) => step.id));
    const ready = pending.filter((step) => waitsFor(step).every((dep) => !inPlan.has(dep)));
    if (ready.length === 0) throw new Error(`plan for ${input.clusterId} has a dependency cycle among ${pending.map((s) => s.id).join(', ')}`);
    pending = pending.filter((step) => !ready.includes(step));

    const started: { step: PlanStep; handle: OperationHandle }[] = [];
    for (const step of ready) {
      // What the baseline says comes first (it is what a person can act on), then what the run allows.
      const policy = policyGate(step, input.approvals);
      if (policy) {
        await record({ step, ...policy });
        continue;
      }
      const unfinished = step.dependsOn.map((dep) => reports.get(dep)).find((dep) => dep !== undefined && !FINISHED.has(dep.outcome));
      if (unfinished) {
        await record({ step, outcome: 'blocked', reason: `depends on ${unfinished.step.id}, which is ${unfinished.outcome}` });
        continue;
      }
      const clusterBusy = isClusterStep(step) ? undefined : clusterStepIds.map((id) => reports.get(id)).find((dep) => dep?.outcome === 'started');
      if (clusterBusy) {
        await record({ step, outcome: 'blocked', reason: `the cluster update ${clusterBusy.step.id} is still running; extension writes wait for it` });
        continue;
      }
      if (!input.apply) {
        await record({ step, outcome: 'skipped-dry-run', reason: 'dry run: nothing is written without --apply' });
        continue;
      }
      const decision = await input.hooks?.beforeWrite?.(step);
      if (decision && 'skip' in decision) {
        await record({ step, ...decision.skip });
        continue;
      }
      // Cluster steps are chained by dependsOn, so at most one cluster write is in flight per cluster.
      const handle = await applyPlanStep(input.arm, step, {
        plannedFrom: snapshot,
        baseline,
        now,
        ...(input.env ? { env: input.env } : {}),
        ...(input.abortSignal ? { abortSignal: input.abortSignal } : {}),
      });
      await input.hooks?.afterWrite?.(step, handle);
      if (!handle.started || input.wait) started.push({ step, handle });
      else await record({ step, outcome: 'started', reason: 'ARM accepted the change; not waiting for it to finish', operation: operationOf(handle) });
    }

    const outcomes = await Promise.all(started.map(({ handle }) => handle.wait(input.abortSignal ? { abortSignal: input.abortSignal } : {})));
    for (const [index, { step, handle }] of started.entries()) {
      const outcome = outcomes[index] as ApplyOutcome;
      await record({ step, ...reportOf(outcome), ...(handle.started ? { operation: operationOf(handle) } : {}) });
    }
  }

  const steps = evaluation.plan.map((step) => reports.get(step.id)).filter((report): report is StepReport => report !== undefined);
  const result: RemediationResult = { clusterId: snapshot.id, snapshot, evaluation, steps };
  if (input.wait && steps.some((report) => report.outcome === 'applied')) {
    const afterSnapshot = await readSnapshot(input.arm, snapshot.id, input.abortSignal);
    result.afterSnapshot = afterSnapshot;
    result.after = evaluateSnapshot(afterSnapshot, baseline, { now });
  }
  return result;
}

/** Whether the baseline lets the step write at all (audit mode, approval), and if not, why. */
function policyGate(step: PlanStep, approvals: readonly string[]): Omit<StepReport, 'step'> | undefined {
  if (step.mode === 'audit') return { outcome: 'audit-only', reason: `rule ${step.ruleId} is in audit mode: reported, never fixed` };
  if (step.mode === 'approval' && !approves(approvals, step)) {
    return { outcome: 'awaiting-approval', reason: `rule ${step.ruleId} needs approval: approve step ${step.id} or rule ${step.ruleId}` };
  }
  return undefined;
}

function reportOf(outcome: ApplyOutcome): Omit<StepReport, 'step' | 'operation'> {
  switch (outcome.status) {
    case 'succeeded':
      return { outcome: 'applied' };
    case 'not-needed':
      return { outcome: 'not-needed', reason: outcome.reason };
    case 'try-later':
      return { outcome: 'try-later', reason: outcome.failure.message, error: outcome.failure };
    case 'failed':
      return { outcome: 'failed', reason: outcome.failure.message, error: outcome.failure };
  }
}

function operationOf(handle: OperationHandle): StepReport['operation'] {
  return { resourceId: handle.resourceId, startedAt: handle.startedAt, ...(handle.correlationId ? { correlationId: handle.correlationId } : {}) };
}

async function readSnapshot(arm: ArmClients, clusterId: string, abortSignal: AbortSignal | undefined): Promise<ClusterSnapshot> {
  try {
    return await readClusterSnapshot(arm, clusterId, abortSignal ? { abortSignal } : {});
  } catch (error) {
    if (error instanceof ArmError) throw error;
    // A body the core cannot parse is not an ARM failure: let InvalidInputError through as it is.
    if (error instanceof InvalidInputError) throw error;
    throw new ArmError(classifyArmError(error, clusterId));
  }
}
