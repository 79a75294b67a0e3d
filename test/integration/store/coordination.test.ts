import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError } from '../../../src/azure/storage/errors.js';
import type { ComplianceStore } from '../../../src/ports.js';
import { at, cause, clusterId, startStoreHarness, type StoreHarness } from '../../support/store.js';

function countTrue(values: boolean[]): number {
  return values.filter(Boolean).length;
}

describe('coordination, attempts, remediations and sweeps on Table Storage (Azurite)', () => {
  let harness: StoreHarness;
  let store: ComplianceStore;

  before(async () => {
    harness = await startStoreHarness();
    store = harness.store;
  });
  after(async () => {
    await harness?.azurite.stop();
  });

  describe('event dedupe', () => {
    it('claims an event once across three concurrent deliveries, and again after a release', async () => {
      const eventId = '5f1c1a3e-0d3c-4b5e-9a61-7e2f0c1d2e3f';
      assert.equal(countTrue(await Promise.all([1, 2, 3].map(() => store.claimEvent(eventId, at(0))))), 1);
      assert.equal(await store.claimEvent(eventId.toUpperCase(), at(1)), false, 'ids compare case-insensitively');
      await store.releaseEventClaim(eventId);
      assert.equal(await store.claimEvent(eventId, at(2)), true);
      await store.releaseEventClaim('never-claimed');
    });

    it('accepts any id as a key: forbidden characters, unicode, very long', async () => {
      const odd = ['a/b#c?d\\e', 'Ünïcødé-😀', '%7C|%', '\u0000\u0085ctl', 'x'.repeat(5000), `${'x'.repeat(4999)}y`];
      const first = await Promise.all(odd.map((id) => store.claimEvent(id, at(0))));
      assert.deepEqual(first, odd.map(() => true), 'distinct ids, including two long ones differing in the last character');
      assert.deepEqual(await Promise.all(odd.map((id) => store.claimEvent(id, at(1)))), odd.map(() => false));
      await assert.rejects(store.claimEvent('', at(0)), /eventId must not be empty/);
    });
  });

  describe('coalescing', () => {
    it('lets exactly one of 20 concurrent claims enqueue, until the window ends or the worker clears it', async () => {
      const id = clusterId('aks-coalesce');
      const burst = (now: Date) => Promise.all(Array.from({ length: 20 }, () => store.claimPendingEvaluation(id, 30, now)));
      assert.equal(countTrue(await burst(at(0))), 1, 'first burst');
      assert.equal(countTrue(await burst(at(0.4))), 0, 'inside the window');
      assert.equal(countTrue(await burst(at(0.51))), 1, 'after the window, one claim takes over the expired marker');
      await store.clearPendingEvaluation(id);
      assert.equal(countTrue(await burst(at(0.6))), 1, 'after the worker cleared it');
      await store.clearPendingEvaluation(clusterId('aks-never-claimed'));
      await assert.rejects(store.claimPendingEvaluation(id, 0, at(0)), /windowSeconds must be above 0/);
    });
  });

  describe('coalescing while the worker clears', () => {
    it('never fails a claim whose expired marker is deleted between its read and its update', async () => {
      const id = clusterId('aks-coalesce-race');
      for (let round = 0; round < 15; round += 1) {
        // An expired marker, then a claim racing the worker's clear: the claim reads the row, the clear deletes it.
        assert.equal(await store.claimPendingEvaluation(id, 1, at(round)), true);
        const [claimed] = await Promise.all([store.claimPendingEvaluation(id, 1, at(round + 0.5)), store.clearPendingEvaluation(id)]);
        assert.equal(typeof claimed, 'boolean');
        await store.clearPendingEvaluation(id);
      }
    });
  });

  describe('leases', () => {
    it('grants a lease to one of many contenders, renews for its owner, and passes on after expiry', async () => {
      const id = clusterId('aks-lease');
      const contenders = await Promise.all(Array.from({ length: 10 }, (_, i) => store.acquireLease(id, `worker-${i}`, 60_000, at(0))));
      const winners = contenders.filter((lease) => lease !== undefined);
      assert.equal(winners.length, 1);
      const held = winners[0]!;
      assert.equal(held.expiresAt, new Date(at(0).getTime() + 60_000).toISOString());

      assert.equal(await store.acquireLease(id, 'intruder', 60_000, at(0.5)), undefined, 'held and unexpired');
      const renewed = await store.acquireLease(id, held.owner, 60_000, at(0.5));
      assert.ok(renewed, 'the owner renews');
      assert.equal(await store.acquireLease(id, 'intruder', 60_000, at(1.4)), undefined, 'renewal extended it');

      const takeover = await store.acquireLease(id, 'intruder', 60_000, at(1.6));
      assert.ok(takeover, 'expired: someone else may take it');
      await store.releaseLease(renewed); // stale: must not release the intruder's lease
      assert.equal(await store.acquireLease(id, 'third', 60_000, at(1.7)), undefined);
      await store.releaseLease(takeover);
      assert.ok(await store.acquireLease(id, 'third', 60_000, at(1.8)), 'free after release');
      await assert.rejects(store.acquireLease(id, 'x', 0, at(0)), /ttlMs must be a whole number above 0/);
    });
  });

  describe('attempts', () => {
    it('counts attempts per (cluster, rule) with exponential backoff, and resets', async () => {
      const id = clusterId('aks-attempts');
      assert.deepEqual(await store.getAttempts(id, 'flux'), { count: 0 });
      const first = await store.recordAttempt(id, 'flux', { now: at(0), backoffBaseSeconds: 60, error: { code: 'Conflict', message: 'operation in progress' } });
      assert.deepEqual(first, { count: 1, lastAttemptAt: at(0).toISOString(), nextAttemptAfter: at(1).toISOString(), lastError: { code: 'Conflict', message: 'operation in progress' } });
      await store.recordAttempt(id, 'flux', { now: at(10), backoffBaseSeconds: 60 });
      const third = await store.recordAttempt(id, 'flux', { now: at(20), backoffBaseSeconds: 60, maxBackoffSeconds: 200 });
      assert.equal(third.count, 3);
      assert.equal(third.nextAttemptAfter, new Date(at(20).getTime() + 200_000).toISOString(), '240 s capped at 200 s');
      const stored = await store.getAttempts(id, 'flux');
      assert.deepEqual(stored, { count: 3, lastAttemptAt: at(20).toISOString(), nextAttemptAfter: third.nextAttemptAfter });
      assert.equal((await store.getAttempts(id, 'dapr')).count, 0, 'per rule');

      await store.resetAttempts(id, 'flux');
      assert.deepEqual(await store.getAttempts(id, 'flux'), { count: 0 });
      await store.resetAttempts(id, 'flux');
    });

    it('loses no attempt when recorded concurrently', async () => {
      const id = clusterId('aks-attempts-race');
      await Promise.all(Array.from({ length: 5 }, () => store.recordAttempt(id, 'mi', { now: at(0), backoffBaseSeconds: 30 })));
      const attempts = await store.getAttempts(id, 'mi');
      assert.equal(attempts.count, 5);
      assert.equal(attempts.nextAttemptAfter, new Date(at(0).getTime() + 30_000 * 16).toISOString());
    });

    it('keeps attempt rows out of the cluster listing', async () => {
      const states = await store.listStates({ pageSize: 1000 });
      assert.ok(states.items.every((state) => typeof state.status === 'string'));
      assert.equal(states.items.length, 0);
    });
  });

  describe('remediation log', () => {
    const id = clusterId('aks-remediate');
    const request = { method: 'PUT', path: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-remediate/providers/Microsoft.KubernetesConfiguration/extensions/flux' };

    it('writes an intent before the call, finds it open after a crash, and closes it on completion', async () => {
      const ref = await store.startRemediation({ clusterId: id, stepId: 'flux:install-extension', ruleId: 'flux', action: 'install-extension', attempt: 1, cause: cause('r1'), request, now: at(0) });
      const open = await store.findOpenRemediation(id, 'flux:install-extension');
      assert.equal(open?.status, 'Started');
      assert.deepEqual(open?.request, request);
      assert.deepEqual(open?.ref, ref);

      const accepted = await store.completeRemediation(ref, {
        outcome: 'Accepted',
        armOperation: { correlationId: 'arm-corr', operationUrl: 'https://management.azure.com/op/1', status: 'InProgress' },
        now: at(1),
      });
      const stillOpen = await store.findOpenRemediation(id.toUpperCase(), 'flux:install-extension');
      assert.equal(stillOpen?.status, 'Accepted');
      assert.deepEqual(stillOpen?.armOperation, { correlationId: 'arm-corr', operationUrl: 'https://management.azure.com/op/1', status: 'InProgress' });
      assert.equal(stillOpen?.completedAt, undefined);

      // A completion with the old ETag lost the race: it fails instead of overwriting.
      const stale = await store.completeRemediation(ref, { outcome: 'Failed', now: at(2) }).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(stale instanceof StorageError && stale.kind === 'conflict', 'stale etag is a conflict');
      assert.match(stale.message, /Remediations/);

      await store.completeRemediation(accepted, { outcome: 'Succeeded', armOperation: { status: 'Succeeded' }, now: at(3) });
      assert.equal(await store.findOpenRemediation(id, 'flux:install-extension'), undefined);
      const [done] = await store.listRemediations(id);
      assert.equal(done?.status, 'Succeeded');
      assert.equal(done?.completedAt, at(3).toISOString());
      assert.equal(done?.armOperation?.correlationId, 'arm-corr', 'merge keeps what the Accepted update wrote');
    });

    it('judges a step by its latest row only, and lists newest first', async () => {
      const step = 'mi:enable-managed-identity';
      const old = await store.startRemediation({ clusterId: id, stepId: step, ruleId: 'mi', action: 'enable-managed-identity', attempt: 1, cause: cause('r2'), request, now: at(10) });
      const latest = await store.startRemediation({ clusterId: id, stepId: step, ruleId: 'mi', action: 'enable-managed-identity', attempt: 2, cause: cause('r3'), request, now: at(11) });
      assert.equal((await store.findOpenRemediation(id, step))?.attempt, 2);
      await store.completeRemediation(latest, { outcome: 'Failed', error: { code: 'BadRequest', message: 'x'.repeat(10_000) }, now: at(12) });
      assert.equal(await store.findOpenRemediation(id, step), undefined, 'the older Started row was superseded');
      assert.ok(old.rowKey > latest.rowKey, 'row keys sort newest first');

      const log = await store.listRemediations(id, { limit: 10 });
      assert.deepEqual(
        log.map((r) => [r.stepId, r.attempt, r.status]),
        [
          [step, 2, 'Failed'],
          [step, 1, 'Started'],
          ['flux:install-extension', 1, 'Succeeded'],
        ],
      );
      assert.equal(log[0]?.error?.code, 'BadRequest');
      assert.ok((log[0]?.error?.message.length ?? 0) <= 4000, 'long ARM messages are cut');
      assert.equal((await store.listRemediations(id, { limit: 1 })).length, 1);
    });

    it('rejects incomplete intents', async () => {
      await assert.rejects(store.startRemediation({ clusterId: id, stepId: '', ruleId: 'mi', action: 'a', attempt: 1, cause: cause('r4'), request }), /stepId must be a non-empty string/);
      await assert.rejects(store.startRemediation({ clusterId: id, stepId: 's', ruleId: 'mi', action: 'a', attempt: 0, cause: cause('r4'), request }), /attempt must be a whole number from 1/);
      await assert.rejects(
        store.completeRemediation({ clusterId: id, rowKey: 'x', etag: '*' }, { outcome: 'Started' as 'Failed' }),
        /outcome must be one of Accepted, Succeeded, Failed, Skipped/,
      );
    });
  });

  describe('sweeps', () => {
    it('records sweeps from start to finish and lists them newest first', async () => {
      const first = await store.startSweep({ sweepId: 'sweep-a', trigger: 'timer', now: at(0) });
      assert.deepEqual(first, { sweepId: 'sweep-a', trigger: 'timer', status: 'Running', startedAt: at(0).toISOString() });
      assert.deepEqual(await store.startSweep({ sweepId: 'sweep-a', trigger: 'timer', now: at(1) }), first, 'starting again is a no-op');
      await store.startSweep({ sweepId: 'sweep-b', trigger: 'http', now: at(30) });

      const finished = await store.finishSweep('sweep-a', {
        clustersEnqueued: 42,
        subscriptions: ['s1', 's2'],
        errors: [{ scope: '/subscriptions/s2', message: 'AuthorizationFailed' }],
        now: at(2),
      });
      assert.equal(finished.status, 'CompletedWithErrors');
      assert.deepEqual(await store.getSweep('sweep-a'), finished);
      await store.finishSweep('sweep-b', { clustersEnqueued: 3, subscriptions: ['s1'], errors: [], now: at(31) });
      assert.equal((await store.getSweep('SWEEP-B'))?.status, 'Completed');
      assert.equal(await store.getSweep('sweep-none'), undefined);

      assert.deepEqual(
        (await store.listSweeps()).map((s) => s.sweepId),
        ['sweep-b', 'sweep-a'],
      );
      assert.equal((await store.listSweeps({ limit: 1 }))[0]?.sweepId, 'sweep-b');
      await assert.rejects(store.finishSweep('sweep-none', { clustersEnqueued: 0, subscriptions: [], errors: [], now: at(3) }), /no sweep "sweep-none" was started/);
      await assert.rejects(store.startSweep({ sweepId: 'x', trigger: 'cron' as 'timer', now: at(0) }), /trigger must be one of timer, http, cli/);
    });
  });
});
