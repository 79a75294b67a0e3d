// The fleet walker, shared by the sweep (timer and POST /api/sweeps) and the CLI scan: the subscriptions to walk
// (the ones given, or every one the identity can see, narrowed by the caller), then their clusters, streamed and
// interleaved, in scope only. The fleet is never held in memory: at most the current page of each subscription.
//
// ARM throttles each subscription on its own, so the clusters come one from each subscription in turn: the work
// behind them then draws on every subscription's budget at once. Subscription after subscription would spend one
// budget at a time and take about as many times longer as there are subscriptions (see docs/performance.md).
import { classifyArmError, type ArmFailure } from '../azure/errors.js';
import type { ClusterReader, ListedCluster, ReadOptions } from '../ports.js';

export interface FleetWalk {
  /** Walk exactly these subscriptions. Absent: every subscription the identity can see, kept by `keepSubscription`. */
  subscriptionIds?: readonly string[];
  /** Of the visible subscriptions (lower-cased ids), the ones to walk. Default: all. */
  keepSubscription?(subscriptionId: string): boolean;
  /** Subscriptions that must be visible: each one that is not is reported as an error. */
  expectedSubscriptionIds?: readonly string[];
  /** Only the clusters of this resource group. */
  resourceGroup?: string;
  /** Whether a listed cluster is in scope; the others are counted, not yielded. */
  inScope(clusterId: string): boolean;
  /** Aborted: stop listing (the clusters yielded so far stand). */
  stopSignal?: AbortSignal;
  /** Passed to the ARM calls (cancels them in flight). */
  read?: ReadOptions;
}

export interface FleetWalkError {
  /** `/subscriptions`, `/subscriptions/<id>` (or with `/resourceGroups/<name>`). */
  scope: string;
  failure: ArmFailure;
}

/** What a walk found besides the clusters; filled in as the walk goes. */
export interface FleetTally {
  subscriptions: string[];
  outOfScope: number;
  errors: FleetWalkError[];
}

export function newFleetTally(): FleetTally {
  return { subscriptions: [], outOfScope: 0, errors: [] };
}

/** Subscriptions listed side by side; more than this wait for a free place. */
const MAX_SUBSCRIPTIONS_LISTED_AT_ONCE = 64;

/**
 * The clusters of the fleet, in scope, one subscription after another in turn. A subscription that cannot be
 * listed is recorded in `tally.errors` and left out; the others go on. Never throws for ARM failures.
 */
export async function* walkFleet(reader: Pick<ClusterReader, 'listSubscriptions' | 'listClusters'>, walk: FleetWalk, tally: FleetTally): AsyncIterable<ListedCluster> {
  tally.subscriptions.push(...(walk.subscriptionIds ?? (await visibleSubscriptions(reader, walk, tally))));
  const stopped = (): boolean => walk.stopSignal?.aborted === true;
  const scopeOf = (subscriptionId: string): string => `/subscriptions/${subscriptionId}${walk.resourceGroup ? `/resourceGroups/${walk.resourceGroup}` : ''}`;
  const waiting = [...tally.subscriptions];
  let listing: { subscriptionId: string; clusters: AsyncIterator<ListedCluster> }[] = [];
  try {
    while ((listing.length > 0 || waiting.length > 0) && !stopped()) {
      while (listing.length < MAX_SUBSCRIPTIONS_LISTED_AT_ONCE && waiting.length > 0) {
        const subscriptionId = waiting.shift() as string;
        const scope = { subscriptionId, ...(walk.resourceGroup ? { resourceGroup: walk.resourceGroup } : {}) };
        listing.push({ subscriptionId, clusters: reader.listClusters(scope, walk.read ?? {})[Symbol.asyncIterator]() });
      }
      // One step of every listing at once, so their page requests overlap.
      const round = await Promise.all(
        listing.map(async (entry) => {
          try {
            return { entry, next: await entry.clusters.next() };
          } catch (error) {
            // One subscription we cannot list (no access, not registered) does not stop the others.
            const scope = scopeOf(entry.subscriptionId);
            tally.errors.push({ scope, failure: classifyArmError(error, scope) });
            return { entry, next: undefined };
          }
        }),
      );
      listing = round.filter(({ next }) => next !== undefined && next.done !== true).map(({ entry }) => entry);
      for (const { next } of round) {
        if (!next || next.done) continue;
        if (!walk.inScope(next.value.id)) {
          tally.outOfScope += 1;
          continue;
        }
        yield next.value;
        if (stopped()) return;
      }
    }
  } finally {
    // Stopped early (or the caller stopped pulling): end the listings still open.
    await Promise.all(listing.map(async (entry) => entry.clusters.return?.()));
  }
}

/** Every subscription the identity can see that the walk keeps, each once; then the expected ones it could not see. */
async function visibleSubscriptions(reader: Pick<ClusterReader, 'listSubscriptions'>, walk: FleetWalk, tally: FleetTally): Promise<string[]> {
  const seen = new Set<string>();
  const kept: string[] = [];
  try {
    for await (const subscription of reader.listSubscriptions(walk.read ?? {})) {
      const id = subscription.subscriptionId.toLowerCase();
      if (seen.has(id)) continue;
      seen.add(id);
      if (walk.keepSubscription && !walk.keepSubscription(id)) continue;
      kept.push(id);
    }
  } catch (error) {
    // Listing the subscriptions failed: the walk goes on with the ones found so far.
    tally.errors.push({ scope: '/subscriptions', failure: classifyArmError(error, '/subscriptions') });
  }
  for (const id of walk.expectedSubscriptionIds ?? []) {
    if (seen.has(id.toLowerCase())) continue;
    tally.errors.push({
      scope: `/subscriptions/${id}`,
      failure: { kind: 'not-found', code: 'SubscriptionNotVisible', message: `subscription ${id} is in TARGET_SUBSCRIPTION_IDS but the app's identity cannot see it (missing role assignment?)` },
    });
  }
  return kept;
}
