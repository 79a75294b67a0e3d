// Throttling and flaky transport: the SDK pipeline rides them out (we add no retry loop), our pacing policy
// spaces requests when ARM says a bucket runs low, and the counters show what happened.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { applyPlanStep, readClusterSnapshot } from '../../../src/azure/arm/index.js';
import { evaluateCluster } from '../../../src/core/index.js';
import { autoBaseline, clientsFor, seedCluster, setPath } from '../../support/arm.js';

describe('ARM resilience (SDK pipeline against the emulator)', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });

  it('rides out a 429 storm: nothing surfaces as an error and every retry waited for Retry-After', async () => {
    // Prepare: buckets at a fifth of ARM's (50 reads, 5 per second), and 60 reads at once
    emulator = await startEmulator({ throttleFactor: 0.2, lroDurationMs: 50 });
    const id = seedCluster(emulator, 'aks-storm');
    // No pacing, so the storm really happens; the SDK alone must absorb it.
    const clients = clientsFor(emulator, { pacing: { lowWaterFraction: 0 } });

    // Act
    const started = Date.now();
    const snapshots = await Promise.all(Array.from({ length: 30 }, () => readClusterSnapshot(clients, id)));
    const elapsedMs = Date.now() - started;

    // Assess
    assert.equal(snapshots.length, 30);
    assert.ok(snapshots.every((snapshot) => snapshot.name === 'aks-storm'));
    assert.ok(clients.stats.throttled > 0, 'the storm produced 429s');
    assert.equal(clients.stats.throttled, emulator.state.throttledCount, 'every 429 the emulator sent was seen and retried');
    assert.equal(clients.stats.throttleRetries.length, clients.stats.throttled, 'each 429 was followed by a retry');
    for (const retry of clients.stats.throttleRetries) {
      assert.ok(retry.retryAfterMs >= 1000, 'ARM asks for whole seconds');
      assert.ok(retry.waitedMs >= retry.retryAfterMs - 25, `a retry waited ${retry.waitedMs} ms of the ${retry.retryAfterMs} ms asked`);
    }
    assert.ok(elapsedMs >= 1000, 'the run took at least one Retry-After');
  });

  it('paces reads from x-ms-ratelimit-remaining so a burst meets far fewer 429s', async () => {
    // Prepare: the same storm, once unpaced and once paced, against fresh buckets
    const run = async (lowWaterFraction: number): Promise<{ throttled: number; paced: number }> => {
      // Buckets at 0.4 of ARM's: 100 reads, refilled at 10 per second.
      const server = await startEmulator({ throttleFactor: 0.4, lroDurationMs: 50 });
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

    // Assess
    assert.ok(unpaced.throttled > 0, 'without pacing the burst is throttled');
    assert.ok(paced.paced > 0, 'the pacer held requests back');
    assert.ok(paced.throttled < unpaced.throttled, `paced ${paced.throttled} 429s, unpaced ${unpaced.throttled}`);
  });

  it('recovers from 5xx answers and reset connections, counting them', async () => {
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

    // Act: read, then write and wait, through the faults
    const snapshot = await readClusterSnapshot(clients, id);
    const baseline = autoBaseline();
    const step = evaluateCluster(snapshot, baseline, { now: new Date() }).plan.find((candidate) => candidate.action === 'enable-workload-identity');
    assert.ok(step);
    const handle = await applyPlanStep(clients, step, { plannedFrom: snapshot, replan: (fresh) => evaluateCluster(fresh, baseline, { now: new Date() }).plan });
    const outcome = await handle.wait();

    // Assess
    assert.equal(snapshot.name, 'aks-flaky');
    assert.deepEqual(outcome, { status: 'succeeded' });
    assert.ok(clients.stats.serverErrors >= 3, `two 500s and a 503 were retried (saw ${clients.stats.serverErrors})`);
    assert.ok(clients.stats.connectionErrors >= 1, 'the reset connection was retried');
  });

  it('classifies a 429 or a reset the SDK gave up on as throttled or transient', async () => {
    emulator = await startEmulator({ lroDurationMs: 50, throttleFactor: 0.004 });
    const id = seedCluster(emulator, 'aks-gave-up', undefined, { extensions: false });
    const clients = clientsFor(emulator, { retry: { maxRetries: 0 }, pacing: { lowWaterFraction: 0 } });
    const { classifyArmError, readClusterForWrite } = await import('../../../src/azure/arm/index.js');

    // A bucket of one read: the second read in a row is throttled, and no retry is allowed.
    await readClusterForWrite(clients, id);
    const throttled = await readClusterForWrite(clients, id).then(
      () => assert.fail('expected a 429'),
      (thrown: unknown) => classifyArmError(thrown, id),
    );
    emulator.setFaults([{ route: 'GET /subscriptions/**/managedClusters/aks-gave-up', kind: 'reset', rate: 1 }]);
    // Another caller, so its own (full) bucket: the reset is the only thing in the way.
    const other = emulator.tokenFor({ appId: '51111111-1111-4111-8111-111111111111', objectId: '61111111-1111-4111-8111-111111111111' });
    const reset = await readClusterForWrite(clientsFor(emulator, { token: other, retry: { maxRetries: 0 } }), id).then(
      () => assert.fail('expected a reset'),
      (thrown: unknown) => classifyArmError(thrown, id),
    );

    assert.equal(throttled.kind, 'throttled');
    assert.equal(throttled.code, 'SubscriptionRequestsThrottled');
    assert.equal(reset.kind, 'transient');
    assert.equal(reset.statusCode, undefined);
    assert.match(reset.message, /aks-gave-up/);
  });

  it('reports a failure it cannot ride out as transient, naming the resource', async () => {
    emulator = await startEmulator({ lroDurationMs: 50 });
    const id = seedCluster(emulator, 'aks-down', undefined, { extensions: false });
    const clients = clientsFor(emulator, { retry: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 20 } });
    emulator.setFaults([{ route: 'GET /subscriptions/**/managedClusters/aks-down', kind: '500', rate: 1 }]);

    const { classifyArmError } = await import('../../../src/azure/arm/index.js');
    const error = await readClusterSnapshot(clients, id).then(
      () => assert.fail('expected the read to fail'),
      (thrown: unknown) => thrown,
    );
    const failure = classifyArmError(error, id);

    assert.equal(failure.kind, 'transient');
    assert.equal(failure.statusCode, 500);
    assert.match(failure.message, /aks-down/);
    assert.equal(clients.stats.serverErrors, 3, 'the first try and two SDK retries');
  });
});
