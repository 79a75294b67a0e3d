// The fleet sweep, shared by the timer, POST /api/sweeps and the demo: stream the subscriptions in scope and
// their clusters page by page, and enqueue one evaluation per cluster in batches. The fleet is never held in
// memory: at most one batch is, plus the current page of each subscription being listed. A subscription that
// fails is recorded and the sweep goes on with the others.
//
// ARM throttles each subscription on its own, so the queue gets the subscriptions' clusters interleaved, one
// from each in turn: the workers then draw on every subscription's budget at once. Subscription after
// subscription would spend one budget at a time and make a sweep take about as many times longer as there are
// subscriptions (see docs/performance.md).
import { randomUUID } from 'node:crypto';
import { classifyArmError, listClusters, listSubscriptions, type ListedCluster } from '../azure/arm/index.js';
import { StorageError } from '../azure/errors.js';
import { CLUSTER_STATUSES } from '../core/index.js';
import { type EvaluationWorkItem, type SweepError, type SweepRecord, type SweepTrigger } from '../ports.js';
import { outOfScopeReason, type AppServices, type Log } from './container.js';

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
}

export function newSweepId(trigger: SweepTrigger, now: Date): string {
  return `${trigger}-${now.toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
}

function messageOf(error: unknown, scope: string): string {
  if (error instanceof StorageError) return error.message;
  return classifyArmError(error, scope).message;
}

/** The subscriptions to sweep: the ones the identity can see, narrowed by TARGET_SUBSCRIPTION_IDS and the baseline scope. */
async function* subscriptionsInScope(services: AppServices, errors: SweepError[]): AsyncIterable<string> {
  const targets = new Set(services.config.targetSubscriptionIds);
  const baselineScope = services.baseline.scope.subscriptions;
  const wanted = (id: string): boolean => (targets.size === 0 || targets.has(id)) && (!baselineScope || baselineScope.length === 0 || baselineScope.includes(id));
  const seen = new Set<string>();
  for await (const subscription of listSubscriptions(services.arm())) {
    const id = subscription.subscriptionId.toLowerCase();
    if (!wanted(id) || seen.has(id)) continue;
    seen.add(id);
    yield id;
  }
  for (const id of targets) {
    if (!seen.has(id) && wanted(id)) errors.push({ scope: `/subscriptions/${id}`, message: `subscription ${id} is in TARGET_SUBSCRIPTION_IDS but the app's identity cannot see it (missing role assignment?)` });
  }
}

/** Runs one sweep to the end and records it. Throws only when the sweep record itself cannot be written. */
export async function runSweep(services: AppServices, input: RunSweepInput): Promise<SweepResult> {
  const { store, queue } = services;
  const { log } = input;
  const started = services.clock();
  const sweepId = input.sweepId ?? newSweepId(input.trigger, started);
  await store.startSweep({ sweepId, trigger: input.trigger, now: started });

  const errors: SweepError[] = [];
  const subscriptions: string[] = [];
  let clustersEnqueued = 0;
  let clustersOutOfScope = 0;
  const batchSize = services.tuning.sweepBatchSize;
  const flush = async (batch: EvaluationWorkItem[]): Promise<void> => {
    if (batch.length === 0) return;
    const sent = await queue.enqueueMany(batch.splice(0, batch.length));
    clustersEnqueued += sent.enqueued;
    for (const failed of sent.errors) errors.push({ scope: failed.clusterId, message: `not enqueued: ${failed.message}` });
  };

  try {
    for await (const subscriptionId of subscriptionsInScope(services, errors)) subscriptions.push(subscriptionId);
  } catch (error) {
    // Listing the subscriptions failed: the sweep goes on with the ones found so far.
    errors.push({ scope: '/subscriptions', message: messageOf(error, '/subscriptions') });
    log.error(`sweep ${sweepId}: listing subscriptions failed: ${messageOf(error, '/subscriptions')}`);
  }

  const batch: EvaluationWorkItem[] = [];
  try {
    for await (const cluster of interleavedClusters(services, subscriptions, (subscriptionId, error) => {
      errors.push({ scope: `/subscriptions/${subscriptionId}`, message: messageOf(error, `/subscriptions/${subscriptionId}`) });
      log.error(`sweep ${sweepId}: subscription ${subscriptionId}: ${messageOf(error, subscriptionId)}`);
    })) {
      if (outOfScopeReason(services, cluster.id)) {
        clustersOutOfScope += 1;
        continue;
      }
      batch.push({ clusterId: cluster.id, cause: { kind: 'sweep', id: sweepId }, enqueuedAt: services.clock().toISOString() });
      if (batch.length >= batchSize) await flush(batch);
    }
  } finally {
    await flush(batch);
  }

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
  log.info(`sweep ${sweepId}: ${clustersEnqueued} clusters enqueued from ${subscriptions.length} subscriptions, ${errors.length} errors`);
  return { ...record, clustersEnqueued, subscriptions, errors, clustersOutOfScope };
}

/** Subscriptions listed side by side; more than this wait for a free place. */
const MAX_SUBSCRIPTIONS_LISTED_AT_ONCE = 64;

/**
 * The clusters of all the subscriptions, one from each in turn. A subscription whose listing fails is reported
 * through onError and left out from then on; the others go on.
 */
async function* interleavedClusters(
  services: AppServices,
  subscriptionIds: readonly string[],
  onError: (subscriptionId: string, error: unknown) => void,
): AsyncIterable<ListedCluster> {
  const waiting = [...subscriptionIds];
  let listing: { subscriptionId: string; clusters: AsyncIterator<ListedCluster> }[] = [];
  while (listing.length > 0 || waiting.length > 0) {
    while (listing.length < MAX_SUBSCRIPTIONS_LISTED_AT_ONCE && waiting.length > 0) {
      const subscriptionId = waiting.shift() as string;
      listing.push({ subscriptionId, clusters: listClusters(services.arm(), { subscriptionId })[Symbol.asyncIterator]() });
    }
    // One step of every listing at once, so their page requests overlap.
    const round = await Promise.all(
      listing.map(async (entry) => {
        try {
          return { entry, next: await entry.clusters.next() };
        } catch (error) {
          onError(entry.subscriptionId, error);
          return { entry, next: undefined };
        }
      }),
    );
    listing = [];
    for (const { entry, next } of round) {
      if (!next || next.done) continue;
      listing.push(entry);
      yield next.value;
    }
  }
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
