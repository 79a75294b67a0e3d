// The fleet sweep, shared by the timer (sweep), POST /api/sweeps (startSweep) and the demo: walk the fleet with the
// fleet walker (fleet.ts: subscriptions in scope, their clusters streamed and interleaved) and enqueue one
// evaluation per cluster in batches; the queue worker does the rest. It keeps a sweep record.
//
// "sweep" is the app's word: it runs in Azure as the app's identity, reads nothing but the listings, and fans out to
// the queue. The CLI's `scan` (scan.ts) walks the fleet the same way but evaluates and fixes every cluster itself,
// from a terminal, as the person running it, and waits for the operations it starts.
//
// The sweep is also the app's daily look at the baseline's exemptions: those inside their notice period
// (EXEMPTION_EXPIRY_NOTICE_DAYS) go out as ExemptionExpiring events, once each (notify.ts).
import { randomUUID } from 'node:crypto';
import { CLUSTER_STATUSES } from '../core/index.js';
import type { EvaluationWorkItem, Log, SweepError, SweepRecord, SweepTrigger } from '../ports.js';
import { newFleetTally, walkFleet } from './fleet.js';
import { exemptionNotices, publishExemptionNotices, type PublishedEvents } from './notify.js';
import { outOfScopeReason } from './scope.js';
import type { AppServices } from './services.js';

export interface RunSweepInput {
  trigger: SweepTrigger;
  /** Defaults to a new id. */
  sweepId?: string;
  log: Log;
}

export interface SweepResult extends SweepRecord {
  clustersEnqueued: number;
  subscriptions: string[];
  errors: SweepError[];
  /** Clusters listed but left alone because the baseline scope excludes them. */
  clustersOutOfScope: number;
  /** The ExemptionExpiring events, when publishing is on. */
  exemptionNotices?: PublishedEvents;
}

export function newSweepId(trigger: SweepTrigger, now: Date): string {
  return `${trigger}-${now.toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
}

/** Runs one sweep to the end and records it. Throws only when the sweep record itself cannot be written. */
export async function runSweep(services: AppServices, input: RunSweepInput): Promise<SweepResult> {
  const { store, queue } = services;
  const { log } = input;
  const started = services.clock();
  const sweepId = input.sweepId ?? newSweepId(input.trigger, started);
  await store.startSweep({ sweepId, trigger: input.trigger, now: started });

  const notEnqueued: SweepError[] = [];
  let clustersEnqueued = 0;
  const batchSize = services.tuning.sweepBatchSize;
  const flush = async (batch: EvaluationWorkItem[]): Promise<void> => {
    if (batch.length === 0) return;
    const sent = await queue.enqueueMany(batch.splice(0, batch.length));
    clustersEnqueued += sent.enqueued;
    for (const failed of sent.errors) notEnqueued.push({ scope: failed.clusterId, message: `not enqueued: ${failed.message}` });
  };

  const targets = new Set(services.config.targetSubscriptionIds);
  const baselineScope = services.baseline.scope.subscriptions;
  const wanted = (id: string): boolean => (targets.size === 0 || targets.has(id)) && (!baselineScope || baselineScope.length === 0 || baselineScope.includes(id));
  const tally = newFleetTally();
  const fleet = walkFleet(
    services.reader,
    { keepSubscription: wanted, expectedSubscriptionIds: [...targets].filter(wanted), inScope: (clusterId) => outOfScopeReason(services, clusterId) === undefined },
    tally,
  );
  const batch: EvaluationWorkItem[] = [];
  try {
    for await (const cluster of fleet) {
      batch.push({ clusterId: cluster.id, cause: { kind: 'sweep', id: sweepId }, enqueuedAt: services.clock().toISOString() });
      if (batch.length >= batchSize) await flush(batch);
    }
  } finally {
    await flush(batch);
  }
  // A subscription that could not be listed (or seen) was left out; the sweep went on with the others.
  for (const { scope, failure } of tally.errors) log.error(`sweep ${sweepId}: ${scope}: ${failure.message}`);
  const errors: SweepError[] = [...tally.errors.map(({ scope, failure }) => ({ scope, message: failure.message })), ...notEnqueued];
  const { subscriptions, outOfScope: clustersOutOfScope } = tally;

  const record = await store.finishSweep(sweepId, { clustersEnqueued, subscriptions, errors, now: services.clock() });
  services.telemetry.event('SweepCompleted', {
    sweepId,
    trigger: input.trigger,
    status: record.status,
    subscriptions: subscriptions.length,
    clustersEnqueued,
    clustersOutOfScope,
    errors: errors.length,
    durationMs: services.clock().getTime() - started.getTime(),
  });
  await reportFleetCounts(services, log);
  const notices = await noticeExpiringExemptions(services, started, log);
  log.info(`sweep ${sweepId}: ${clustersEnqueued} clusters enqueued from ${subscriptions.length} subscriptions, ${errors.length} errors`);
  return { ...record, clustersEnqueued, subscriptions, errors, clustersOutOfScope, ...(notices ? { exemptionNotices: notices } : {}) };
}

/**
 * The fleet's non-compliant count as last recorded, once per sweep: a gauge that an alert can watch. One scan of
 * the state table per sweep is cheap; per evaluation it would not be.
 */
async function reportFleetCounts(services: AppServices, log: Log): Promise<void> {
  try {
    const counts = await services.store.countByStatus();
    const byStatus = Object.fromEntries(CLUSTER_STATUSES.map((status) => [status, counts[status]]));
    services.telemetry.metric('NonCompliantClusters', counts.NonCompliant + counts.RemediationFailed, { ...byStatus, total: counts.total });
  } catch (error) {
    log.warn(`could not count the fleet's statuses: ${String(error)}`);
  }
}

/** ExemptionExpiring for the exemptions of clusters in scope that end within the notice period. Never throws. */
async function noticeExpiringExemptions(services: AppServices, now: Date, log: Log): Promise<PublishedEvents | undefined> {
  if (!services.events.enabled) return undefined;
  let notices;
  try {
    notices = exemptionNotices(services.baseline, now, services.config.exemptionExpiryNoticeDays, (clusterId) => outOfScopeReason(services, clusterId) === undefined);
  } catch (error) {
    log.error(`exemption notices not built: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  // Nothing to notice: still send what an earlier publish held back, so it does not wait for the next change.
  if (notices.length === 0) {
    await services.events.flush();
    return undefined;
  }
  return publishExemptionNotices(services.events, services.store, notices, now, log);
}
