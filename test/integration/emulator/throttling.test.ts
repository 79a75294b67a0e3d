// ARM's token buckets: a 429 storm the SDK rides out by honouring Retry-After, and the counters benchmarks read.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ARM_THROTTLE_LIMITS, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { armRequest, containerService, recordResponses } from '../../support/emulator.js';

describe('throttling', () => {
  let emulator: RunningEmulator;
  let subscriptionId: string;

  // factor 0.1: reads burst 25, refilled at 2.5 per second.
  before(async () => {
    emulator = await startEmulator({ fleet: { clusters: 56, subscriptions: 1, seed: 2 }, pageSize: 2, throttleFactor: 0.1 });
    subscriptionId = emulator.fleet?.subscriptions[0]?.subscriptionId ?? '';
  });
  after(() => emulator.stop());

  it('keeps ARM numbers as the documented limits', () => {
    assert.deepEqual(ARM_THROTTLE_LIMITS, {
      reads: { burst: 250, perSecond: 25 },
      writes: { burst: 200, perSecond: 10 },
      deletes: { burst: 200, perSecond: 10 },
    });
  });

  it('throttles a 28-page listing past the burst; the SDK waits out Retry-After and lists everything', async () => {
    const recorder = recordResponses();
    const client = containerService(emulator, subscriptionId, { policies: [recorder.policy] });
    const started = Date.now();
    let listed = 0;
    for await (const _cluster of client.managedClusters.list()) listed += 1;
    const elapsed = Date.now() - started;

    assert.equal(listed, 56);
    const throttled = recorder.seen.filter((response) => response.status === 429);
    assert.ok(throttled.length >= 1, 'the storm hit the limit');
    for (const response of throttled) {
      assert.match(response.headers['retry-after'] ?? '', /^[1-9]\d*$/, 'Retry-After is whole seconds');
      assert.equal(response.headers['x-ms-ratelimit-remaining-subscription-reads'], '0');
    }
    assert.ok(elapsed >= 1000 * throttled.length * 0.9, `the SDK waited Retry-After each time (${elapsed} ms for ${throttled.length} 429s)`);
    const remaining = recorder.seen.filter((response) => response.status === 200).slice(0, 5).map((response) => Number(response.headers['x-ms-ratelimit-remaining-subscription-reads']));
    assert.deepEqual(remaining, [24, 23, 22, 21, 20], 'every answer carries the remaining reads of the bucket');

    const counts = emulator.state.requestsBySubscription.get(subscriptionId);
    assert.equal(counts?.throttled, throttled.length);
    assert.equal(counts?.reads, recorder.seen.length);
    assert.equal(emulator.state.throttledCount, throttled.length);
  });

  it('keeps one bucket per caller and per kind', async () => {
    const other = emulator.tokenFor({ appId: '0f0f0f0f-0000-4000-8000-000000000001', objectId: '0f0f0f0f-0000-4000-8000-000000000002' });
    const path = `/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`;
    const fresh = await armRequest(emulator, 'GET', path, { token: other });
    assert.equal(fresh.status, 200, 'another caller has a full bucket');
    assert.equal(fresh.headers['x-ms-ratelimit-remaining-subscription-reads'], '24');
    const write = await armRequest(emulator, 'PATCH', `${emulator.fleet?.clusters[0]?.id ?? ''}?api-version=2026-06-01`, { body: { tags: { a: 'b' } } });
    assert.equal(write.status, 200);
    assert.equal(write.headers['x-ms-ratelimit-remaining-subscription-writes'], '19');
    assert.equal(emulator.state.requestsByCaller.get('0f0f0f0f-0000-4000-8000-000000000002')?.reads, 1);
  });

  it('disables throttling with factor 0', async () => {
    const open = await startEmulator({ fleet: { clusters: 1, subscriptions: 1, seed: 1 }, throttleFactor: 0 });
    try {
      const path = `/subscriptions/${open.fleet?.subscriptions[0]?.subscriptionId ?? ''}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`;
      const statuses = await Promise.all(Array.from({ length: 300 }, () => armRequest(open, 'GET', path).then((response) => response.status)));
      assert.ok(statuses.every((status) => status === 200));
      assert.equal(open.state.throttledCount, 0);
    } finally {
      await open.stop();
    }
  });
});
