// The event intake shared by onResourceEvent and `events replay`: decide, dedupe, coalesce, enqueue. It only
// filters and enqueues (no ARM calls), so Event Grid gets its answer in milliseconds. The event is a hint:
// the worker re-reads the cluster, so a replayed or late event is always safe.
//
// Leading edge, trailing edge: the first event for a cluster with nothing pending or running enqueues its evaluation
// at once, with no delay (one write claims the id and marks the cluster, then one send). Events that arrive while that
// evaluation is pending or running only join it (one more write); when it ends, the worker evaluates again, after
// COALESCE_WINDOW_SECONDS, only if the newest of them may postdate its read (worker.ts, coordination.ts). So an
// isolated change is read at once, and a storm costs about one read per cluster plus at most one to confirm.
import { decideResourceEvent, type ResourceEventDecision } from '../azure/resourceEvents.js';
import type { Cause, Log } from '../ports.js';
import { outOfScopeReason } from './scope.js';
import type { AppServices } from './services.js';

export const INTAKE_OUTCOMES = [
  /** Not a cluster or extension write/delete nor a cluster start, malformed, or out of scope. */
  'ignored',
  /** Already handled: Event Grid delivered it again. */
  'duplicate',
  /** A cluster delete: its state row is now Deleted. */
  'marked-deleted',
  /**
   * A write by this app itself: it confirms that ARM accepted the write, and starts nothing. It settles no remediation:
   * Event Grid sends it when ARM accepts a write, before the operation ends; the worker reads the operation's status.
   */
  'confirmation',
  /** An evaluation of the cluster is already pending or running: the event joins it. */
  'coalesced',
  'enqueued',
] as const;
export type IntakeOutcome = (typeof INTAKE_OUTCOMES)[number];

export interface IntakeResult {
  decision: ResourceEventDecision;
  outcome: IntakeOutcome;
  /** For ignored events: why, in words a person can act on. */
  reason: string;
}

/**
 * Takes one raw event (Event Grid schema or CloudEvents). Throws only when storage fails, after undoing its
 * claims, so the delivery can be retried and nothing is lost.
 */
export async function takeResourceEvent(services: AppServices, raw: unknown, log: Log): Promise<IntakeResult> {
  const decision = await decideResourceEvent(raw, services.self);
  if (!decision.accepted || !decision.clusterId || !decision.id) return ignore(services, decision, decision.reason, log);
  const outOfScope = outOfScopeReason(services, decision.clusterId);
  if (outOfScope) return ignore(services, decision, `ignored: ${outOfScope}`, log);

  const { clusterId, id } = decision;
  const now = services.clock();
  const { store } = services;
  const duplicate = (): IntakeResult => {
    log.info(`event ${id}: already handled (duplicate delivery) for ${clusterId}`);
    return { decision, outcome: 'duplicate', reason: 'duplicate delivery' };
  };
  const cause: Cause = { kind: 'event', id, ...(decision.correlationId ? { correlationId: decision.correlationId } : {}) };
  const accepted = (extra: Record<string, string | number | boolean>) =>
    services.telemetry.event('EventAccepted', { eventId: id, clusterId, operation: decision.operation, target: decision.target, correlationId: decision.correlationId, ...extra });

  // Cluster deletes and the app's own writes start nothing: they claim the id only. An own write's event says ARM
  // accepted the write, not that its operation succeeded: the worker's continuation reads the operation's status.
  const clusterDeleted = decision.operation === 'delete' && decision.target === 'cluster';
  if (clusterDeleted || decision.causedBySelf) {
    if (!(await store.claimEvent(clusterId, id, now))) return duplicate();
    try {
      if (clusterDeleted) {
        await store.markDeleted(clusterId, cause, now);
        accepted({ outcome: 'marked-deleted' });
        log.info(`event ${id}: cluster ${clusterId} was deleted; its state is now Deleted (history kept)`);
        return { decision, outcome: 'marked-deleted', reason: decision.reason };
      }
      accepted({ outcome: 'confirmation' });
      log.info(`event ${id}: our own ${decision.target ?? 'resource'} ${decision.operation ?? 'write'} on ${clusterId} was accepted (correlation ${decision.correlationId ?? 'none'}); its operation's outcome is the worker's to read; nothing enqueued`);
      return { decision, outcome: 'confirmation', reason: decision.reason };
    } catch (error) {
      // Nothing durable happened for this event: let the redelivery do it all again.
      await store.releaseEventClaim(clusterId, id).catch((release: unknown) => log.error(`event ${id}: could not release the claim: ${String(release)}`));
      throw error;
    }
  }

  // When the change happened, by the sender's clock; the arrival time when the event does not say.
  const eventTime = decision.eventTime !== undefined && !Number.isNaN(Date.parse(decision.eventTime)) ? new Date(decision.eventTime).toISOString() : now.toISOString();
  const claim = await store.claimChange(clusterId, { id, time: eventTime }, now);
  if (claim.outcome === 'duplicate') return duplicate();
  if (claim.outcome === 'joined') {
    accepted({ outcome: 'coalesced' });
    log.info(`event ${id}: an evaluation of ${clusterId} is already pending or running; the event joins it`);
    return { decision, outcome: 'coalesced', reason: decision.reason };
  }
  try {
    // No delay: the first event of a cluster is read at once. What follows it joins, and is looked at again after.
    await services.eventQueue.enqueue({ clusterId, cause, enqueuedAt: eventTime, pendingEtag: claim.pending.etag });
  } catch (error) {
    // Nothing durable happened for this event: undo the claim and the mark, and let the redelivery do it all again.
    await store.releaseEventClaim(clusterId, id, claim.pending).catch((release: unknown) => log.error(`event ${id}: could not release the claim: ${String(release)}`));
    throw error;
  }
  accepted({ outcome: 'enqueued' });
  log.info(`event ${id}: ${decision.target ?? 'resource'} ${decision.operation ?? 'write'} on ${clusterId}; evaluation enqueued`);
  return { decision, outcome: 'enqueued', reason: decision.reason };
}

function ignore(services: AppServices, decision: ResourceEventDecision, reason: string, log: Log): IntakeResult {
  services.telemetry.event('EventIgnored', { eventId: decision.id, eventType: decision.type, schema: decision.schema, reason });
  log.info(`event ${decision.id ?? '(no id)'} (${decision.type ?? 'no type'}): ${reason}`);
  return { decision, outcome: 'ignored', reason };
}
