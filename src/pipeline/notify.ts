// The compliance events out (docs/notifications.md): which events a recorded evaluation and the sweep give, and
// publishing them so that nothing here can fail the compliance work. The events themselves are built by
// src/events-out/events.ts; this module only decides when, from what the pipeline recorded:
//
//   ComplianceChanged   one per rule transition the run recorded (not the cluster's own status, not a rule dropped)
//   ApprovalRequested   a step awaiting approval whose rule went non-compliant in this run: once per transition,
//                       not on every sweep that finds it still waiting
//   RemediationFailed   a rule recorded RemediationFailed in this run (the attempt limit reached)
//   ExemptionExpiring   from the sweep: an exemption inside its notice period, once (claimed in the store)
//
// Every event id is derived from the recorded facts, so a publish retried after a failure carries the same id.
import {
  approvalRequestedEvent,
  complianceChangedEvent,
  EVENT_RULE_STATUSES,
  exemptionExpiringEvent,
  exemptionNoticeDue,
  remediationFailedEvent,
  type ComplianceCloudEvent,
  type EventRuleStatus,
} from '../events-out/events.js';
import { exemptionExpiry, isPassingStatus, type Baseline, type RuleOverride } from '../core/index.js';
import type { EventDeduplicator, EventsPublisher, Log, Transition } from '../ports.js';
import type { StepReport } from './evaluation.js';

/** What one recorded run says, as the events need it. */
export interface RecordedRun {
  transitions: readonly Transition[];
  steps: readonly StepReport[];
  ruleOverrides: readonly RuleOverride[];
  /** Writes tried for a rule, the last one included (the attempt tracker's count). */
  attemptsOf(ruleId: string): number | undefined;
}

/** What a publish came to, for the run's result and the logs. */
export interface PublishedEvents {
  /** Events built from the run. */
  built: number;
  /** Accepted by the topic in this call (held ones from earlier calls included). */
  sent: number;
  /** Given up on in this call. */
  dropped: number;
  /** Held by the publisher for its next call. */
  pending: number;
}

/** A transition's own key: the same recorded transition always gives the same event id. */
function transitionKey(transition: Transition): string {
  return `${transition.at}|${transition.from ?? '-'}|${transition.to ?? '-'}`;
}

function isEventStatus(status: string | null): status is EventRuleStatus {
  return status !== null && (EVENT_RULE_STATUSES as readonly string[]).includes(status);
}

/** The events a recorded run gives, in the order things happened: changes, then what waits, then what failed. */
export function eventsOfRun(run: RecordedRun): ComplianceCloudEvent[] {
  const ruleTransitions = run.transitions.filter((t): t is Transition & { ruleId: string } => t.ruleId !== undefined);
  const changed: ComplianceCloudEvent[] = [];
  for (const transition of ruleTransitions) {
    if (!isEventStatus(transition.to) || (transition.from !== null && !isEventStatus(transition.from)) || transition.from === transition.to) continue;
    const { kind, id, correlationId } = transition.cause;
    changed.push(
      complianceChangedEvent({
        clusterId: transition.clusterId,
        ruleId: transition.ruleId,
        from: transition.from,
        to: transition.to,
        // Never who asked (cause.caller): that stays in the store.
        cause: { kind, id, ...(correlationId ? { correlationId } : {}) },
        at: transition.at,
        transitionKey: transitionKey(transition),
      }),
    );
  }

  // The latest transition of each rule into a failing status, in this run.
  const wentFailing = new Map<string, Transition & { ruleId: string }>();
  for (const transition of ruleTransitions) {
    if (transition.to !== null && !isPassingStatus(transition.to)) wentFailing.set(transition.ruleId.toLowerCase(), transition);
  }

  const approvals: ComplianceCloudEvent[] = [];
  for (const report of run.steps) {
    if (report.outcome !== 'awaiting-approval') continue;
    const transition = wentFailing.get(report.step.ruleId.toLowerCase());
    if (!transition) continue;
    approvals.push(
      approvalRequestedEvent({
        clusterId: transition.clusterId,
        ruleId: report.step.ruleId,
        stepId: report.step.id,
        action: report.step.action,
        disrupts: report.step.disrupts ?? 'Nothing that the product documentation names.',
        planKey: transitionKey(transition),
        at: transition.at,
      }),
    );
  }

  const failures: ComplianceCloudEvent[] = [];
  for (const transition of ruleTransitions) {
    if (transition.to !== 'RemediationFailed') continue;
    const override = run.ruleOverrides.find((o) => o.ruleId.toLowerCase() === transition.ruleId.toLowerCase());
    const error: { code: string; message?: string } = override?.lastError ?? { code: 'AttemptLimitReached' };
    failures.push(
      remediationFailedEvent({
        clusterId: transition.clusterId,
        ruleId: transition.ruleId,
        attempts: Math.max(1, run.attemptsOf(transition.ruleId) ?? 1),
        error: { code: error.code, ...(error.message ? { message: error.message } : {}) },
        at: transition.at,
      }),
    );
  }
  return [...changed, ...approvals, ...failures];
}

/** The ExemptionExpiring events due at `now`: exemptions ending within `noticeDays`, for clusters `inScope` allows. */
export function exemptionNotices(baseline: Pick<Baseline, 'exemptions'>, now: Date, noticeDays: number, inScope: (clusterId: string) => boolean): ComplianceCloudEvent[] {
  const events: ComplianceCloudEvent[] = [];
  for (const exemption of baseline.exemptions) {
    const expiry = exemptionExpiry(exemption);
    if (Number.isNaN(expiry.getTime()) || !exemptionNoticeDue(expiry, now, noticeDays) || !inScope(exemption.clusterId)) continue;
    events.push(exemptionExpiringEvent({ clusterId: exemption.clusterId, ruleId: exemption.ruleId, expiry, ...(exemption.reason ? { reason: exemption.reason } : {}), at: now }));
  }
  return events;
}

/**
 * Publishes and never throws: a publisher that breaks its promise, or events that cannot be built, end up in the log
 * and the counts, never in the caller's failure. The publisher itself retries, holds and counts (EventsPublishFailed).
 */
export async function publishEvents(publisher: EventsPublisher | undefined, build: () => ComplianceCloudEvent[], log: Log, what: string): Promise<PublishedEvents | undefined> {
  if (!publisher?.enabled) return undefined;
  let events: ComplianceCloudEvent[];
  try {
    events = build();
  } catch (error) {
    log.error(`${what}: compliance events not built: ${error instanceof Error ? error.message : String(error)}`);
    return { built: 0, sent: 0, dropped: 0, pending: 0 };
  }
  try {
    const result = await publisher.publish(events);
    for (const failure of result.failures) {
      log.warn(`${what}: publishing ${failure.events} compliance events failed (${failure.code}): ${failure.heldBack} held to be sent again, ${failure.dropped} dropped`);
    }
    return { built: events.length, sent: result.sent, dropped: result.dropped, pending: result.pending };
  } catch (error) {
    log.error(`${what}: the events publisher failed: ${error instanceof Error ? error.message : String(error)}`);
    return { built: events.length, sent: 0, dropped: events.length, pending: 0 };
  }
}

/**
 * The sweep's exemption notices, each published once: an event is claimed in the store (the cluster's event claims
 * in ClusterLeases, under an `exemption-notice:` id) before it goes out, and the claim is given back when it could not be sent and
 * will not be retried, so the next sweep tries again. Never throws.
 */
export async function publishExemptionNotices(
  publisher: EventsPublisher | undefined,
  claims: EventDeduplicator,
  notices: readonly ComplianceCloudEvent[],
  now: Date,
  log: Log,
): Promise<PublishedEvents | undefined> {
  if (!publisher?.enabled || notices.length === 0) return undefined;
  const claimed: ComplianceCloudEvent[] = [];
  try {
    for (const notice of notices) if (await claims.claimEvent(notice.subject, `exemption-notice:${notice.id}`, now)) claimed.push(notice);
  } catch (error) {
    log.warn(`exemption notices: could not claim them in the store, trying again with the next sweep: ${String(error)}`);
    await releaseClaims(claims, claimed, log);
    return { built: notices.length, sent: 0, dropped: 0, pending: 0 };
  }
  if (claimed.length === 0) return { built: notices.length, sent: 0, dropped: 0, pending: 0 };
  const published = await publishEvents(publisher, () => claimed, log, 'exemption notices');
  // Dropped (not held for a retry): let the next sweep build and send them again. Their ids stay the same.
  if (published && published.dropped > 0) await releaseClaims(claims, claimed, log);
  return published ? { ...published, built: notices.length } : undefined;
}

async function releaseClaims(claims: EventDeduplicator, events: readonly ComplianceCloudEvent[], log: Log): Promise<void> {
  for (const event of events) {
    try {
      await claims.releaseEventClaim(event.subject, `exemption-notice:${event.id}`);
    } catch (error) {
      log.warn(`exemption notice ${event.id}: claim not released (${String(error)}); it is not sent again`);
    }
  }
}
