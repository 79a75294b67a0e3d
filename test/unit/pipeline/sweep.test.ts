// The sweep on in-memory ports: every cluster in scope enqueued once, in batches, with a sweep record and telemetry.
import { describe, expect, test } from '@jest/globals';
import { runSweep } from '../../../src/pipeline/sweep.js';
import { baselineOf, snapshotOf } from '../../support/builders.js';
import { fakeServices } from '../../support/fakes/index.js';

const A = '0000000a-0000-4000-8000-000000000000';
const B = '0000000b-0000-4000-8000-000000000000';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function clusterId(subscriptionId: string, name: string, resourceGroup = 'rg1'): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

describe('runSweep', () => {
  test('enqueues every cluster in scope, interleaved, in batches, and records the sweep', async () => {
    // Prepare: two subscriptions, one cluster outside the baseline's resource groups, batches of 2
    const clusters = [clusterId(A, 'a1'), clusterId(A, 'a2'), clusterId(B, 'b1'), clusterId(B, 'b2', 'rg-other')].map((id) => snapshotOf({ id }));
    const services = fakeServices({ baseline: baselineOf({ scope: { resourceGroups: ['rg1'] } }), clusters, tuning: { sweepBatchSize: 2 } });

    // Act
    const result = await runSweep(services, { trigger: 'timer', sweepId: 'sweep-1', log: quiet });

    // Assess
    expect(services.queue.take().map((queued) => [queued.item.clusterId.split('/').at(-1), queued.item.cause])).toStrictEqual([
      ['a1', { kind: 'sweep', id: 'sweep-1' }],
      ['b1', { kind: 'sweep', id: 'sweep-1' }],
      ['a2', { kind: 'sweep', id: 'sweep-1' }],
    ]);
    expect(result).toMatchObject({ sweepId: 'sweep-1', status: 'Completed', clustersEnqueued: 3, clustersOutOfScope: 1, subscriptions: [A, B], errors: [] });
    expect(services.store.sweeps.get('sweep-1')?.status).toBe('Completed');
    expect(services.telemetry.events.map((event) => event.name)).toStrictEqual(['SweepCompleted']);
    expect(services.telemetry.metrics.map((metric) => metric.name)).toStrictEqual(['NonCompliantClusters']);
  });

  test('keeps to TARGET_SUBSCRIPTION_IDS and records a target the identity cannot see', async () => {
    const services = fakeServices({
      baseline: baselineOf({}),
      clusters: [snapshotOf({ id: clusterId(A, 'a1') }), snapshotOf({ id: clusterId(B, 'b1') })],
      settings: { TARGET_SUBSCRIPTION_IDS: `${B},00000000-0000-4000-8000-0000000000ff` },
    });

    const result = await runSweep(services, { trigger: 'http', log: quiet });

    expect(services.queue.take().map((queued) => queued.item.clusterId)).toStrictEqual([clusterId(B, 'b1')]);
    expect(result.status).toBe('CompletedWithErrors');
    expect(result.errors).toStrictEqual([
      { scope: '/subscriptions/00000000-0000-4000-8000-0000000000ff', message: expect.stringMatching(/is in TARGET_SUBSCRIPTION_IDS but the app's identity cannot see it/) },
    ]);
  });
});
