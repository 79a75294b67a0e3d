// Throttling and flaky transport: the SDK pipeline rides them out (we add no retry loop), our pacing policy
// spaces requests when ARM says a bucket runs low, and the counters show what happened.
// Each test starts an emulator of its own (fresh token buckets); afterEach stops it.
import { afterEach, describe, expect, test } from '@jest/globals';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { applyPlanStep, classifyArmError, readClusterForWrite, readClusterSnapshot } from '../../../src/azure/arm/index.js';
import { evaluateSnapshot } from '../../../src/core/index.js';
import { autoBaseline, clientsFor, seedCluster, setPath } from '../../support/arm.js';
import { rejectionOf } from '../../support/rejection.js';

/** The storms below wait out several Retry-After seconds (about 15 s each on a quiet machine). */
const STORM_TIMEOUT_MS = 120_000;

describe('ARM resilience (SDK pipeline against the emulator)', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });

  test('rides out a 429 storm: nothing surfaces as an error and every retry waited for Retry-After', async () => {
    // Prepare: buckets at a fifth of ARM's (50 reads, 5 per second), and 120 reads at once: more than the bucket
    // refills even when a busy machine spreads them over several seconds
    emulator = await startEmulator({ throttleFactor: 0.2, lroDurationMs: 50 });
    const id = seedCluster(emulator, 'aks-storm');
    // No pacing, so the storm really happens; the SDK alone must absorb it.
    const clients = clientsFor(emulator, { pacing: { lowWaterFraction: 0 } });

    // Act
    const started = Date.now();
    const snapshots = await Promise.all(Array.from({ length: 60 }, () => readClusterSnapshot(clients, id)));
    const elapsedMs = Date.now() - started;

    // Assess
    expect(snapshots.map((snapshot) => snapshot.name)).toStrictEqual(Array.from({ length: 60 }, () => 'aks-storm'));
    // The storm produced 429s; every one the emulator sent was seen and retried.
    expect(clients.stats.throttled).toBeGreaterThan(0);
    expect(clients.stats.throttled).toBe(emulator.state.throttledCount);
    expect(clients.stats.throttleRetries).toHaveLength(clients.stats.throttled);
    // ARM asks for whole seconds, and each retry waited for them (25 ms of timer slack).
    expect(clients.stats.throttleRetries.filter((retry) => retry.retryAfterMs < 1000)).toStrictEqual([]);
    expect(clients.stats.throttleRetries.filter((retry) => retry.waitedMs < retry.retryAfterMs - 25)).toStrictEqual([]);
    // The run took at least one Retry-After.
    expect(elapsedMs).toBeGreaterThanOrEqual(1000);
  }, STORM_TIMEOUT_MS);

  test('paces reads from x-ms-ratelimit-remaining so a burst meets far fewer 429s', async () => {
    // Prepare: the same storm, once unpaced and once paced, against fresh buckets
    const run = async (lowWaterFraction: number): Promise<{ throttled: number; paced: number }> => {
      // Buckets at a fifth of ARM's: 50 reads, refilled at 5 per second, against 120 reads (a slow machine that
      // spreads them over 10 s still runs the bucket dry).
      const server = await startEmulator({ throttleFactor: 0.2, lroDurationMs: 50 });
      try {
        const id = seedCluster(server, 'aks-paced', undefined, { extensions: false });
        const clients = clientsFor(server, { pacing: { lowWaterFraction } });
        // Batches of 10 (20 reads): pacing needs responses to learn from before it can hold anything back.
        for (let batch = 0; batch < 6; batch += 1) await Promise.all(Array.from({ length: 10 }, () => readClusterSnapshot(clients, id)));
        return { throttled: clients.stats.throttled, paced: clients.stats.pacedRequests };
      } finally {
        await server.stop();
      }
    };

    // Act
    const unpaced = await run(0);
    const paced = await run(0.2);

    // Assess: without pacing the burst is throttled; the pacer held requests back and met fewer 429s
    expect(unpaced.throttled).toBeGreaterThan(0);
    expect(paced.paced).toBeGreaterThan(0);
    expect(paced.throttled).toBeLessThan(unpaced.throttled);
  }, STORM_TIMEOUT_MS);

  test('recovers from 5xx answers and reset connections, counting them', async () => {
    // Prepare
    emulator = await startEmulator({ lroDurationMs: 50 });
    const id = seedCluster(emulator, 'aks-flaky', (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
    });
    const clients = clientsFor(emulator);
    emulator.setFaults([
      { route: 'GET /subscriptions/**/managedClusters/aks-flaky', kind: '500', sequence: [true, false, true] },
      { route: 'GET /subscriptions/**/extensions', kind: 'reset', sequence: [true] },
      { route: 'PUT /subscriptions/**/managedClusters/aks-flaky', kind: '503', sequence: [true] },
    ]);
    const baseline = autoBaseline();

    // Act: read, then write and wait, through the faults
    const snapshot = await readClusterSnapshot(clients, id);
    const step = evaluateSnapshot(snapshot, baseline, { now: new Date() }).plan.find((candidate) => candidate.action === 'enable-workload-identity');
    if (!step) throw new Error('the plan has no enable-workload-identity step');
    const handle = await applyPlanStep(clients, step, { plannedFrom: snapshot, baseline, now: new Date() });
    const outcome = await handle.wait();

    // Assess: two 500s and a 503 were retried, and so was the reset connection
    expect(snapshot.name).toBe('aks-flaky');
    expect(outcome).toStrictEqual({ status: 'succeeded' });
    expect(clients.stats.serverErrors).toBeGreaterThanOrEqual(3);
    expect(clients.stats.connectionErrors).toBeGreaterThanOrEqual(1);
  });

  test('classifies a 429 or a reset the SDK gave up on as throttled or transient', async () => {
    // Prepare: a bucket of one read, and no retries allowed
    emulator = await startEmulator({ lroDurationMs: 50, throttleFactor: 0.004 });
    const id = seedCluster(emulator, 'aks-gave-up', undefined, { extensions: false });
    const clients = clientsFor(emulator, { retry: { maxRetries: 0 }, pacing: { lowWaterFraction: 0 } });
    await readClusterForWrite(clients, id);

    // Act: the second read in a row is throttled
    const throttled = classifyArmError(await rejectionOf(readClusterForWrite(clients, id), 'a 429'), id);
    // Act: another caller, so its own (full) bucket: the reset is the only thing in the way
    emulator.setFaults([{ route: 'GET /subscriptions/**/managedClusters/aks-gave-up', kind: 'reset', rate: 1 }]);
    const other = emulator.tokenFor({ appId: '51111111-1111-4111-8111-111111111111', objectId: '61111111-1111-4111-8111-111111111111' });
    const reset = classifyArmError(await rejectionOf(readClusterForWrite(clientsFor(emulator, { token: other, retry: { maxRetries: 0 } }), id), 'a reset'), id);

    // Assess
    expect(throttled.kind).toBe('throttled');
    expect(throttled.code).toBe('SubscriptionRequestsThrottled');
    expect(reset.kind).toBe('transient');
    expect(reset.statusCode).toBeUndefined();
    expect(reset.message).toMatch(/aks-gave-up/);
  });

  test('reports a failure it cannot ride out as transient, naming the resource', async () => {
    // Prepare
    emulator = await startEmulator({ lroDurationMs: 50 });
    const id = seedCluster(emulator, 'aks-down', undefined, { extensions: false });
    const clients = clientsFor(emulator, { retry: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 20 } });
    emulator.setFaults([{ route: 'GET /subscriptions/**/managedClusters/aks-down', kind: '500', rate: 1 }]);

    // Act
    const error = await rejectionOf(readClusterSnapshot(clients, id), 'the read to fail');
    const failure = classifyArmError(error, id);

    // Assess
    expect(failure.kind).toBe('transient');
    expect(failure.statusCode).toBe(500);
    expect(failure.message).toMatch(/aks-down/);
    // The first try and two SDK retries.
    expect(clients.stats.serverErrors).toBe(3);
  });
});
