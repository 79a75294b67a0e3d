// The event intake shared by onResourceEvent and `events replay`: decide, dedupe, coalesce, enqueue. It only
// filters and enqueues (no ARM calls), so Event Grid gets its answer in milliseconds. The event is a hint:
// the worker re-reads the cluster, so a replayed or late event is always safe.
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
  /** A write by this app itself: it confirms a remediation and starts nothing. */
  'confirmation',
  /** An evaluation of the cluster is already pending within the coalescing window. */
  'coalesced',
  'enqueued',
] as const;
export type IntakeOutcome = (typeof INTAKE_OUTCOMES)[number];

export interface IntakeResult {
  decision: ResourceEventDecision;
  outcome: IntakeOutcome;
  /** For ignored events: why, in words a person can act on. */
  reason: string;
  /** For confirmations: how many open remediation rows the event completed. */
  confirmed?: number;
}

const OPEN_ROWS_TO_CHECK = 20;

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
  if (!(await services.store.claimEvent(id, now))) {
    log.info(`event ${id}: already handled (duplicate delivery) for ${clusterId}`);
    return { decision, outcome: 'duplicate', reason: 'duplicate delivery' };
  }
  const cause: Cause = { kind: 'event', id, ...(decision.correlationId ? { correlationId: decision.correlationId } : {}) };
  const accepted = (extra: Record<string, string | number | boolean>) =>
    services.telemetry.event('EventAccepted', { eventId: id, clusterId, operation: decision.operation, target: decision.target, correlationId: decision.correlationId, ...extra });

  try {
    if (decision.operation === 'delete' && decision.target === 'cluster') {
      await services.store.markDeleted(clusterId, cause, now);
      accepted({ outcome: 'marked-deleted' });
      log.info(`event ${id}: cluster ${clusterId} was deleted; its state is now Deleted (history kept)`);
      return { decision, outcome: 'marked-deleted', reason: decision.reason };
    }
    if (decision.causedBySelf) {
      const confirmed = await confirmOwnWrite(services, clusterId, decision, now, log);
      accepted({ outcome: 'confirmation', confirmed });
      log.info(`event ${id}: our own ${decision.target ?? 'resource'} ${decision.operation ?? 'write'} on ${clusterId} (correlation ${decision.correlationId ?? 'none'}); nothing enqueued`);
      return { decision, outcome: 'confirmation', reason: decision.reason, confirmed };
    }

    const window = services.config.coalesceWindowSeconds;
    if (!(await services.store.claimPendingEvaluation(clusterId, window, now))) {
      accepted({ outcome: 'coalesced' });
      log.info(`event ${id}: an evaluation of ${clusterId} is already pending; coalesced`);
      return { decision, outcome: 'coalesced', reason: decision.reason };
    }
    try {
      // Delayed by the window, so the rest of a burst (an AKS update emits many writes) lands before we read.
      await services.queue.enqueue({ clusterId, cause, enqueuedAt: decision.eventTime ?? now.toISOString() }, { visibilityDelaySeconds: window });
    } catch (error) {
      await services.store.clearPendingEvaluation(clusterId);
      throw error;
    }
    accepted({ outcome: 'enqueued' });
    log.info(`event ${id}: ${decision.target ?? 'resource'} ${decision.operation ?? 'write'} on ${clusterId}; evaluation enqueued (in ${window} s)`);
    return { decision, outcome: 'enqueued', reason: decision.reason };
  } catch (error) {
    // Nothing durable happened for this event: let the redelivery do it all again.
    await services.store.releaseEventClaim(id).catch((release: unknown) => log.error(`event ${id}: could not release the claim: ${String(release)}`));
    throw error;
  }
}

function ignore(services: AppServices, decision: ResourceEventDecision, reason: string, log: Log): IntakeResult {
  services.telemetry.event('EventIgnored', { eventId: decision.id, eventType: decision.type, schema: decision.schema, reason });
  log.info(`event ${decision.id ?? '(no id)'} (${decision.type ?? 'no type'}): ${reason}`);
  return { decision, outcome: 'ignored', reason };
}

/**
 * Our own write finished (Event Grid reports writes once ARM accepted them as succeeded). Settle the matching
 * Accepted remediation rows, found by the ARM correlation id the worker stored. Rows still Started are left
 * alone: the worker that wrote the intent is completing them right now.
 */
async function confirmOwnWrite(services: AppServices, clusterId: string, decision: ResourceEventDecision, now: Date, log: Log): Promise<number> {
  if (!decision.correlationId) return 0;
  const correlationId = decision.correlationId.toLowerCase();
  const rows = await services.store.listRemediations(clusterId, { limit: OPEN_ROWS_TO_CHECK });
  let confirmed = 0;
  for (const row of rows) {
    if (row.status !== 'Accepted' || row.armOperation?.correlationId?.toLowerCase() !== correlationId) continue;
    try {
      await services.store.completeRemediation(row.ref, { outcome: 'Succeeded', armOperation: { ...row.armOperation, status: 'Succeeded' }, now });
      confirmed += 1;
      services.telemetry.event('RemediationSucceeded', { clusterId, stepId: row.stepId, ruleId: row.ruleId, armCorrelationId: decision.correlationId, confirmedBy: 'event' });
    } catch (error) {
      // Someone (the worker's re-evaluation) completed it first; that is the same answer.
      log.warn(`event ${decision.id ?? ''}: remediation ${row.stepId} on ${clusterId} was completed concurrently (${String(error)})`);
    }
  }
  return confirmed;
}
