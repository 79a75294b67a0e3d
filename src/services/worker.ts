// The evaluation worker, shared by the queue trigger (evaluateCluster) and the HTTP remediate route: under the
// cluster's lease, read it, evaluate it, run the steps it may run, and record everything.
//
// How a crash can never cause a second write: every write is preceded by an intent row (Started) and followed
// by its completion (Accepted). A redelivered message finds the open intent and does not write again while the
// write may still be in flight; the fresh read decides. Cluster writes also carry If-Match with the eTag read.
import {
  ArmError,
  classifyArmError,
  readClusterSnapshot,
  type ArmFailure,
  type OperationHandle,
} from '../azure/arm/index.js';
import { parseWorkItem } from '../azure/storage/index.js';
import { InvalidInputError } from '../core/errors.js';
import {
  approves,
  evaluateSnapshot,
  isBusy,
  isPassingStatus,
  parseExtensionId,
  recordedStatus,
  sameResourceId,
  type ClusterSnapshot,
  type ClusterStatus,
  type ErrorInfo,
  type Evaluation,
  type PlanStep,
  type RuleOverride,
} from '../core/index.js';
import type {
  Attempts,
  Cause,
  EvaluationWorkItem,
  RemediationRecord,
  RemediationRef,
  Transition,
} from '../ports.js';
import { outOfScopeReason, type AppServices, type Log } from './container.js';
import { evaluateAndRemediate, type StepReport } from './remediation.js';

export interface EvaluationRunInput {
  /** Any spelling; ARM's spelling (from the read) is what gets recorded. */
  clusterId: string;
  cause: Cause;
  /** Step ids or rule ids a person approved: they let `approval` steps run. */
  approvals: readonly string[];
  /** False: a dry run; nothing is written to ARM and nothing is recorded. */
  apply: boolean;
  log: Log;
}

export interface Continuation {
  delaySeconds: number;
  reason: string;
}

export interface EvaluationRun {
  found: true;
  clusterId: string;
  snapshot: ClusterSnapshot;
  evaluation: Evaluation;
  steps: StepReport[];
  /** The status as recorded (RemediationFailed outranks the evaluated one). */
  status: ClusterStatus;
  ruleOverrides: RuleOverride[];
  transitions: Transition[];
  /** Evaluate again later to confirm writes, wait out a busy cluster, or retry after a back-off. */
  continuation?: Continuation;
  /** A throttled or transient ARM failure of a write: the queue's retry should take it from here. */
  transientFailure?: ArmFailure;
}

export type EvaluationRunResult = EvaluationRun | { found: false; clusterId: string; transitions: Transition[] };

const OPEN_ROWS_TO_CHECK = 20;

function isClusterStep(step: PlanStep, snapshot: ClusterSnapshot): boolean {
  return sameResourceId(step.change.path, snapshot.id);
}

/** Whether the resource a step writes (or its cluster) is mid-operation in this snapshot. */
function targetBusy(step: PlanStep, snapshot: ClusterSnapshot): boolean {
  if (isBusy(snapshot.provisioningState)) return true;
  if (isClusterStep(step, snapshot)) return false;
  const { extensionName } = parseExtensionId(step.change.path);
  return isBusy(snapshot.extensions.find((extension) => extension.name.toLowerCase() === extensionName.toLowerCase())?.provisioningState);
}

function errorInfo(failure: ArmFailure): ErrorInfo {
  return { code: failure.code, message: failure.message };
}

/** Reads the cluster; undefined when it no longer exists. Other ARM failures are thrown as ArmError. */
async function readSnapshot(services: AppServices, clusterId: string): Promise<ClusterSnapshot | undefined> {
  try {
    return await readClusterSnapshot(services.arm(), clusterId);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    const failure = error instanceof ArmError ? error.failure : classifyArmError(error, clusterId);
    if (failure.kind === 'not-found') return undefined;
    throw new ArmError(failure);
  }
}

/**
 * Evaluates one cluster now and runs what it may. The caller holds the cluster's lease. Throws ArmError when
 * the cluster cannot be read (other than not found) and StorageError when the store fails.
 */
export async function runEvaluation(services: AppServices, input: EvaluationRunInput): Promise<EvaluationRunResult> {
  const { store, telemetry, tuning } = services;
  const max = services.config.maxRemediationAttempts;
  const now = services.clock();
  const snapshot = await readSnapshot(services, input.clusterId);
  if (!snapshot) {
    const transitions = input.apply ? await store.markDeleted(input.clusterId, input.cause, now) : [];
    input.log.info(`${input.clusterId}: not found in ARM; recorded as Deleted`);
    return { found: false, clusterId: input.clusterId, transitions };
  }
  const clusterId = snapshot.id;
  const evaluation = evaluateSnapshot(snapshot, services.baseline, { now });
  const mayRun = (step: PlanStep): boolean => step.mode === 'auto' || (step.mode === 'approval' && approves(input.approvals, step));

  const attempts = new Map<string, Attempts>();
  if (input.apply) {
    const rules = [...new Set(evaluation.plan.filter(mayRun).map((step) => step.ruleId))];
    await Promise.all(rules.map(async (ruleId) => attempts.set(ruleId, await store.getAttempts(clusterId, ruleId))));
    // A person naming a step on the remediate route asks for it to run now: that clears its attempt limit and back-off.
    if (input.cause.kind === 'http') {
      const retried = evaluation.plan.filter((step) => approves(input.approvals, step));
      for (const ruleId of new Set(retried.map((step) => step.ruleId))) {
        if ((attempts.get(ruleId)?.count ?? 0) === 0) continue;
        await store.resetAttempts(clusterId, ruleId);
        attempts.set(ruleId, { count: 0 });
        input.log.info(`${clusterId}: attempts of ${ruleId} reset: ${input.cause.caller ?? 'a caller'} asked for it to run now`);
      }
    }
  }

  const intents = new Map<string, RemediationRef>();
  const overrides = new Map<string, RuleOverride>();
  let continueAfter: Continuation | undefined;
  const continueIn = (delaySeconds: number, reason: string): void => {
    const seconds = Math.max(1, Math.ceil(delaySeconds));
    if (!continueAfter || seconds < continueAfter.delaySeconds) continueAfter = { delaySeconds: seconds, reason };
  };
  let transientFailure: ArmFailure | undefined;
  const giveUp = (step: PlanStep, lastError: ErrorInfo): void => {
    overrides.set(step.ruleId, { ruleId: step.ruleId, status: 'RemediationFailed', lastError });
  };
  const stepProperties = (step: PlanStep) => ({ clusterId, stepId: step.id, ruleId: step.ruleId, action: step.action, causeKind: input.cause.kind, causeId: input.cause.id });

  const beforeWrite = async (step: PlanStep): Promise<void | { skip: Omit<StepReport, 'step'> }> => {
    const tried = attempts.get(step.ruleId) ?? { count: 0 };
    if (tried.count >= max) {
      const lastError = tried.lastError ?? { code: 'AttemptLimitReached', message: `${clusterId}: ${tried.count} attempts did not fix ${step.ruleId}` };
      giveUp(step, lastError);
      return { skip: { outcome: 'failed', reason: `gave up after ${tried.count} attempts (MAX_REMEDIATION_ATTEMPTS=${max}); last error ${lastError.code}` } };
    }
    const next = tried.nextAttemptAfter ? Date.parse(tried.nextAttemptAfter) : Number.NaN;
    if (next > now.getTime()) {
      continueIn((next - now.getTime()) / 1000, `back-off of ${step.ruleId}`);
      return { skip: { outcome: 'try-later', reason: `backing off after attempt ${tried.count}: the next attempt is due at ${tried.nextAttemptAfter}` } };
    }
    const open = await store.findOpenRemediation(clusterId, step.id);
    if (!open && targetBusy(step, snapshot)) {
      // Not an attempt and no intent row: ARM would refuse the write (409) while the resource is mid-operation.
      continueIn(tuning.continuationDelaySeconds, `${step.id} is waiting for a busy resource`);
      return { skip: { outcome: 'try-later', reason: 'the cluster or extension is mid-operation (its provisioningState says an operation is running); trying again later' } };
    }
    if (open) {
      const age = now.getTime() - Date.parse(open.startedAt);
      if (targetBusy(step, snapshot) || age < tuning.openRemediationGraceMs) {
        continueIn(tuning.continuationDelaySeconds, `confirm ${step.id}`);
        return { skip: { outcome: 'started', reason: `a write for this step (intent ${open.status} at ${open.startedAt}) may still be in flight; not writing again` } };
      }
      await completeOpenRow(services, open, 'Failed', now, input.log, { code: 'NotConfirmed', message: `${clusterId}: the write of ${step.id} started at ${open.startedAt} did not fix ${step.ruleId}` });
    }
    intents.set(
      step.id,
      await store.startRemediation({
        clusterId,
        stepId: step.id,
        ruleId: step.ruleId,
        action: step.action,
        attempt: tried.count + 1,
        cause: input.cause,
        request: { method: step.change.method, path: step.change.path },
        now,
      }),
    );
    await services.remediationHooks?.afterIntent?.(step);
  };

  const afterWrite = async (step: PlanStep, handle: OperationHandle): Promise<void> => {
    await services.remediationHooks?.afterWrite?.(step, handle);
    const intent = intents.get(step.id);
    if (!intent) return;
    const record = async (error?: ErrorInfo): Promise<Attempts> => {
      const recorded = await store.recordAttempt(clusterId, step.ruleId, {
        now,
        backoffBaseSeconds: tuning.backoffBaseSeconds,
        maxBackoffSeconds: tuning.maxBackoffSeconds,
        ...(error ? { error } : {}),
      });
      attempts.set(step.ruleId, recorded);
      return recorded;
    };
    if (handle.started) {
      await record();
      await store.completeRemediation(intent, { outcome: 'Accepted', armOperation: { ...(handle.correlationId ? { correlationId: handle.correlationId } : {}), status: 'InProgress' } });
      telemetry.event('RemediationStarted', { ...stepProperties(step), armCorrelationId: handle.correlationId, eventId: input.cause.kind === 'event' ? input.cause.id : undefined });
      input.log.info(`${clusterId}: started ${step.id} (ARM correlation ${handle.correlationId ?? 'unknown'})`);
      continueIn(tuning.continuationDelaySeconds, `confirm ${step.id}`);
      return;
    }
    const outcome = await handle.wait();
    switch (outcome.status) {
      case 'succeeded':
        await store.completeRemediation(intent, { outcome: 'Succeeded' });
        return;
      case 'not-needed':
        await store.completeRemediation(intent, { outcome: 'Skipped', error: { code: 'NotNeeded', message: outcome.reason } });
        return;
      case 'try-later': {
        // Not an attempt: the same step can run later, unchanged.
        await store.completeRemediation(intent, { outcome: 'Skipped', error: errorInfo(outcome.failure) });
        if (outcome.failure.kind === 'throttled' || outcome.failure.kind === 'transient') transientFailure ??= outcome.failure;
        else continueIn(tuning.continuationDelaySeconds, `${step.id} is waiting for a busy resource`);
        input.log.warn(`${clusterId}: ${step.id} not written now (${outcome.failure.kind}): ${outcome.failure.message}`);
        return;
      }
      case 'failed': {
        const recorded = await record(errorInfo(outcome.failure));
        await store.completeRemediation(intent, { outcome: 'Failed', error: errorInfo(outcome.failure) });
        const final = recorded.count >= max;
        if (final) giveUp(step, errorInfo(outcome.failure));
        else if (recorded.nextAttemptAfter) continueIn((Date.parse(recorded.nextAttemptAfter) - now.getTime()) / 1000, `retry ${step.id} after its back-off`);
        telemetry.event('RemediationFailed', { ...stepProperties(step), errorCode: outcome.failure.code, attempt: recorded.count, final });
        input.log.error(`${clusterId}: ${step.id} failed (attempt ${recorded.count} of ${max}): ${outcome.failure.message}`);
        return;
      }
    }
  };

  const result = await evaluateAndRemediate({
    clusterId,
    baseline: services.baseline,
    arm: services.arm(),
    approvals: input.approvals,
    apply: input.apply,
    wait: false,
    now,
    snapshot,
    env: services.env,
    hooks: { beforeWrite, afterWrite },
  });

  // A rule at its attempt limit is RemediationFailed even when its step did not get as far as trying.
  for (const step of evaluation.plan) {
    const tried = attempts.get(step.ruleId);
    if (mayRun(step) && tried && tried.count >= max && !overrides.has(step.ruleId)) {
      giveUp(step, tried.lastError ?? { code: 'AttemptLimitReached', message: `${clusterId}: ${tried.count} attempts did not fix ${step.ruleId}` });
    }
  }
  const ruleOverrides = [...overrides.values()];
  const status = recordedStatus(evaluation, ruleOverrides);
  if (!input.apply) return { found: true, clusterId, snapshot, evaluation, steps: result.steps, status, ruleOverrides, transitions: [] };

  await confirmFixedRemediations(services, clusterId, evaluation, new Set([...intents.values()].map((ref) => ref.rowKey)), now, input.log);
  const transitions = await store.recordEvaluation(clusterId, evaluation, input.cause, { now, ruleOverrides, location: snapshot.location });
  // A rule that is fixed starts with a clean slate of attempts the next time it drifts.
  const fixed = transitions.filter((t) => t.ruleId !== undefined && t.to !== null && isPassingStatus(t.to) && t.from !== null && !isPassingStatus(t.from));
  await Promise.all(fixed.map((t) => store.resetAttempts(clusterId, t.ruleId as string)));

  if (!continueAfter && evaluation.status !== 'Compliant' && (isBusy(snapshot.provisioningState) || snapshot.extensions.some((e) => isBusy(e.provisioningState)))) {
    continueIn(tuning.continuationDelaySeconds, 'the cluster or an extension is mid-operation');
  }
  telemetry.event('ClusterEvaluated', {
    clusterId,
    status,
    causeKind: input.cause.kind,
    causeId: input.cause.id,
    correlationId: input.cause.correlationId,
    steps: result.steps.length,
    started: result.steps.filter((s) => s.outcome === 'started').length,
    transitions: transitions.length,
  });
  return {
    found: true,
    clusterId,
    snapshot,
    evaluation,
    steps: result.steps,
    status,
    ruleOverrides,
    transitions,
    ...(continueAfter && !transientFailure ? { continuation: continueAfter } : {}),
    ...(transientFailure ? { transientFailure } : {}),
  };
}

/** Open intent rows whose rule is now fixed: the write they started has done its job. */
async function confirmFixedRemediations(services: AppServices, clusterId: string, evaluation: Evaluation, startedNow: ReadonlySet<string>, now: Date, log: Log): Promise<void> {
  const statusOf = new Map(evaluation.results.map((result) => [result.ruleId, result.status as string]));
  const rows = await services.store.listRemediations(clusterId, { limit: OPEN_ROWS_TO_CHECK });
  for (const row of rows) {
    if ((row.status !== 'Started' && row.status !== 'Accepted') || startedNow.has(row.ref.rowKey)) continue;
    if (!isPassingStatus(statusOf.get(row.ruleId) ?? '')) continue;
    if (await completeOpenRow(services, row, 'Succeeded', now, log)) {
      services.telemetry.event('RemediationSucceeded', { clusterId, stepId: row.stepId, ruleId: row.ruleId, armCorrelationId: row.armOperation?.correlationId, confirmedBy: 'evaluation' });
    }
  }
}

/** Completes an open row; false when someone else completed it first. */
async function completeOpenRow(services: AppServices, row: RemediationRecord, outcome: 'Succeeded' | 'Failed', now: Date, log: Log, error?: ErrorInfo): Promise<boolean> {
  try {
    await services.store.completeRemediation(row.ref, {
      outcome,
      now,
      ...(row.armOperation ? { armOperation: { ...row.armOperation, status: outcome } } : {}),
      ...(error ? { error } : {}),
    });
    return true;
  } catch (thrown) {
    log.warn(`${row.clusterId}: remediation ${row.stepId} was completed concurrently (${String(thrown)})`);
    return false;
  }
}

export type LeaseResult<T> = { acquired: true; value: T } | { acquired: false };

/** Runs `work` holding the cluster's lease; `{ acquired: false }` when someone else holds it. */
export async function withClusterLease<T>(services: AppServices, clusterId: string, owner: string, work: () => Promise<T>): Promise<LeaseResult<T>> {
  const lease = await services.store.acquireLease(clusterId, owner, services.tuning.leaseTtlMs, services.clock());
  if (!lease) return { acquired: false };
  try {
    return { acquired: true, value: await work() };
  } finally {
    await services.store.releaseLease(lease);
  }
}

/** The work item that evaluates the cluster again later, keeping the original cause, approvals and approver. */
export function continuationOf(item: EvaluationWorkItem, now: Date): EvaluationWorkItem {
  const cause: Cause = { ...item.cause, kind: 'continuation' };
  return {
    clusterId: item.clusterId,
    cause,
    enqueuedAt: now.toISOString(),
    ...(item.approvals && item.approvals.length > 0 ? { approvals: [...item.approvals] } : {}),
    attempt: (item.attempt ?? 0) + 1,
  };
}

/** Enqueues the continuation unless the chain is at its limit; returns whether it did. */
export async function scheduleContinuation(services: AppServices, item: EvaluationWorkItem, continuation: Continuation, log: Log): Promise<boolean> {
  if ((item.attempt ?? 0) >= services.tuning.maxContinuations) {
    log.warn(`${item.clusterId}: ${services.tuning.maxContinuations} continuations in a row; leaving it to the next sweep or event (${continuation.reason})`);
    return false;
  }
  await services.queue.enqueue(continuationOf(item, services.clock()), { visibilityDelaySeconds: continuation.delaySeconds });
  log.info(`${item.clusterId}: evaluating again in ${continuation.delaySeconds} s (${continuation.reason})`);
  return true;
}

export type WorkerOutcome =
  | { kind: 'evaluated'; run: EvaluationRun; continued: boolean }
  | { kind: 'deleted'; clusterId: string }
  | { kind: 'lease-busy'; clusterId: string }
  | { kind: 'out-of-scope'; clusterId: string; reason: string };

/** Thrown when a write met a throttled or transient ARM failure: the queue retries the message. */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  constructor(readonly failure: ArmFailure) {
    super(`retry later: ${failure.message}`);
  }
}

/**
 * Handles one evaluation message. Throws InvalidWorkItemError for a message that is not a work item (the
 * host moves it to the poison queue after maxDequeueCount), ArmError/RetryLaterError for transient ARM failures
 * and StorageError for store failures: all of those are retried by the queue.
 */
export async function processEvaluationMessage(services: AppServices, message: unknown, invocation: { invocationId: string; log: Log }): Promise<WorkerOutcome> {
  const item = parseWorkItem(message);
  const { log } = invocation;
  const outOfScope = outOfScopeReason(services, item.clusterId);
  if (outOfScope) {
    log.warn(`${item.clusterId}: not evaluated: ${outOfScope}`);
    return { kind: 'out-of-scope', clusterId: item.clusterId, reason: outOfScope };
  }
  // From here on, a new event for this cluster must enqueue a new evaluation: this one may read too early for it.
  if (item.cause.kind === 'event') await services.store.clearPendingEvaluation(item.clusterId);

  const leased = await withClusterLease(services, item.clusterId, invocation.invocationId, () =>
    runEvaluation(services, { clusterId: item.clusterId, cause: item.cause, approvals: item.approvals ?? [], apply: true, log }),
  );
  if (!leased.acquired) {
    // Someone else is evaluating it; they may have read before the change that sent us. Look again shortly.
    await services.queue.enqueue(item, { visibilityDelaySeconds: services.tuning.leaseBusyRetrySeconds });
    log.info(`${item.clusterId}: another worker holds the lease; evaluating again in ${services.tuning.leaseBusyRetrySeconds} s`);
    return { kind: 'lease-busy', clusterId: item.clusterId };
  }
  const run = leased.value;
  if (!run.found) return { kind: 'deleted', clusterId: run.clusterId };

  if (item.cause.kind === 'event') {
    services.telemetry.metric('EventToRecordLatencyMs', services.clock().getTime() - Date.parse(item.enqueuedAt), { clusterId: run.clusterId, eventId: item.cause.id });
  }
  if (run.transientFailure) throw new RetryLaterError(run.transientFailure);
  const continued = run.continuation ? await scheduleContinuation(services, item, run.continuation, log) : false;
  log.info(`${run.clusterId}: ${run.status}; ${describeSteps(run.steps)}`);
  return { kind: 'evaluated', run, continued };
}

function describeSteps(steps: readonly StepReport[]): string {
  if (steps.length === 0) return 'nothing to do';
  return steps.map((report) => `${report.step.id} ${report.outcome}`).join(', ');
}
