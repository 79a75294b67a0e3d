// The fleet walker the sweep and the scan share: subscriptions given or listed, clusters interleaved across them,
// scope counted, failures recorded without stopping the walk.
import { describe, expect, test } from '@jest/globals';
import { newFleetTally, walkFleet, type FleetWalk } from '../../../src/pipeline/fleet.js';
import { snapshotOf } from '../../support/builders.js';
import { FakeArm } from '../../support/fakes/index.js';

const A = '0000000a-0000-4000-8000-000000000000';
const B = '0000000b-0000-4000-8000-000000000000';
const C = '0000000c-0000-4000-8000-000000000000';

function clusterId(subscriptionId: string, name: string, resourceGroup = 'rg1'): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

function fleet(): FakeArm {
  return new FakeArm(
    [
      [A, 'a1'],
      [A, 'a2'],
      [A, 'a3'],
      [B, 'b1'],
      [B, 'b2', 'rg2'],
    ].map(([subscription, name, group]) => snapshotOf({ id: clusterId(subscription as string, name as string, group) })),
  );
}

async function walk(arm: FakeArm, options: Partial<FleetWalk> = {}) {
  const tally = newFleetTally();
  const names: string[] = [];
  for await (const cluster of walkFleet(arm, { inScope: () => true, ...options }, tally)) names.push(cluster.name);
  return { names, tally };
}

describe('walkFleet', () => {
  test('lists every visible subscription and takes one cluster from each in turn', async () => {
    const { names, tally } = await walk(fleet());

    expect(names).toStrictEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
    expect(tally.subscriptions).toStrictEqual([A, B]);
    expect(tally.errors).toStrictEqual([]);
  });

  test('walks exactly the subscriptions given, keeps to a resource group, and counts what is out of scope', async () => {
    const { names, tally } = await walk(fleet(), { subscriptionIds: [B], resourceGroup: 'rg1', inScope: (id) => !id.endsWith('/b1') });

    expect(names).toStrictEqual([]);
    expect(tally).toStrictEqual({ subscriptions: [B], outOfScope: 1, errors: [] });
  });

  test('records a subscription it cannot list and goes on with the others', async () => {
    // Prepare
    const arm = fleet();
    arm.failingSubscriptions.set(C, { kind: 'permanent', code: 'AuthorizationFailed', message: `/subscriptions/${C}: AuthorizationFailed (HTTP 403): no`, statusCode: 403 });

    // Act
    const { names, tally } = await walk(arm);

    // Assess
    expect(names).toHaveLength(5);
    expect(tally.subscriptions).toStrictEqual([A, B, C]);
    expect(tally.errors).toStrictEqual([{ scope: `/subscriptions/${C}`, failure: expect.objectContaining({ kind: 'permanent', code: 'AuthorizationFailed' }) }]);
  });

  test('keeps the subscriptions the caller wants, and names an expected one the identity cannot see', async () => {
    const { names, tally } = await walk(fleet(), { keepSubscription: (id) => id === A, expectedSubscriptionIds: [A, C] });

    expect(names).toStrictEqual(['a1', 'a2', 'a3']);
    expect(tally.errors.map((error) => [error.scope, error.failure.code])).toStrictEqual([[`/subscriptions/${C}`, 'SubscriptionNotVisible']]);
  });

  test('stops listing once told to stop', async () => {
    const stop = new AbortController();
    const tally = newFleetTally();
    const names: string[] = [];

    for await (const cluster of walkFleet(fleet(), { inScope: () => true, stopSignal: stop.signal }, tally)) {
      names.push(cluster.name);
      if (names.length === 2) stop.abort();
    }

    expect(names).toStrictEqual(['a1', 'b1']);
  });
});
