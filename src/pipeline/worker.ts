// The queue worker behind evaluateCluster: one message = one cluster to evaluate and, where the baseline says so,
// remediate. It parses the message, checks scope, takes the cluster's lease, runs the evaluation pipeline with the
// queue's policy, and then acts on what the run returned: a continuation message to confirm the writes it started
// (or to wait out a busy cluster or a back-off), or a throw so that the queue retries a throttled write.
import { parseWorkItem } from '../azure/storage/queue.js';
import type { ArmFailure } from '../azure/errors.js';
import type { Cause, EvaluationWorkItem, Log } from '../ports.js';
import { runEvaluation, type EvaluationRun, type FollowUp, type StepReport } from './evaluation.js';
import { intentRules, queuePolicy } from './policies.js';
import { outOfScopeReason } from './scope.js';
import { evaluationDeps, queueOf, type AppServices, type Lane } from './services.js';

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
 * Handles one evaluation message. Throws InvalidWorkItemError for a message that is not a work item (the host
 * moves it to the poison queue after maxDequeueCount), ArmError/RetryLaterError for transient ARM failures and
 * StorageError for store failures: all of those are retried by the queue.
 */
export async function processEvaluationMessage(services: AppServices, message: unknown, invocation: { invocationId: string; log: Log; lane?: Lane }): Promise<WorkerOutcome> {
  const item = parseWorkItem(message);
  const { log } = invocation;
  const queue = queueOf(services, invocation.lane ?? 'evaluations');
  const { store, tuning } = services;
  const outOfScope = outOfScopeReason(services, item.clusterId);
  if (outOfScope) {
    log.warn(`${item.clusterId}: not evaluated: ${outOfScope}`);
    return { kind: 'out-of-scope', clusterId: item.clusterId, reason: outOfScope };
  }
  // From here on, a new event for this cluster must enqueue a new evaluation: this one may read too early for it.
  if (item.cause.kind === 'event') await store.clearPendingEvaluation(item.clusterId);

  const lease = await store.acquireLease(item.clusterId, invocation.invocationId, tuning.leaseTtlMs, services.clock());
  if (!lease) {
    // Someone else is evaluating it; they may have read before the change that sent us. Look again shortly.
    await queue.enqueue(item, { visibilityDelaySeconds: tuning.leaseBusyRetrySeconds });
    log.info(`${item.clusterId}: another worker holds the lease; evaluating again in ${tuning.leaseBusyRetrySeconds} s`);
    return { kind: 'lease-busy', clusterId: item.clusterId };
  }
  let result;
  try {
    const policy = queuePolicy(item, intentRules(services.config.maxRemediationAttempts, tuning));
    result = await runEvaluation(evaluationDeps(services), policy, { clusterId: item.clusterId, cause: item.cause, now: services.clock(), log });
  } finally {
    await store.releaseLease(lease);
  }
  if (!result.found) return { kind: 'deleted', clusterId: result.clusterId };

  if (item.cause.kind === 'event') {
    services.telemetry.metric('EventToRecordLatencyMs', services.clock().getTime() - Date.parse(item.enqueuedAt), { clusterId: result.clusterId, eventId: item.cause.id });
  }
  if (result.retryLater) throw new RetryLaterError(result.retryLater);
  const continued = result.followUp ? await scheduleContinuation({ ...services, queue }, item, result.followUp, log) : false;
  log.info(`${result.clusterId}: ${result.status}; ${describeSteps(result.steps)}`);
  return { kind: 'evaluated', run: result, continued };
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

/** Enqueues the continuation on `queue` (the lane it belongs to) unless the chain is at its limit; returns whether it did. */
export async function scheduleContinuation(services: Pick<AppServices, 'queue' | 'tuning' | 'clock'>, item: EvaluationWorkItem, followUp: FollowUp, log: Log): Promise<boolean> {
  if ((item.attempt ?? 0) >= services.tuning.maxContinuations) {
    log.warn(`${item.clusterId}: ${services.tuning.maxContinuations} continuations in a row; leaving it to the next sweep or event (${followUp.reason})`);
    return false;
  }
  await services.queue.enqueue(continuationOf(item, services.clock()), { visibilityDelaySeconds: followUp.delaySeconds });
  log.info(`${item.clusterId}: evaluating again in ${followUp.delaySeconds} s (${followUp.reason})`);
  return true;
}

function describeSteps(steps: readonly StepReport[]): string {
  if (steps.length === 0) return 'nothing to do';
  return steps.map((report) => `${report.step.id} ${report.outcome}`).join(', ');
}
