import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { StorageError } from '../../../src/azure/errors.js';
import type { ComplianceStore } from '../../../src/ports.js';
import { rejectionOf } from '../../support/rejection.js';
import { STORE_START_TIMEOUT_MS, at, cause, clusterId, startStoreHarness, type StoreHarness } from '../../support/store.js';

function countTrue(values: boolean[]): number {
  return values.filter(Boolean).length;
}

describe('coordination, attempts, remediations and sweeps on Table Storage (Azurite)', () => {
  let harness: StoreHarness;
  let store: ComplianceStore;

  beforeAll(async () => {
    harness = await startStoreHarness();
    store = harness.store;
  }, STORE_START_TIMEOUT_MS);
  afterAll(async () => {
    await harness?.azurite.stop();
  });

  describe('event dedupe', () => {
    test('claims an event once across three concurrent deliveries, and again after a release', async () => {
      const eventId = '5f1c1a3e-0d3c-4b5e-9a61-7e2f0c1d2e3f';

      // Act and assess: one of three concurrent claims wins
      expect(countTrue(await Promise.all([1, 2, 3].map(() => store.claimEvent(eventId, at(0)))))).toBe(1);
      // Ids compare case-insensitively.
      expect(await store.claimEvent(eventId.toUpperCase(), at(1))).toBe(false);

      // Act and assess: released, it can be claimed again; releasing an unclaimed id is harmless
      await store.releaseEventClaim(eventId);
      expect(await store.claimEvent(eventId, at(2))).toBe(true);
      await expect(store.releaseEventClaim('never-claimed')).resolves.toBeUndefined();
    });

    test('accepts any id as a key: forbidden characters, unicode, very long', async () => {
      const odd = ['a/b#c?d\\e', 'Ünïcødé-😀', '%7C|%', '\u0000\u0085ctl', 'x'.repeat(5000), `${'x'.repeat(4999)}y`];

      const first = await Promise.all(odd.map((id) => store.claimEvent(id, at(0))));
      const second = await Promise.all(odd.map((id) => store.claimEvent(id, at(1))));

      // Distinct ids, including two long ones differing in the last character.
      expect(first).toStrictEqual(odd.map(() => true));
      expect(second).toStrictEqual(odd.map(() => false));
      await expect(store.claimEvent('', at(0))).rejects.toThrow(/eventId must not be empty/);
    });
  });

  describe('coalescing', () => {
    test('lets exactly one of 20 concurrent claims enqueue, until the window ends or the worker clears it', async () => {
      const id = clusterId('aks-coalesce');
      const burst = (now: Date) => Promise.all(Array.from({ length: 20 }, () => store.claimPendingEvaluation(id, 30, now)));

      // First burst, then inside the window, then after it (one claim takes over the expired marker).
      expect(countTrue(await burst(at(0)))).toBe(1);
      expect(countTrue(await burst(at(0.4)))).toBe(0);
      expect(countTrue(await burst(at(0.51)))).toBe(1);
      // After the worker cleared it.
      await store.clearPendingEvaluation(id);
      expect(countTrue(await burst(at(0.6)))).toBe(1);
      await expect(store.clearPendingEvaluation(clusterId('aks-never-claimed'))).resolves.toBeUndefined();
      await expect(store.claimPendingEvaluation(id, 0, at(0))).rejects.toThrow(/windowSeconds must be above 0/);
    });
  });

  describe('coalescing while the worker clears', () => {
    test('never fails a claim whose expired marker is deleted between its read and its update', async () => {
      const id = clusterId('aks-coalesce-race');
      const rounds: [boolean, string][] = [];

      for (let round = 0; round < 15; round += 1) {
        // An expired marker, then a claim racing the worker's clear: the claim reads the row, the clear deletes it.
        const marked = await store.claimPendingEvaluation(id, 1, at(round));
        const [claimed] = await Promise.all([store.claimPendingEvaluation(id, 1, at(round + 0.5)), store.clearPendingEvaluation(id)]);
        rounds.push([marked, typeof claimed]);
        await store.clearPendingEvaluation(id);
      }

      // Each round: the marker was set, and the racing claim answered true or false (it did not throw).
      expect(rounds).toStrictEqual(rounds.map(() => [true, 'boolean']));
    });
  });

  describe('leases', () => {
    test('grants a lease to one of many contenders, renews for its owner, and passes on after expiry', async () => {
      const id = clusterId('aks-lease');

      // Act and assess: one of ten contenders gets it, for the TTL
      const contenders = await Promise.all(Array.from({ length: 10 }, (_, i) => store.acquireLease(id, `worker-${i}`, 60_000, at(0))));
      const winners = contenders.filter((lease) => lease !== undefined);
      expect(winners).toHaveLength(1);
      const held = winners[0]!;
      expect(held.expiresAt).toBe(new Date(at(0).getTime() + 60_000).toISOString());

      // Act and assess: held and unexpired, only the owner renews, and the renewal extends it
      expect(await store.acquireLease(id, 'intruder', 60_000, at(0.5))).toBeUndefined();
      const renewed = await store.acquireLease(id, held.owner, 60_000, at(0.5));
      if (!renewed) throw new Error('the owner could not renew its lease');
      expect(await store.acquireLease(id, 'intruder', 60_000, at(1.4))).toBeUndefined();

      // Act and assess: expired, someone else may take it; a stale release does not free the new owner's lease
      const takeover = await store.acquireLease(id, 'intruder', 60_000, at(1.6));
      if (!takeover) throw new Error('nobody could take over the expired lease');
      await store.releaseLease(renewed);
      expect(await store.acquireLease(id, 'third', 60_000, at(1.7))).toBeUndefined();
      // Free after its owner releases it.
      await store.releaseLease(takeover);
      expect(await store.acquireLease(id, 'third', 60_000, at(1.8))).toBeTruthy();
      await expect(store.acquireLease(id, 'x', 0, at(0))).rejects.toThrow(/ttlMs must be a whole number above 0/);
    });
  });

  describe('attempts', () => {
    test('counts attempts per (cluster, rule) with exponential backoff, and resets', async () => {
      const id = clusterId('aks-attempts');
      expect(await store.getAttempts(id, 'flux')).toStrictEqual({ count: 0 });

      // Act and assess: the first attempt waits the base backoff
      const first = await store.recordAttempt(id, 'flux', { now: at(0), backoffBaseSeconds: 60, error: { code: 'Conflict', message: 'operation in progress' } });
      expect(first).toStrictEqual({ count: 1, lastAttemptAt: at(0).toISOString(), nextAttemptAfter: at(1).toISOString(), lastError: { code: 'Conflict', message: 'operation in progress' } });

      // Act and assess: the third waits 240 s, capped at 200 s
      await store.recordAttempt(id, 'flux', { now: at(10), backoffBaseSeconds: 60 });
      const third = await store.recordAttempt(id, 'flux', { now: at(20), backoffBaseSeconds: 60, maxBackoffSeconds: 200 });
      expect(third.count).toBe(3);
      expect(third.nextAttemptAfter).toBe(new Date(at(20).getTime() + 200_000).toISOString());
      expect(await store.getAttempts(id, 'flux')).toStrictEqual({ count: 3, lastAttemptAt: at(20).toISOString(), nextAttemptAfter: third.nextAttemptAfter });
      // Counted per rule.
      expect((await store.getAttempts(id, 'dapr')).count).toBe(0);

      // Act and assess: a reset starts over, and resetting again is harmless
      await store.resetAttempts(id, 'flux');
      expect(await store.getAttempts(id, 'flux')).toStrictEqual({ count: 0 });
      await expect(store.resetAttempts(id, 'flux')).resolves.toBeUndefined();
    });

    test('loses no attempt when recorded concurrently', async () => {
      const id = clusterId('aks-attempts-race');

      await Promise.all(Array.from({ length: 5 }, () => store.recordAttempt(id, 'mi', { now: at(0), backoffBaseSeconds: 30 })));

      const attempts = await store.getAttempts(id, 'mi');
      expect(attempts.count).toBe(5);
      expect(attempts.nextAttemptAfter).toBe(new Date(at(0).getTime() + 30_000 * 16).toISOString());
    });

    test('keeps attempt rows out of the cluster listing', async () => {
      const states = await store.listStates({ pageSize: 1000 });

      expect(states.items.filter((state) => typeof state.status !== 'string')).toStrictEqual([]);
      expect(states.items).toHaveLength(0);
    });
  });

  describe('remediation log', () => {
    const id = clusterId('aks-remediate');
    const request = { method: 'PUT', path: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-remediate/providers/Microsoft.KubernetesConfiguration/extensions/flux' };

    test('writes an intent before the call, finds it open after a crash, and closes it on completion', async () => {
      // Act and assess: the intent is written, and found open
      const ref = await store.startRemediation({ clusterId: id, stepId: 'flux:install-extension', ruleId: 'flux', action: 'install-extension', attempt: 1, cause: cause('r1'), request, now: at(0) });
      const open = await store.findOpenRemediation(id, 'flux:install-extension');
      expect(open?.status).toBe('Started');
      expect(open?.request).toStrictEqual(request);
      expect(open?.ref).toStrictEqual(ref);

      // Act and assess: Accepted by ARM, it is still open
      const accepted = await store.completeRemediation(ref, {
        outcome: 'Accepted',
        armOperation: { correlationId: 'arm-corr', operationUrl: 'https://management.azure.com/op/1', status: 'InProgress' },
        now: at(1),
      });
      const stillOpen = await store.findOpenRemediation(id.toUpperCase(), 'flux:install-extension');
      expect(stillOpen?.status).toBe('Accepted');
      expect(stillOpen?.armOperation).toStrictEqual({ correlationId: 'arm-corr', operationUrl: 'https://management.azure.com/op/1', status: 'InProgress' });
      expect(stillOpen?.completedAt).toBeUndefined();

      // Act and assess: a completion with the old ETag lost the race: it fails (a conflict) instead of overwriting
      const stale = await rejectionOf(store.completeRemediation(ref, { outcome: 'Failed', now: at(2) }), 'a conflict');
      expect(stale).toBeInstanceOf(StorageError);
      expect(stale).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/Remediations/) });

      // Act and assess: completed, it is closed, and the merge keeps what the Accepted update wrote
      await store.completeRemediation(accepted, { outcome: 'Succeeded', armOperation: { status: 'Succeeded' }, now: at(3) });
      expect(await store.findOpenRemediation(id, 'flux:install-extension')).toBeUndefined();
      const [done] = await store.listRemediations(id);
      expect(done?.status).toBe('Succeeded');
      expect(done?.completedAt).toBe(at(3).toISOString());
      expect(done?.armOperation?.correlationId).toBe('arm-corr');
    });

    test('judges a step by its latest row only, and lists newest first', async () => {
      // Prepare: two attempts of one step
      const step = 'mi:enable-managed-identity';
      const old = await store.startRemediation({ clusterId: id, stepId: step, ruleId: 'mi', action: 'enable-managed-identity', attempt: 1, cause: cause('r2'), request, now: at(10) });
      const latest = await store.startRemediation({ clusterId: id, stepId: step, ruleId: 'mi', action: 'enable-managed-identity', attempt: 2, cause: cause('r3'), request, now: at(11) });
      expect((await store.findOpenRemediation(id, step))?.attempt).toBe(2);

      // Act
      await store.completeRemediation(latest, { outcome: 'Failed', error: { code: 'BadRequest', message: 'x'.repeat(10_000) }, now: at(12) });

      // Assess: the older Started row was superseded; row keys sort newest first
      expect(await store.findOpenRemediation(id, step)).toBeUndefined();
      expect(old.rowKey > latest.rowKey).toBe(true);
      const log = await store.listRemediations(id, { limit: 10 });
      expect(log.map((r) => [r.stepId, r.attempt, r.status])).toStrictEqual([
        [step, 2, 'Failed'],
        [step, 1, 'Started'],
        ['flux:install-extension', 1, 'Succeeded'],
      ]);
      expect(log[0]?.error?.code).toBe('BadRequest');
      // Long ARM messages are cut.
      expect(log[0]?.error?.message.length ?? 0).toBeLessThanOrEqual(4000);
      expect(await store.listRemediations(id, { limit: 1 })).toHaveLength(1);
    });

    test('rejects incomplete intents', async () => {
      await expect(store.startRemediation({ clusterId: id, stepId: '', ruleId: 'mi', action: 'a', attempt: 1, cause: cause('r4'), request })).rejects.toThrow(/stepId must be a non-empty string/);
      await expect(store.startRemediation({ clusterId: id, stepId: 's', ruleId: 'mi', action: 'a', attempt: 0, cause: cause('r4'), request })).rejects.toThrow(/attempt must be a whole number from 1/);
      await expect(store.completeRemediation({ clusterId: id, rowKey: 'x', etag: '*' }, { outcome: 'Started' as 'Failed' })).rejects.toThrow(
        /outcome must be one of Accepted, Succeeded, Failed, Skipped/,
      );
    });
  });

  describe('sweeps', () => {
    test('records sweeps from start to finish and lists them newest first', async () => {
      // Act and assess: started, and starting again is a no-op
      const first = await store.startSweep({ sweepId: 'sweep-a', trigger: 'timer', now: at(0) });
      expect(first).toStrictEqual({ sweepId: 'sweep-a', trigger: 'timer', status: 'Running', startedAt: at(0).toISOString() });
      expect(await store.startSweep({ sweepId: 'sweep-a', trigger: 'timer', now: at(1) })).toStrictEqual(first);
      await store.startSweep({ sweepId: 'sweep-b', trigger: 'http', now: at(30) });

      // Act and assess: finished, with and without errors
      const finished = await store.finishSweep('sweep-a', {
        clustersEnqueued: 42,
        subscriptions: ['s1', 's2'],
        errors: [{ scope: '/subscriptions/s2', message: 'AuthorizationFailed' }],
        now: at(2),
      });
      expect(finished.status).toBe('CompletedWithErrors');
      expect(await store.getSweep('sweep-a')).toStrictEqual(finished);
      await store.finishSweep('sweep-b', { clustersEnqueued: 3, subscriptions: ['s1'], errors: [], now: at(31) });
      expect((await store.getSweep('SWEEP-B'))?.status).toBe('Completed');
      expect(await store.getSweep('sweep-none')).toBeUndefined();

      // Act and assess: listed newest first; bad input refused
      expect((await store.listSweeps()).map((s) => s.sweepId)).toStrictEqual(['sweep-b', 'sweep-a']);
      expect((await store.listSweeps({ limit: 1 }))[0]?.sweepId).toBe('sweep-b');
      await expect(store.finishSweep('sweep-none', { clustersEnqueued: 0, subscriptions: [], errors: [], now: at(3) })).rejects.toThrow(/no sweep "sweep-none" was started/);
      await expect(store.startSweep({ sweepId: 'x', trigger: 'cron' as 'timer', now: at(0) })).rejects.toThrow(/trigger must be one of timer, http, cli/);
    });
  });
});
