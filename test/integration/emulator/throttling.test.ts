// ARM's token buckets: a 429 storm the SDK rides out by honouring Retry-After, and the counters benchmarks read.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ARM_THROTTLE_LIMITS, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { EMULATOR_START_TIMEOUT_MS, armRequest, containerService, recordResponses } from '../../support/emulator.js';

describe('throttling', () => {
  let emulator: RunningEmulator;
  let subscriptionId: string;

  // factor 0.04: reads burst 10, refilled at 1 per second; writes burst 8. The 28 pages outrun the refill unless they
  // take over 18 s (at 0.1 they had to take under 1.2 s, which a loaded CI machine did not always manage).
  beforeAll(async () => {
    emulator = await startEmulator({ fleet: { clusters: 56, subscriptions: 1, seed: 2 }, pageSize: 2, throttleFactor: 0.04 });
    subscriptionId = emulator.fleet?.subscriptions[0]?.subscriptionId ?? '';
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  test('keeps ARM numbers as the documented limits', () => {
    expect(ARM_THROTTLE_LIMITS).toStrictEqual({
      reads: { burst: 250, perSecond: 25 },
      writes: { burst: 200, perSecond: 10 },
      deletes: { burst: 200, perSecond: 10 },
    });
  });

  test('throttles a 28-page listing past the burst; the SDK waits out Retry-After and lists everything', async () => {
    // Prepare
    const recorder = recordResponses();
    const client = containerService(emulator, subscriptionId, { policies: [recorder.policy] });

    // Act
    const started = Date.now();
    let listed = 0;
    for await (const _cluster of client.managedClusters.list()) listed += 1;
    const elapsed = Date.now() - started;

    // Assess: the storm hit the limit, every 429 said how long to wait, and the SDK waited that long
    expect(listed).toBe(56);
    const throttled = recorder.seen.filter((response) => response.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    // Retry-After is whole seconds, and the bucket is empty.
    expect(throttled.map((response) => [response.headers['retry-after'], response.headers['x-ms-ratelimit-remaining-subscription-reads']])).toStrictEqual(
      throttled.map(() => [expect.stringMatching(/^[1-9]\d*$/), '0']),
    );
    expect(elapsed).toBeGreaterThanOrEqual(1000 * throttled.length * 0.9);
    // Every answer carries the remaining reads of the bucket.
    const remaining = recorder.seen.filter((response) => response.status === 200).slice(0, 5).map((response) => Number(response.headers['x-ms-ratelimit-remaining-subscription-reads']));
    expect(remaining).toStrictEqual([9, 8, 7, 6, 5]);
    const counts = emulator.state.requestsBySubscription.get(subscriptionId);
    expect(counts?.throttled).toBe(throttled.length);
    expect(counts?.reads).toBe(recorder.seen.length);
    expect(emulator.state.throttledCount).toBe(throttled.length);
  }, 60_000);

  test('keeps one bucket per caller and per kind', async () => {
    // Prepare: a caller that has not read yet
    const other = emulator.tokenFor({ appId: '0f0f0f0f-0000-4000-8000-000000000001', objectId: '0f0f0f0f-0000-4000-8000-000000000002' });
    const path = `/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`;

    // Act
    const fresh = await armRequest(emulator, 'GET', path, { token: other });
    const write = await armRequest(emulator, 'PATCH', `${emulator.fleet?.clusters[0]?.id ?? ''}?api-version=2026-06-01`, { body: { tags: { a: 'b' } } });

    // Assess: another caller has a full read bucket, and writes have their own
    expect(fresh.status).toBe(200);
    expect(fresh.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('9');
    expect(write.status).toBe(200);
    expect(write.headers['x-ms-ratelimit-remaining-subscription-writes']).toBe('7');
    expect(emulator.state.requestsByCaller.get('0f0f0f0f-0000-4000-8000-000000000002')?.reads).toBe(1);
  });

  test('disables throttling with factor 0', async () => {
    const open = await startEmulator({ fleet: { clusters: 1, subscriptions: 1, seed: 1 }, throttleFactor: 0 });
    try {
      const path = `/subscriptions/${open.fleet?.subscriptions[0]?.subscriptionId ?? ''}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`;

      const statuses = await Promise.all(Array.from({ length: 300 }, () => armRequest(open, 'GET', path).then((response) => response.status)));

      expect(statuses.filter((status) => status !== 200)).toStrictEqual([]);
      expect(open.state.throttledCount).toBe(0);
    } finally {
      await open.stop();
    }
  });
});
