// The queue worker behind evaluateCluster and evaluateChangedCluster: one message = one cluster to evaluate and, where
// the baseline says so, remediate. It parses the message, checks scope, takes the cluster's lease (in one write when
// the message carries the cluster's pending mark, with the cluster read beside that write), runs the evaluation
// pipeline with the queue's policy, ends the lease (the trailing edge: a follow-up when events joined that the read
// may have missed), and then acts on what the run returned: a continuation message to confirm the writes it started
// (or to wait out a busy cluster or a back-off), or a throw so that the queue retries a throttled write.
import { parseWorkItem } from '../azure/storage/queue.js';
import type { ArmFailure } from '../azure/errors.js';
import type { AppConfig, WorkerTuning } from '../config.js';
import type { Cause, EvaluationWorkItem, Lease, LeaseManager, Log, RecordedBasis, WorkQueue } from '../ports.js';
import { runEvaluation, startRead, type EvaluationRun, type FollowUp, type StepReport } from './evaluation.js';
import { intentRules, queuePolicy } from './policies.js';
import { outOfScopeReason } from './scope.js';
import { evaluationDeps, queueOf, type AppServices, type Lane } from './services.js';

export type WorkerOutcome =
  /** `continued`: a continuation was enqueued (to confirm a write); `followedUp`: a follow-up, for events that joined. */
  | { kind: 'evaluated'; run: EvaluationRun; continued: boolean; followedUp: boolean }
  | { kind: 'deleted'; clusterId: string }
  | { kind: 'lease-busy'; clusterId: string }
  /** An event whose change a read made since (recorded in the state row) already saw: nothing read again. */
  | { kind: 'covered'; clusterId: string; readAt: string }
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
 * StorageError for store failures: all of those are retried by the queue. Where the services carry a LanePriority (an
 * instance that runs both lanes), a sweep-lane message waits its turn behind event evaluations before it starts.
 */
export async function processEvaluationMessage(services: AppServices, message: unknown, invocation: WorkerInvocation): Promise<WorkerOutcome> {
  const handle = (): Promise<WorkerOutcome> => handleEvaluationMessage(services, message, invocation);
  if (!services.lanes) return handle();
  return (invocation.lane ?? 'evaluations') === 'events' ? services.lanes.event(handle) : services.lanes.sweep(handle);
}

interface WorkerInvocation {
  invocationId: string;
  log: Log;
  lane?: Lane;
}

async function handleEvaluationMessage(services: AppServices, message: unknown, invocation: WorkerInvocation): Promise<WorkerOutcome> {
  const item = parseWorkItem(message);
  const { log } = invocation;
  const { store, tuning } = services;
  const queue = queueOf(services, invocation.lane ?? 'evaluations');
  const outOfScope = outOfScopeReason(services, item.clusterId);
  if (outOfScope) {
    // Its pending mark would hold back the cluster's next event: drop it with the message.
    if (item.pendingEtag) await store.abandonPending({ clusterId: item.clusterId, etag: item.pendingEtag });
    log.warn(`${item.clusterId}: not evaluated: ${outOfScope}`);
    return { kind: 'out-of-scope', clusterId: item.clusterId, reason: outOfScope };
  }

  const deps = evaluationDeps(services);
  const policy = queuePolicy(item, intentRules(services.config.maxRemediationAttempts, tuning));
  // Taken before the read: an event after this may not be in what the run reads.
  const earlyReadAt = services.clock();
  // An event that is not fresh (a storm delivered over minutes, a redelivery) may predate a read the cluster has had
  // since: the state row says when its evaluation read ARM. Then that read saw the change, and reading again is waste.
  const oldEvent = isOldEvent(item, earlyReadAt, tuning.eventTimeMarginMs);
  // While the cluster's pending mark is held, no evaluation of it runs: a fresh event's reads start beside the write
  // that turns the mark into the lease, not after it. They count only if the lease replaced that very mark.
  const earlyRead = item.pendingEtag && !oldEvent ? startRead(deps, policy, { clusterId: item.clusterId, cause: item.cause, now: earlyReadAt, log }) : undefined;
  // Awaited below when the lease replaced the mark; otherwise dropped (its failure then does not matter).
  earlyRead?.catch(() => undefined);

  // The pending mark the message was enqueued under becomes the lease in one write.
  const takeover = item.pendingEtag ? { etag: item.pendingEtag, ...(item.cause.kind === 'event' ? { eventId: item.cause.id } : {}) } : undefined;
  const lease = await store.acquireLease(item.clusterId, invocation.invocationId, tuning.leaseTtlMs, services.clock(), takeover);
  if (!lease) {
    // Someone else is evaluating it; they may have read before the change that sent us. Look again shortly.
    const { pendingEtag: _taken, ...again } = item;
    await queue.enqueue(again, { visibilityDelaySeconds: tuning.leaseBusyRetrySeconds });
    log.info(`${item.clusterId}: another worker holds the lease; evaluating again in ${tuning.leaseBusyRetrySeconds} s`);
    return { kind: 'lease-busy', clusterId: item.clusterId };
  }
  // Another evaluation ran between the mark and the lease: what the early reads saw may be older than its writes.
  const read = lease.tookOverMark ? earlyRead : undefined;
  if (earlyRead && !read) log.info(`${item.clusterId}: the pending mark changed hands before the lease was taken; reading again under the lease`);
  const readAt = read ? earlyReadAt : services.clock();
  let result;
  try {
    const basis = oldEvent ? await store.readBasis(item.clusterId) : undefined;
    const coveredBy = basis ? readCovering(basis, item, tuning.eventTimeMarginMs) : undefined;
    if (coveredBy) {
      await endLease(services, lease, coveredBy, log);
      log.info(`${item.clusterId}: the change of ${item.cause.id} (at ${item.enqueuedAt}) was seen by the read at ${coveredBy.toISOString()}; not read again`);
      return { kind: 'covered', clusterId: item.clusterId, readAt: coveredBy.toISOString() };
    }
    result = await runEvaluation(deps, policy, { clusterId: item.clusterId, cause: item.cause, now: readAt, log, ...(basis ? { basis } : {}), ...(read ? { read } : {}) });
  } catch (error) {
    // The queue delivers this message again, and that run reads again: whatever joined meanwhile is covered.
    await endLease(services, lease, undefined, log).catch((release: unknown) => log.error(`${item.clusterId}: could not release the lease: ${String(release)}`));
    throw error;
  }
  // A retry or a continuation reads the cluster again anyway, and covers events that joined meanwhile.
  const looksAgain = !result.found || result.retryLater !== undefined || result.followUp !== undefined;
  const followedUp = await endLease(services, lease, looksAgain ? undefined : readAt, log);
  if (!result.found) return { kind: 'deleted', clusterId: result.clusterId };

  if (item.cause.kind === 'event') {
    services.telemetry.metric('EventToRecordLatencyMs', services.clock().getTime() - Date.parse(item.enqueuedAt), { clusterId: result.clusterId, eventId: item.cause.id });
  }
  if (result.retryLater) throw new RetryLaterError(result.retryLater);
  const continued = result.followUp ? await scheduleContinuation({ ...services, queue }, item, result.followUp, log) : false;
  log.info(`${result.clusterId}: ${result.status}; ${describeSteps(result.steps)}`);
  return { kind: 'evaluated', run: result, continued, followedUp };
}

/** An event's change, when the event is older than a fresh one by more than the clock margin (twice over). */
function isOldEvent(item: EvaluationWorkItem, now: Date, marginMs: number): boolean {
  if (item.cause.kind !== 'event') return false;
  const changedAt = Date.parse(item.enqueuedAt);
  return Number.isFinite(changedAt) && now.getTime() - changedAt > 2 * marginMs;
}

/**
 * The time of the recorded read that saw the item's change (it began at least the clock margin after it), if any. A
 * record that says remediations may be open does not cover: the run that wrote it may have died after its writes (the
 * record goes down before them), and reading again is what confirms them.
 */
function readCovering(basis: RecordedBasis, item: EvaluationWorkItem, marginMs: number): Date | undefined {
  const readAt = basis.state ? Date.parse(basis.state.evaluatedAt) : Number.NaN;
  if (!basis.state || basis.state.status === 'Deleted' || basis.remediationsOpen || !Number.isFinite(readAt)) return undefined;
  return readAt - marginMs >= Date.parse(item.enqueuedAt) ? new Date(readAt) : undefined;
}

/** What ending a lease needs: the worker's services, or the CLI scan's (which has no app settings beyond these). */
export interface LeaseEnding {
  store: Pick<LeaseManager, 'releaseLease' | 'abandonPending'>;
  eventQueue: WorkQueue;
  tuning: Pick<WorkerTuning, 'eventTimeMarginMs'>;
  config: Pick<AppConfig, 'coalesceWindowSeconds'>;
  clock(): Date;
}

/**
 * Ends the lease of a run that read the cluster at `readAt` (the trailing edge). When events joined during the run and
 * the newest may postdate the read, the lease becomes a pending mark and a follow-up evaluation goes on the events
 * lane, after COALESCE_WINDOW_SECONDS so that the rest of a burst lands first; events that join it meanwhile cost one
 * write each and no read. Without `readAt` (the run failed, or a retry or continuation reads again anyway) the lease is
 * only released. Returns whether a follow-up was enqueued; throws when it could not be (after dropping the mark, so
 * the next event starts an evaluation again), so that the caller's message is retried instead.
 */
export async function endLease(services: LeaseEnding, lease: Lease, readAt: Date | undefined, log: Log): Promise<boolean> {
  const { store, tuning } = services;
  const mark = await store.releaseLease(lease, readAt ? { readAt, marginMs: tuning.eventTimeMarginMs, now: services.clock() } : undefined);
  if (!mark) return false;
  const item: EvaluationWorkItem = { clusterId: mark.clusterId, cause: { kind: 'event', id: mark.eventId ?? `follow-up-${mark.eventTime}` }, enqueuedAt: mark.eventTime, pendingEtag: mark.etag };
  const delaySeconds = services.config.coalesceWindowSeconds;
  try {
    await services.eventQueue.enqueue(item, { visibilityDelaySeconds: delaySeconds });
  } catch (error) {
    await store.abandonPending(mark).catch((abandon: unknown) => log.error(`${mark.clusterId}: could not drop the pending mark: ${String(abandon)}`));
    throw error;
  }
  log.info(`${mark.clusterId}: an event at ${mark.eventTime} may postdate the read; evaluating again in ${delaySeconds} s`);
  return true;
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
