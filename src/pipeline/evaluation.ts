// The evaluation pipeline: what happens to one cluster, as one explicit sequence of named stages.
//
//   1. read      the cluster and its extensions, fresh from ARM (a cluster ARM no longer has ends the run here)
//   2. evaluate  against the baseline, once: the results and the plan
//   3. gate      per step, in dependency waves: what the baseline allows (audit, approval), what the run allows
//                (a dry run), what earlier steps left (blocked) and, when recording, the intent protocol: the
//                attempt limit, the back-off, a busy resource, a write that may still be in flight
//   4. intent    an intent row (Started) before the write, numbered by attempt
//   5. write     the step's ARM write through the StepWriter; when the policy waits, each wave's operations are
//                waited for before the next wave is gated
//   6. record    each write's outcome (Accepted, Succeeded, Failed or Skipped; attempts), open rows the evaluation
//                shows fixed, the state and its transitions, telemetry
//   and, when the policy waits and something was applied: read, evaluate and record once more.
//   7. notify    the compliance events of what was recorded (notify.ts), when a topic is configured; publishing
//                never fails the run
//
// No stage calls back into its caller: the queue worker (worker.ts), the HTTP remediate route (src/http/routes.ts)
// and the CLI scan (scan.ts) call runEvaluation with a different EvaluationPolicy (policies.ts) and act on the
// result it returns (a follow-up evaluation, a retry, a report).
//
// Why a crash never causes a second write: each write is preceded by its intent row and followed by its
// completion (Accepted). A redelivered message finds the open intent and does not write again while the write may
// still be in flight; the fresh read decides. Cluster writes also carry If-Match with the eTag read.
import { ArmError, isRetryable, type ArmFailure } from '../azure/errors.js';
import {
  approves,
  evaluateSnapshot,
  factsWanted,
  wantsAnyFact,
  isBusy,
  isPassingStatus,
  recordedStatus,
  sameResourceId,
  type Baseline,
  type BlockedBy,
  type ClusterSnapshot,
  type ClusterStatus,
  type ErrorInfo,
  type Evaluation,
  type EvaluationFacts,
  type PlanStep,
  type RuleOverride,
} from '../core/index.js';
import type {
  ApplyOutcome,
  AttemptTracker,
  Attempts,
  Cause,
  ClusterReader,
  ClusterStateStore,
  FactReader,
  Log,
  OperationHandle,
  RemediationLog,
  RecordedBasis,
  RemediationRecord,
  RemediationRef,
  StepWriter,
  EventsPublisher,
  Telemetry,
  Transition,
} from '../ports.js';
import { eventsOfRun, publishEvents, type PublishedEvents } from './notify.js';
import { afterRolloutRun, checkRolloutStep, claimRolloutSlot, governingPolicy, type RolloutCheck, type RolloutDeps } from './rollouts.js';

export const STEP_OUTCOMES = [
  /** The write finished successfully (the policy waited for it). */
  'applied',
  /** ARM accepted the write; the run did not wait for it to finish. */
  'started',
  /** A fresh read showed the step was no longer needed; nothing was written. */
  'not-needed',
  'failed',
  'awaiting-approval',
  'audit-only',
  /** The step cannot run now (`blockedBy`: a stopped cluster, an AKS-managed extension, ...), or a step it depends on did not finish (not approved, failed, try-later, or started without waiting). */
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
  /** For a step blocked on its own account: the step's `blockedBy` (reason code and message). */
  blockedBy?: BlockedBy;
  /** The ARM write, when one was sent. */
  operation?: { resourceId: string; startedAt: string; correlationId?: string };
}

/** Where a run records what it did. */
export interface EvaluationRecords {
  state: Pick<ClusterStateStore, 'readBasis' | 'recordEvaluation' | 'markDeleted'>;
  remediations: RemediationLog;
  attempts: AttemptTracker;
}

export interface EvaluationDeps {
  reader: Pick<ClusterReader, 'readCluster'>;
  /**
   * The facts around the cluster (provider registrations, tenant, storage accounts) its baseline's extensions need.
   * Absent: none are read, and the evaluation says which prerequisites it could not check.
   */
  facts?: FactReader;
  writer: StepWriter;
  telemetry: Telemetry;
  baseline: Baseline;
  /** Absent where there is no store at all (the CLI scan without --record). */
  records?: EvaluationRecords;
  /** Where the compliance events of recorded runs go; absent or disabled: none are built. */
  events?: EventsPublisher;
  /** Rollouts (pipeline/rollouts.ts): the app's worker and routes have them; without them a governed step never starts. */
  rollouts?: RolloutDeps;
}

/** The intent protocol's numbers: how often a rule may be tried, how long to back off, when to look again. */
export interface IntentRules {
  /** Attempts per (cluster, rule) before the rule is recorded RemediationFailed. */
  maxAttempts: number;
  /** Wait after the first attempt; doubles with each further attempt, up to maxBackoffSeconds. */
  backoffBaseSeconds: number;
  maxBackoffSeconds: number;
  /** An intent row younger than this, on a resource no longer busy, still counts as in flight. */
  openIntentGraceMs: number;
  /** After starting a write (or meeting a busy resource): evaluate again after this long to confirm it. */
  followUpDelaySeconds: number;
}

/** What a caller asks of a run. Built in policies.ts: the queue worker, the HTTP route and the CLI scan each have one. */
export interface EvaluationPolicy {
  /** False: a dry run; nothing is written to ARM. */
  apply: boolean;
  /** Record the evaluation, and (when applying) run the intent protocol. Needs `records`. */
  record: boolean;
  /** Wait for each wave's operations before the next wave, then read and evaluate again. False: start and return. */
  waitForOperations: boolean;
  /** Step ids or rule ids a person approved: they let `approval` steps run. */
  approvals: readonly string[];
  /** A person named these steps: their rules' attempt limit and back-off are cleared before gating. */
  retryApprovedNow: boolean;
  intents: IntentRules;
}

export interface EvaluationRequest {
  /** Any spelling; ARM's spelling (from the read) is what gets recorded. */
  clusterId: string;
  cause: Cause;
  now: Date;
  log: Log;
  /** Cancels ARM calls in flight (the CLI's Ctrl-C). */
  abortSignal?: AbortSignal;
  /** The state row as the caller already read it (readBasis), when it had to look before the run: not read again. */
  basis?: RecordedBasis;
  /** The run's reads, when the caller started them already (startRead), beside taking the cluster's lease. */
  read?: Promise<RunRead>;
}

/** What a run reads first: the cluster (or why it is not found), and the state row its record will be written over. */
export type RunRead = [ClusterSnapshot | { failure: ArmFailure }, RecordedBasis | undefined];

/** Evaluate again later: to confirm writes, wait out a busy resource, or retry after a back-off. */
export interface FollowUp {
  delaySeconds: number;
  reason: string;
}

export interface EvaluationRun {
  found: true;
  clusterId: string;
  snapshot: ClusterSnapshot;
  /** The facts the evaluation had, as read. */
  facts: EvaluationFacts;
  evaluation: Evaluation;
  steps: StepReport[];
  /** The status as recorded (RemediationFailed outranks the evaluated one). */
  status: ClusterStatus;
  ruleOverrides: RuleOverride[];
  transitions: Transition[];
  /** When the policy waited and something was applied: the cluster read and evaluated again. */
  after?: { snapshot: ClusterSnapshot; evaluation: Evaluation };
  followUp?: FollowUp;
  /** A throttled or transient ARM failure of a write: a queue retry should take it from here. */
  retryLater?: ArmFailure;
  /** The compliance events of the recorded transitions, when publishing is on. */
  events?: PublishedEvents;
}

/** ARM no longer has the cluster (when recording, it is now recorded Deleted). */
export interface ClusterGone {
  found: false;
  clusterId: string;
  failure: ArmFailure;
  transitions: Transition[];
}

export type EvaluationResult = EvaluationRun | ClusterGone;

const OPEN_ROWS_TO_CHECK = 20;
/** Outcomes after which a dependent step may run (in a dry run, "would have run" counts as run). */
const FINISHED: ReadonlySet<StepOutcome> = new Set(['applied', 'not-needed', 'skipped-dry-run']);

/** What one run keeps between its stages. */
interface RunState {
  readonly deps: EvaluationDeps;
  readonly policy: EvaluationPolicy;
  readonly request: EvaluationRequest;
  readonly clusterId: string;
  readonly snapshot: ClusterSnapshot;
  readonly facts: EvaluationFacts;
  readonly evaluation: Evaluation;
  /** The intent protocol's store; undefined when the run does not record or does not apply. */
  readonly protocol: EvaluationRecords | undefined;
  /** The state row as the run found it, read beside the cluster; undefined when the run does not record. */
  readonly basis: RecordedBasis | undefined;
  /** Whether remediation rows may be open: what the basis said, until the run writes an intent of its own. */
  remediationsOpen: boolean;
  /** The transitions of the state row written before the run's first ARM write (see recordBeforeWrites). */
  transitionsBeforeWrites: Transition[] | undefined;
  readonly attempts: Map<string, Attempts>;
  readonly intents: Map<string, RemediationRef>;
  readonly overrides: Map<string, RuleOverride>;
  readonly reports: Map<string, StepReport>;
  /** The rollout gate's answer per governed step, until its slot is claimed. */
  readonly rolloutChecks: Map<string, Extract<RolloutCheck, { governed: true }>>;
  followUp: FollowUp | undefined;
  retryLater: ArmFailure | undefined;
}

/**
 * Runs the stages for one cluster. Throws ArmError when the cluster cannot be read (other than not found),
 * InvalidInputError when ARM's answer cannot be parsed, and StorageError when the store fails. Step failures never
 * throw: they are in the step reports.
 */
export async function runEvaluation(deps: EvaluationDeps, policy: EvaluationPolicy, request: EvaluationRequest): Promise<EvaluationResult> {
  const records = policy.record ? requireRecords(deps) : undefined;

  // 1. read: the cluster, and beside it the state row the record will be written over
  const [snapshot, basis] = await (request.read ?? startRead(deps, policy, request));
  if ('failure' in snapshot) {
    const transitions = records ? await records.state.markDeleted(request.clusterId, request.cause, request.now) : [];
    request.log.info(`${request.clusterId}: not found in ARM${records ? '; recorded as Deleted' : ''}`);
    return { found: false, clusterId: request.clusterId, failure: snapshot.failure, transitions };
  }

  // 2. evaluate, once (with the facts around the cluster, read once per subscription per sweep by the FactReader)
  const facts = await factsStage(deps, request, snapshot);
  const evaluation = evaluateSnapshot(snapshot, deps.baseline, { now: request.now, facts });
  const run: RunState = {
    deps,
    policy,
    request,
    clusterId: snapshot.id,
    snapshot,
    facts,
    evaluation,
    protocol: records && policy.apply ? records : undefined,
    basis,
    remediationsOpen: basis?.remediationsOpen ?? true,
    transitionsBeforeWrites: undefined,
    attempts: new Map(),
    intents: new Map(),
    overrides: new Map(),
    reports: new Map(),
    rolloutChecks: new Map(),
    followUp: undefined,
    retryLater: undefined,
  };

  // 3-6 per step, wave by wave: gate, intent, write, record the write
  await loadAttempts(run);
  for (let wave = nextWave(run); wave.length > 0; wave = nextWave(run)) {
    const sent: { step: PlanStep; handle: OperationHandle }[] = [];
    for (const step of wave) {
      const gated = await gateStage(run, step);
      if (gated) {
        run.reports.set(step.id, { step, ...gated });
        continue;
      }
      const intent = await intentStage(run, step);
      const handle = await writeStage(run, step);
      const report = await recordWriteStage(run, step, intent, handle);
      if (report) run.reports.set(step.id, report);
      else sent.push({ step, handle });
    }
    await waitStage(run, sent);
  }
  giveUpOnExhaustedRules(run);

  // 6. record
  const ruleOverrides = [...run.overrides.values()];
  const status = recordedStatus(evaluation, ruleOverrides);
  const steps = evaluation.plan.map((step) => run.reports.get(step.id)).filter((report): report is StepReport => report !== undefined);
  const result: EvaluationRun = { found: true, clusterId: run.clusterId, snapshot, facts, evaluation, steps, status, ruleOverrides, transitions: [] };
  if (records && policy.apply) {
    // A run that wrote to ARM recorded its evaluation before the first write; that record took the basis.
    const before = run.transitionsBeforeWrites ?? [];
    const after = await recordStage(run, records, evaluation, snapshot, ruleOverrides, new Set([...run.intents.values()].map((ref) => ref.rowKey)), run.transitionsBeforeWrites ? undefined : run.basis);
    result.transitions = [...before, ...after];
    busyFollowUp(run);
    if (deps.rollouts) await afterRolloutRun(deps.rollouts, { clusterId: run.clusterId, settled: !isBusy(snapshot.provisioningState), plan: evaluation.plan, steps: steps.map((report) => ({ step: report.step, outcome: report.outcome, ...(report.error ? { error: { code: report.error.code, message: report.error.message } } : {}) })) }, request.now);
    deps.telemetry.event('ClusterEvaluated', {
      clusterId: run.clusterId,
      status,
      causeKind: request.cause.kind,
      causeId: request.cause.id,
      correlationId: request.cause.correlationId,
      steps: steps.length,
      started: steps.filter((report) => report.outcome === 'started').length,
      transitions: result.transitions.length,
    });
  } else if (records) {
    // Recording without applying (the CLI's `scan --record` dry run): the evaluation only.
    result.transitions = await records.state.recordEvaluation(run.clusterId, evaluation, request.cause, { now: request.now, location: snapshot.location, ...(basis ? { basis } : {}) });
  }

  // ... and once more after waiting, when something was applied
  if (policy.waitForOperations && steps.some((report) => report.outcome === 'applied')) {
    const again = await readStage(deps, { ...request, clusterId: run.clusterId });
    if ('failure' in again) throw new ArmError(again.failure);
    const evaluatedAgain = evaluateSnapshot(again, deps.baseline, { now: request.now, facts: await factsStage(deps, request, again) });
    result.after = { snapshot: again, evaluation: evaluatedAgain };
    if (records) {
      const stillFailing = ruleOverrides.filter((override) => evaluatedAgain.results.some((r) => r.ruleId === override.ruleId && !isPassingStatus(r.status)));
      result.transitions.push(...(await recordStage(run, records, evaluatedAgain, again, stillFailing, new Set())));
    }
  }

  // 7. notify: what was recorded, as events (the publisher retries and counts; nothing here throws)
  if (result.transitions.length > 0) {
    const recorded = { transitions: result.transitions, steps, ruleOverrides, attemptsOf: (ruleId: string) => run.attempts.get(ruleId)?.count };
    const events = await publishEvents(deps.events, () => eventsOfRun(recorded), request.log, run.clusterId);
    if (events) result.events = events;
  }

  if (run.retryLater) result.retryLater = run.retryLater;
  else if (run.followUp) result.followUp = run.followUp;
  return result;
}

function requireRecords(deps: EvaluationDeps): EvaluationRecords {
  if (!deps.records) throw new Error('the evaluation policy records, but no store was given');
  return deps.records;
}

/**
 * Stage 2's input: the facts the baseline wants for this cluster. A fact that could not be read is left out (the
 * evaluation then lists the prerequisite as unchecked, or blocks the install naming it) and logged.
 */
async function factsStage(deps: EvaluationDeps, request: EvaluationRequest, snapshot: ClusterSnapshot): Promise<EvaluationFacts> {
  if (!deps.facts) return {};
  const wanted = factsWanted(snapshot, deps.baseline);
  if (!wantsAnyFact(wanted)) return {};
  const { facts, unread } = await deps.facts.readFacts(wanted, request.abortSignal ? { abortSignal: request.abortSignal } : {});
  for (const what of unread) request.log.warn(`${snapshot.id}: could not read ${what}`);
  return facts;
}

/** The run's first stage on its own, for a caller that starts it before the run (runEvaluation does it otherwise). */
export function startRead(deps: EvaluationDeps, policy: Pick<EvaluationPolicy, 'record'>, request: EvaluationRequest): Promise<RunRead> {
  const records = policy.record ? requireRecords(deps) : undefined;
  return Promise.all([readStage(deps, request), records ? (request.basis ?? records.state.readBasis(request.clusterId)) : undefined]);
}

/** Stage 1. The snapshot, or the failure that says ARM no longer has the cluster. Other failures are thrown. */
async function readStage(deps: EvaluationDeps, request: EvaluationRequest): Promise<ClusterSnapshot | { failure: ArmFailure }> {
  try {
    return await deps.reader.readCluster(request.clusterId, request.abortSignal ? { abortSignal: request.abortSignal } : {});
  } catch (error) {
    if (error instanceof ArmError && error.failure.kind === 'not-found') return { failure: error.failure };
    throw error;
  }
}

function mayRun(policy: EvaluationPolicy, step: PlanStep): boolean {
  return step.mode === 'auto' || (step.mode === 'approval' && approves(policy.approvals, step));
}

/** Part of the gate: the attempts of every rule the run may write for, cleared first for the rules a person named. */
async function loadAttempts(run: RunState): Promise<void> {
  const { protocol, evaluation, policy, clusterId } = run;
  if (!protocol) return;
  const rules = [...new Set(evaluation.plan.filter((step) => mayRun(policy, step)).map((step) => step.ruleId))];
  await Promise.all(rules.map(async (ruleId) => run.attempts.set(ruleId, await protocol.attempts.getAttempts(clusterId, ruleId))));
  if (!policy.retryApprovedNow) return;
  // A person naming a step asks for it to run now: that clears its attempt limit and back-off.
  const named = evaluation.plan.filter((step) => approves(policy.approvals, step));
  for (const ruleId of new Set(named.map((step) => step.ruleId))) {
    if ((run.attempts.get(ruleId)?.count ?? 0) === 0) continue;
    await protocol.attempts.resetAttempts(clusterId, ruleId);
    run.attempts.set(ruleId, { count: 0 });
    run.request.log.info(`${clusterId}: attempts of ${ruleId} reset: ${run.request.cause.caller ?? 'a caller'} asked for it to run now`);
  }
}

function isClusterStep(step: PlanStep, snapshot: ClusterSnapshot): boolean {
  return sameResourceId(step.change.path, snapshot.id);
}

/**
 * The steps whose dependencies all have a report. ARM refuses an extension write while the cluster itself is being
 * written, so extension steps also come after the plan's cluster steps (without depending on their success).
 */
function nextWave(run: RunState): PlanStep[] {
  const pending = run.evaluation.plan.filter((step) => !run.reports.has(step.id));
  if (pending.length === 0) return [];
  const inPlan = new Set(pending.map((step) => step.id));
  const clusterStepIds = run.evaluation.plan.filter((step) => isClusterStep(step, run.snapshot)).map((step) => step.id);
  const waitsFor = (step: PlanStep): string[] => (isClusterStep(step, run.snapshot) ? step.dependsOn : [...new Set([...step.dependsOn, ...clusterStepIds])]);
  const ready = pending.filter((step) => waitsFor(step).every((dependency) => !inPlan.has(dependency)));
  if (ready.length === 0) throw new Error(`plan for ${run.clusterId} has a dependency cycle among ${pending.map((step) => step.id).join(', ')}`);
  return ready;
}

type Gated = Omit<StepReport, 'step'>;

/** Stage 3. Why this step is not written now, or undefined when it may be. */
async function gateStage(run: RunState, step: PlanStep): Promise<Gated | undefined> {
  const { policy, reports, snapshot } = run;
  // What the baseline says comes first (it is what a person can act on), then what the run allows.
  if (step.mode === 'audit') return { outcome: 'audit-only', reason: `rule ${step.ruleId} is in audit mode: reported, never fixed` };
  // A step that cannot run now (a stopped cluster, an AKS-managed extension, ...): no intent, no attempt, no follow-up;
  // an approval would not help, and no retry does until a person acts (or the cluster starts: its event re-evaluates).
  if (step.blockedBy) return { outcome: 'blocked', reason: step.blockedBy.message, blockedBy: step.blockedBy };
  // A step a rollout governs: the rollout decides (halted, wave, window; the wave's approval stands for the step's).
  const rollout = await rolloutGate(run, step);
  if (rollout) return rollout;
  if (step.mode === 'approval' && !run.rolloutChecks.has(step.id) && !approves(policy.approvals, step)) {
    return { outcome: 'awaiting-approval', reason: `rule ${step.ruleId} needs approval: approve step ${step.id} or rule ${step.ruleId}` };
  }
  const unfinished = step.dependsOn.map((dependency) => reports.get(dependency)).find((report) => report !== undefined && !FINISHED.has(report.outcome));
  if (unfinished) return { outcome: 'blocked', reason: `depends on ${unfinished.step.id}, which is ${unfinished.outcome}` };
  if (!isClusterStep(step, snapshot)) {
    const clusterBusy = [...reports.values()].find((report) => report.outcome === 'started' && isClusterStep(report.step, snapshot));
    if (clusterBusy) return { outcome: 'blocked', reason: `the cluster update ${clusterBusy.step.id} is still running; extension writes wait for it` };
  }
  if (!policy.apply) return { outcome: 'skipped-dry-run', reason: 'dry run: nothing is written without --apply' };
  const intent = run.protocol ? await intentGate(run, run.protocol, step) : undefined;
  if (intent) return intent;
  // Last: a concurrency slot of the wave (claimed only when nothing else stops the step).
  const check = run.rolloutChecks.get(step.id);
  return check && run.deps.rollouts ? claimRolloutSlot(run.deps.rollouts, check, run.request.now) : undefined;
}

/**
 * The rollout's part of the gate, for a step a rollout policy governs, when the run applies: undefined when the
 * rollout lets it go on (the check is kept for the slot), else why not. Without rollouts (the CLI scan) it never
 * starts. A dry run asks nothing of the rollout.
 */
async function rolloutGate(run: RunState, step: PlanStep): Promise<Gated | undefined> {
  const { deps, policy, request } = run;
  if (!policy.apply) return undefined;
  if (!deps.rollouts) {
    const governing = governingPolicy(deps.baseline, step);
    if (!governing) return undefined;
    const blockedBy: BlockedBy = { reason: 'RolloutManaged', message: `Rollout ${governing.name} governs ${step.action}: the app's queue worker starts it, wave by wave (aks-baseline-guard rollout status ${governing.name}).` };
    return { outcome: 'blocked', reason: blockedBy.message, blockedBy };
  }
  const check = await checkRolloutStep(deps.rollouts, run.snapshot, step, request.now, request.abortSignal ? { abortSignal: request.abortSignal } : {});
  if (!check.governed) return undefined;
  if (!check.gated) {
    run.rolloutChecks.set(step.id, check);
    return undefined;
  }
  const { outcome, reason, blockedBy, followUpSeconds } = check.gated;
  if (followUpSeconds !== undefined) followUpIn(run, followUpSeconds, `${step.id} waits for a maintenance window`);
  return { outcome, reason, ...(blockedBy ? { blockedBy } : {}) };
}

/**
 * The intent protocol's part of the gate: a write possibly in flight (read from its operation's status when ARM gave
 * one), the attempt limit, the back-off, a busy resource. An open row is settled first, so that an operation that
 * ended Failed counts with ARM's error before the limit is looked at.
 */
async function intentGate(run: RunState, protocol: EvaluationRecords, step: PlanStep): Promise<Gated | undefined> {
  const { clusterId, request, policy } = run;
  const { maxAttempts, followUpDelaySeconds } = policy.intents;
  const now = request.now.getTime();
  const open = await protocol.remediations.findOpenRemediation(clusterId, step.id);
  const busy = targetBusy(step.change.path, run.snapshot);
  if (open) {
    const settled = await settleOpenRow(run, protocol, open);
    if (settled === 'in-progress' || (settled === 'unknown' && mayStillBeInFlight(run, open))) {
      followUpIn(run, followUpDelaySeconds, `confirm ${step.id}`);
      return { outcome: 'started', reason: `a write for this step (intent ${open.status} at ${open.startedAt}) may still be in flight; not writing again` };
    }
    if (settled === 'unknown') await completeOpenRow(run, protocol, open, 'Failed', notConfirmed(run, open));
  }
  const tried = run.attempts.get(step.ruleId) ?? { count: 0 };
  if (tried.count >= maxAttempts) {
    const lastError = tried.lastError ?? exhausted(clusterId, step, tried);
    giveUp(run, step, lastError);
    return { outcome: 'failed', reason: `gave up after ${tried.count} attempts (MAX_REMEDIATION_ATTEMPTS=${maxAttempts}); last error ${lastError.code}` };
  }
  const next = tried.nextAttemptAfter ? Date.parse(tried.nextAttemptAfter) : Number.NaN;
  if (next > now) {
    followUpIn(run, (next - now) / 1000, `back-off of ${step.ruleId}`);
    return { outcome: 'try-later', reason: `backing off after attempt ${tried.count}: the next attempt is due at ${tried.nextAttemptAfter}` };
  }
  if (busy) {
    // Not an attempt and no intent row: ARM would refuse the write (409) while the resource is mid-operation.
    followUpIn(run, followUpDelaySeconds, `${step.id} is waiting for a busy resource`);
    return { outcome: 'try-later', reason: 'the cluster or extension is mid-operation (its provisioningState says an operation is running); trying again later' };
  }
  return undefined;
}

/**
 * What became of the write an open row started, read from its operation's status (never from the write event, which
 * only says ARM accepted it). An operation that ended is completed here: Succeeded, or Failed with ARM's error code and
 * message, which also lands on the rule's attempts (the same attempt, backing off from now). `unknown` when the row
 * has no operation to read (a crash before Accepted) or its status could not be read: the caller decides.
 */
async function settleOpenRow(run: RunState, records: EvaluationRecords, row: RemediationRecord): Promise<'in-progress' | 'succeeded' | 'failed' | 'unknown'> {
  const operationUrl = row.status === 'Accepted' ? row.armOperation?.operationUrl : undefined;
  if (!operationUrl) return 'unknown';
  const check = await run.deps.writer.checkOperation(operationUrl, row.request.path, run.request.abortSignal ? { abortSignal: run.request.abortSignal } : {});
  switch (check.status) {
    case 'in-progress':
      return 'in-progress';
    case 'unknown':
      run.request.log.warn(`${run.clusterId}: the operation of ${row.stepId} could not be read (${check.reason})`);
      return 'unknown';
    case 'succeeded':
      if (await completeOpenRow(run, records, row, 'Succeeded')) {
        run.deps.telemetry.event('RemediationSucceeded', { clusterId: run.clusterId, stepId: row.stepId, ruleId: row.ruleId, armCorrelationId: row.armOperation?.correlationId, confirmedBy: 'operation' });
      }
      return 'succeeded';
    case 'failed': {
      const error = errorInfo(check.failure);
      if (await completeOpenRow(run, records, row, 'Failed', error)) await operationFailed(run, records, row, check.failure);
      return 'failed';
    }
  }
}

/** An accepted write whose operation ended Failed: the attempt it was carries ARM's error and backs off from now. */
async function operationFailed(run: RunState, records: EvaluationRecords, row: Pick<RemediationRecord, 'stepId' | 'ruleId' | 'action' | 'armOperation'>, failure: ArmFailure): Promise<Attempts> {
  const { policy, request, clusterId } = run;
  const recorded = await recordAttempt(run, records, row.ruleId, errorInfo(failure), true);
  const final = recorded.count >= policy.intents.maxAttempts;
  run.deps.telemetry.event('RemediationFailed', {
    clusterId,
    stepId: row.stepId,
    ruleId: row.ruleId,
    action: row.action,
    causeKind: request.cause.kind,
    causeId: request.cause.id,
    armCorrelationId: row.armOperation?.correlationId,
    errorCode: failure.code,
    attempt: recorded.count,
    final,
  });
  request.log.error(`${clusterId}: the operation of ${row.stepId} failed (attempt ${recorded.count} of ${policy.intents.maxAttempts}): ${failure.message}`);
  return recorded;
}

/** Stage 4. The intent row, written before the ARM call (only when the run keeps the protocol). */
async function intentStage(run: RunState, step: PlanStep): Promise<RemediationRef | undefined> {
  if (!run.protocol) return undefined;
  if (!run.transitionsBeforeWrites) await recordBeforeWrites(run, run.protocol);
  const tried = run.attempts.get(step.ruleId) ?? { count: 0 };
  const ref = await run.protocol.remediations.startRemediation({
    clusterId: run.clusterId,
    stepId: step.id,
    ruleId: step.ruleId,
    action: step.action,
    attempt: tried.count + 1,
    cause: run.request.cause,
    // A recreate is one step and one intent for its two requests.
    request: { method: step.change.recreate ? 'DELETE+PUT' : step.change.method, path: step.change.path },
    ...(step.disrupts ? { disrupts: step.disrupts } : {}),
    ...(step.removes ? { removes: step.removes } : {}),
    now: run.request.now,
  });
  run.intents.set(step.id, ref);
  return ref;
}

/**
 * Stage 6 ahead of the writes, once per run that writes: the evaluation goes on record before the first intent row,
 * so the drift is on record without waiting for ARM to accept a write (seconds, for a cluster), and the row says that
 * remediation rows may be open from this write on, whatever happens to the run. The record after the writes adds what
 * they changed (a rule given up at its attempt limit).
 */
async function recordBeforeWrites(run: RunState, records: EvaluationRecords): Promise<void> {
  giveUpOnExhaustedRules(run);
  const { request } = run;
  run.transitionsBeforeWrites = await records.state.recordEvaluation(run.clusterId, run.evaluation, request.cause, {
    now: request.now,
    ruleOverrides: [...run.overrides.values()],
    location: run.snapshot.location,
    remediationsOpen: true,
    ...(run.basis ? { basis: run.basis } : {}),
  });
  run.remediationsOpen = true;
  await resetAttemptsOfFixedRules(run, records, run.transitionsBeforeWrites);
}

/** Stage 5. The ARM write. Cluster steps are chained by dependsOn, so at most one cluster write is in flight. */
async function writeStage(run: RunState, step: PlanStep): Promise<OperationHandle> {
  return run.deps.writer.startStep(step, {
    plannedFrom: run.snapshot,
    baseline: run.deps.baseline,
    facts: run.facts,
    now: run.request.now,
    ...(run.request.abortSignal ? { abortSignal: run.request.abortSignal } : {}),
  });
}

/**
 * Stage 6 for one write, as soon as ARM answered: the intent row's completion and the attempt. Returns the step's
 * report, or undefined when the policy waits for the operation (waitStage reports it).
 */
async function recordWriteStage(run: RunState, step: PlanStep, intent: RemediationRef | undefined, handle: OperationHandle): Promise<StepReport | undefined> {
  const { protocol, policy } = run;
  if (handle.started) {
    if (protocol && intent) {
      await recordAttempt(run, protocol, step.ruleId);
      run.intents.set(
        step.id,
        await protocol.remediations.completeRemediation(intent, {
          outcome: 'Accepted',
          armOperation: { ...(handle.correlationId ? { correlationId: handle.correlationId } : {}), ...(handle.operationUrl ? { operationUrl: handle.operationUrl } : {}), status: 'InProgress' },
        }),
      );
      run.deps.telemetry.event('RemediationStarted', { ...stepProperties(run, step), armCorrelationId: handle.correlationId, eventId: run.request.cause.kind === 'event' ? run.request.cause.id : undefined });
      run.request.log.info(`${run.clusterId}: started ${step.id} (ARM correlation ${handle.correlationId ?? 'unknown'})`);
      followUpIn(run, policy.intents.followUpDelaySeconds, `confirm ${step.id}`);
    }
    if (policy.waitForOperations) return undefined;
    return { step, outcome: 'started', reason: 'ARM accepted the change; not waiting for it to finish', operation: operationOf(handle) };
  }
  // Decided without a write: wait() answers at once.
  const outcome = await handle.wait();
  if (protocol && intent) await recordUnsent(run, protocol, step, intent, outcome);
  return { step, ...reportOf(outcome) };
}

/** What a write that ARM never took (or that was not needed) leaves in the log and the attempts. */
async function recordUnsent(run: RunState, protocol: EvaluationRecords, step: PlanStep, intent: RemediationRef, outcome: ApplyOutcome): Promise<void> {
  const { clusterId, request, policy } = run;
  switch (outcome.status) {
    case 'succeeded':
      await protocol.remediations.completeRemediation(intent, { outcome: 'Succeeded' });
      return;
    case 'not-needed':
      await protocol.remediations.completeRemediation(intent, { outcome: 'Skipped', error: { code: 'NotNeeded', message: outcome.reason } });
      return;
    case 'try-later': {
      // Not an attempt: the same step can run later, unchanged.
      await protocol.remediations.completeRemediation(intent, { outcome: 'Skipped', error: errorInfo(outcome.failure) });
      if (outcome.failure.kind !== 'busy' && isRetryable(outcome.failure.kind)) run.retryLater ??= outcome.failure;
      else followUpIn(run, policy.intents.followUpDelaySeconds, `${step.id} is waiting for a busy resource`);
      request.log.warn(`${clusterId}: ${step.id} not written now (${outcome.failure.kind}): ${outcome.failure.message}`);
      return;
    }
    case 'failed': {
      const recorded = await recordAttempt(run, protocol, step.ruleId, errorInfo(outcome.failure));
      await protocol.remediations.completeRemediation(intent, { outcome: 'Failed', error: errorInfo(outcome.failure) });
      const final = recorded.count >= policy.intents.maxAttempts;
      if (final) giveUp(run, step, errorInfo(outcome.failure));
      else if (recorded.nextAttemptAfter) followUpIn(run, (Date.parse(recorded.nextAttemptAfter) - request.now.getTime()) / 1000, `retry ${step.id} after its back-off`);
      run.deps.telemetry.event('RemediationFailed', { ...stepProperties(run, step), errorCode: outcome.failure.code, attempt: recorded.count, final });
      request.log.error(`${clusterId}: ${step.id} failed (attempt ${recorded.count} of ${policy.intents.maxAttempts}): ${outcome.failure.message}`);
      return;
    }
  }
}

/** Stage 5 and 6 for a policy that waits: the wave's operations to their end, and their intent rows completed. */
async function waitStage(run: RunState, sent: readonly { step: PlanStep; handle: OperationHandle }[]): Promise<void> {
  if (sent.length === 0) return;
  const { request, protocol } = run;
  const outcomes = await Promise.all(sent.map(({ handle }) => handle.wait(request.abortSignal ? { abortSignal: request.abortSignal } : {})));
  for (const [index, { step, handle }] of sent.entries()) {
    const outcome = outcomes[index] as ApplyOutcome;
    run.reports.set(step.id, { step, ...reportOf(outcome), operation: operationOf(handle) });
    const intent = run.intents.get(step.id);
    if (!protocol || !intent) continue;
    // An accepted write the run stopped waiting for (try-later) is still in flight: its row stays Accepted.
    if (outcome.status === 'succeeded') await protocol.remediations.completeRemediation(intent, { outcome: 'Succeeded' });
    else if (outcome.status === 'failed') {
      await protocol.remediations.completeRemediation(intent, { outcome: 'Failed', error: errorInfo(outcome.failure) });
      // The write was counted when ARM accepted it; its operation's failure is that attempt's error.
      if (handle.started) {
        const row = { stepId: step.id, ruleId: step.ruleId, action: step.action, ...(handle.correlationId ? { armOperation: { correlationId: handle.correlationId } } : {}) };
        const recorded = await operationFailed(run, protocol, row, outcome.failure);
        if (recorded.count >= run.policy.intents.maxAttempts) giveUp(run, step, errorInfo(outcome.failure));
      }
    }
  }
}

/** A rule at its attempt limit is RemediationFailed even when its step did not get as far as trying. */
function giveUpOnExhaustedRules(run: RunState): void {
  for (const step of run.evaluation.plan) {
    const tried = run.attempts.get(step.ruleId);
    if (mayRun(run.policy, step) && tried && tried.count >= run.policy.intents.maxAttempts && !run.overrides.has(step.ruleId)) {
      giveUp(run, step, tried.lastError ?? exhausted(run.clusterId, step, tried));
    }
  }
}

/**
 * Stage 6 for the cluster: open rows whose rule is now fixed are confirmed, then the state and its transitions are
 * written, and a rule that is fixed starts with a clean slate of attempts the next time it drifts.
 */
async function recordStage(
  run: RunState,
  records: EvaluationRecords,
  evaluation: Evaluation,
  snapshot: ClusterSnapshot,
  ruleOverrides: RuleOverride[],
  startedNow: ReadonlySet<string>,
  basis?: RecordedBasis,
): Promise<Transition[]> {
  const { clusterId, request } = run;
  const remediationsOpen = await confirmFixedRemediations(run, records, evaluation, startedNow);
  const transitions = await records.state.recordEvaluation(clusterId, evaluation, request.cause, {
    now: request.now,
    ruleOverrides,
    location: snapshot.location,
    remediationsOpen,
    ...(basis ? { basis } : {}),
  });
  await resetAttemptsOfFixedRules(run, records, transitions);
  return transitions;
}

/** A rule that is fixed starts with a clean slate of attempts the next time it drifts. */
async function resetAttemptsOfFixedRules(run: RunState, records: EvaluationRecords, transitions: readonly Transition[]): Promise<void> {
  const fixed = transitions.filter((t) => t.ruleId !== undefined && t.to !== null && isPassingStatus(t.to) && t.from !== null && !isPassingStatus(t.from));
  await Promise.all(fixed.map((t) => records.attempts.resetAttempts(run.clusterId, t.ruleId as string)));
}

/**
 * Open intent rows whose rule is now fixed: the write they started has done its job. Returns whether rows are still
 * open after it. The log is read only when rows may be open: the state row said so, or this run wrote an intent.
 */
async function confirmFixedRemediations(run: RunState, records: EvaluationRecords, evaluation: Evaluation, startedNow: ReadonlySet<string>): Promise<boolean> {
  if (!run.remediationsOpen) return false;
  const statusOf = new Map(evaluation.results.map((result) => [result.ruleId, result.status as string]));
  const plannedSteps = new Set(evaluation.plan.map((step) => step.id));
  const rows = await records.remediations.listRemediations(run.clusterId, { limit: OPEN_ROWS_TO_CHECK });
  let stillOpen = false;
  for (const row of rows) {
    if (row.status !== 'Started' && row.status !== 'Accepted') continue;
    if (startedNow.has(row.ref.rowKey)) {
      stillOpen = true;
      continue;
    }
    // Only the operation says whether the write succeeded: a rule that passes now may be undone by a failed one, and a
    // failed create leaves a step the plan now names differently (a repair), whose gate never sees this row.
    const settled = await settleOpenRow(run, records, row);
    if (settled === 'in-progress') {
      stillOpen = true;
      followUpIn(run, run.policy.intents.followUpDelaySeconds, `confirm ${row.stepId}`);
      continue;
    }
    if (settled !== 'unknown') continue;
    if (!isPassingStatus(statusOf.get(row.ruleId) ?? '')) {
      // A step the plan still names is settled by its gate. One it no longer names (a create that left a failed
      // extension is now a repair) has no gate: past the grace, with nothing mid-operation, its write is not confirmed.
      if (!plannedSteps.has(row.stepId)) {
        if (!mayStillBeInFlight(run, row)) {
          await completeOpenRow(run, records, row, 'Failed', notConfirmed(run, row));
          continue;
        }
        followUpIn(run, run.policy.intents.followUpDelaySeconds, `confirm ${row.stepId}`);
      }
      stillOpen = true;
      continue;
    }
    if (await completeOpenRow(run, records, row, 'Succeeded')) {
      run.deps.telemetry.event('RemediationSucceeded', { clusterId: run.clusterId, stepId: row.stepId, ruleId: row.ruleId, armCorrelationId: row.armOperation?.correlationId, confirmedBy: 'evaluation' });
    } else stillOpen = true;
  }
  // Older rows than the ones read may still be open: say so, and the next run reads again.
  return stillOpen || rows.length >= OPEN_ROWS_TO_CHECK;
}

/** Completes an open row; false when someone else completed it first. */
async function completeOpenRow(run: RunState, records: EvaluationRecords, row: RemediationRecord, outcome: 'Succeeded' | 'Failed', error?: ErrorInfo): Promise<boolean> {
  try {
    await records.remediations.completeRemediation(row.ref, {
      outcome,
      now: run.request.now,
      ...(row.armOperation ? { armOperation: { ...row.armOperation, status: outcome } } : {}),
      ...(error ? { error } : {}),
    });
    return true;
  } catch (thrown) {
    run.request.log.warn(`${row.clusterId}: remediation ${row.stepId} was completed concurrently (${String(thrown)})`);
    return false;
  }
}

/**
 * Whether the write of an open row whose operation could not be read (or that has none: a crash before ARM's answer
 * was recorded) may still be running: its resource is mid-operation, or it started less than the grace ago.
 */
function mayStillBeInFlight(run: RunState, row: RemediationRecord): boolean {
  const age = run.request.now.getTime() - Date.parse(row.startedAt);
  return targetBusy(row.request.path, run.snapshot) || age < run.policy.intents.openIntentGraceMs;
}

function notConfirmed(run: RunState, row: RemediationRecord): ErrorInfo {
  return { code: 'NotConfirmed', message: `${run.clusterId}: the write of ${row.stepId} started at ${row.startedAt} did not fix ${row.ruleId}` };
}

/** A cluster or extension mid-operation and still not compliant: look again once it has settled. */
function busyFollowUp(run: RunState): void {
  const { snapshot, evaluation } = run;
  if (run.followUp || evaluation.status === 'Compliant') return;
  if (isBusy(snapshot.provisioningState) || snapshot.extensions.some((extension) => isBusy(extension.provisioningState))) {
    followUpIn(run, run.policy.intents.followUpDelaySeconds, 'the cluster or an extension is mid-operation');
  }
}

/** Counts an attempt of the rule (or, with `sameAttempt`, notes the error of the last one and backs off from now). */
async function recordAttempt(run: RunState, protocol: EvaluationRecords, ruleId: string, error?: ErrorInfo, sameAttempt = false): Promise<Attempts> {
  const { backoffBaseSeconds, maxBackoffSeconds } = run.policy.intents;
  const recorded = await protocol.attempts.recordAttempt(run.clusterId, ruleId, {
    now: run.request.now,
    backoffBaseSeconds,
    maxBackoffSeconds,
    ...(error ? { error } : {}),
    ...(sameAttempt ? { sameAttempt } : {}),
  });
  run.attempts.set(ruleId, recorded);
  return recorded;
}

/** Whether the cluster, or its extension at `path` (what a step writes), is mid-operation in this snapshot. */
function targetBusy(path: string, snapshot: ClusterSnapshot): boolean {
  if (isBusy(snapshot.provisioningState)) return true;
  return isBusy(snapshot.extensions.find((extension) => sameResourceId(extension.id, path))?.provisioningState);
}

function followUpIn(run: RunState, delaySeconds: number, reason: string): void {
  const seconds = Math.max(1, Math.ceil(delaySeconds));
  if (!run.followUp || seconds < run.followUp.delaySeconds) run.followUp = { delaySeconds: seconds, reason };
}

function giveUp(run: RunState, step: PlanStep, lastError: ErrorInfo): void {
  run.overrides.set(step.ruleId, { ruleId: step.ruleId, status: 'RemediationFailed', lastError });
}

function exhausted(clusterId: string, step: PlanStep, tried: Attempts): ErrorInfo {
  return { code: 'AttemptLimitReached', message: `${clusterId}: ${tried.count} attempts did not fix ${step.ruleId}` };
}

function stepProperties(run: RunState, step: PlanStep) {
  return { clusterId: run.clusterId, stepId: step.id, ruleId: step.ruleId, action: step.action, causeKind: run.request.cause.kind, causeId: run.request.cause.id };
}

function errorInfo(failure: ArmFailure): ErrorInfo {
  return { code: failure.code, message: failure.message };
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
