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
      const id = clusterId('aks-dedupe');
      const eventId = '5f1c1a3e-0d3c-4b5e-9a61-7e2f0c1d2e3f';

      // Act and assess: one of three concurrent claims wins
      expect(countTrue(await Promise.all([1, 2, 3].map(() => store.claimEvent(id, eventId, at(0)))))).toBe(1);
      // Ids compare case-insensitively.
      expect(await store.claimEvent(id, eventId.toUpperCase(), at(1))).toBe(false);

      // Act and assess: released, it can be claimed again; releasing an unclaimed id is harmless
      await store.releaseEventClaim(id, eventId);
      expect(await store.claimEvent(id, eventId, at(2))).toBe(true);
      await expect(store.releaseEventClaim(id, 'never-claimed')).resolves.toBeUndefined();
    });

    test('accepts any id as a key: forbidden characters, unicode, very long', async () => {
      const id = clusterId('aks-odd-ids');
      const odd = ['a/b#c?d\\e', 'Ünïcødé-😀', '%7C|%', '\u0000\u0085ctl', 'x'.repeat(5000), `${'x'.repeat(4999)}y`];

      const first = await Promise.all(odd.map((eventId) => store.claimEvent(id, eventId, at(0))));
      const second = await Promise.all(odd.map((eventId) => store.claimChange(id, { id: eventId, time: at(0).toISOString() }, at(1))));

      // Distinct ids, including two long ones differing in the last character; a change claims the same ids.
      expect(first).toStrictEqual(odd.map(() => true));
      expect(second).toStrictEqual(odd.map(() => ({ outcome: 'duplicate' })));
      await expect(store.claimEvent(id, '', at(0))).rejects.toThrow(/eventId must not be empty/);
    });
  });

  describe('changes: the leading edge and the trailing edge', () => {
    const change = (id: string, eventId: string, minutes: number, now = at(minutes)) => store.claimChange(id, { id: eventId, time: at(minutes).toISOString() }, now);

    test('of 20 concurrent new events on an idle cluster, one marks it pending and the rest join; a duplicate is dropped', async () => {
      const id = clusterId('aks-burst');

      // Act
      const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => change(id, `burst-${i}`, 0)));

      // Assess
      expect(claims.filter((claim) => claim.outcome === 'first')).toHaveLength(1);
      expect(claims.filter((claim) => claim.outcome === 'joined')).toHaveLength(19);
      expect(await change(id, 'burst-7', 0.1)).toStrictEqual({ outcome: 'duplicate' });
    });

    test('the worker takes the mark in one write; events before its read are covered, a newer one turns the lease into a pending mark', async () => {
      // Prepare: the first event marks the cluster; a second joins while it is pending
      const id = clusterId('aks-trailing');
      const first = await change(id, 'e1', 0);
      if (first.outcome !== 'first') throw new Error(`the first event was ${first.outcome}`);
      expect((await change(id, 'e2', 0.01)).outcome).toBe('joined');

      // Act: the worker takes it over (the mark changed, so it reads and takes it), reads at 0.05, and an event from
      // before the read and one from after it join while it runs
      const lease = await store.acquireLease(id, 'worker-1', 60_000, at(0.05), first.pending);
      if (!lease) throw new Error('the worker could not take the pending mark');
      expect((await change(id, 'e3', 0.04, at(0.06))).outcome).toBe('joined');
      expect((await change(id, 'e4', 0.07)).outcome).toBe('joined');
      const mark = await store.releaseLease(lease, { readAt: at(0.05), marginMs: 1000, now: at(0.08) });

      // Assess: a pending mark for the newest event; a later event joins it, and the next worker takes it in one write
      expect(mark).toMatchObject({ clusterId: id, eventId: 'e4', eventTime: at(0.07).toISOString() });
      expect((await change(id, 'e5', 0.09)).outcome).toBe('joined');
      const next = await store.acquireLease(id, 'worker-2', 60_000, at(0.2), mark);
      if (!next) throw new Error('the follow-up could not take the mark');
      // Nothing joined the follow-up after its read: it ends clean, and the cluster is idle again.
      expect(await store.releaseLease(next, { readAt: at(0.2), marginMs: 1000, now: at(0.21) })).toBeUndefined();
      expect((await change(id, 'e6', 0.3)).outcome).toBe('first');
    });

    test('an evaluation that only saw events from before its read releases the cluster', async () => {
      const id = clusterId('aks-late-events');
      const first = await change(id, 'l1', 0);
      if (first.outcome !== 'first') throw new Error(`the first event was ${first.outcome}`);
      const lease = await store.acquireLease(id, 'worker-1', 60_000, at(1), first.pending);
      if (!lease) throw new Error('the worker could not take the pending mark');

      // Act: a late delivery of an event from before the read
      await change(id, 'l2', 0.5, at(1.01));
      const mark = await store.releaseLease(lease, { readAt: at(1), marginMs: 1000, now: at(1.02) });

      // Assess
      expect(mark).toBeUndefined();
      expect((await change(id, 'l3', 1.1)).outcome).toBe('first');
    });

    test('a worker that read before taking the mark is told it took that very mark, and events that joined before are looked at', async () => {
      // Prepare: the first event marks the cluster; the worker reads at 1.0 (before its lease), and an event from after
      // that read joins the mark before the lease is taken
      const id = clusterId('aks-early-read');
      const first = await change(id, 'r1', 0.9);
      if (first.outcome !== 'first') throw new Error(`the first event was ${first.outcome}`);
      expect((await change(id, 'r2', 1.01)).outcome).toBe('joined');

      // Act
      const lease = await store.acquireLease(id, 'worker-1', 60_000, at(1.02), { etag: first.pending.etag, eventId: 'r1' });
      if (!lease) throw new Error('the worker could not take the pending mark');
      const mark = await store.releaseLease(lease, { readAt: at(1), marginMs: 1000, now: at(1.05) });

      // Assess: the same mark (joined, not replaced); r2 may postdate the read, so it is evaluated again
      expect(lease).toMatchObject({ tookOverMark: true, eventsJoinedBefore: true });
      expect(mark).toMatchObject({ clusterId: id, eventId: 'r2', eventTime: at(1.01).toISOString() });
    });

    test('a worker whose mark another evaluation took and released in between is not told it took its mark', async () => {
      // Prepare: the mark for q1, then a sweep evaluation takes it over and ends before q1's worker runs
      const id = clusterId('aks-mark-taken');
      const first = await change(id, 'q1', 0);
      if (first.outcome !== 'first') throw new Error(`the first event was ${first.outcome}`);
      const sweep = await store.acquireLease(id, 'sweep-worker', 60_000, at(0.1));
      if (!sweep) throw new Error('the sweep could not take the lease');
      expect(await store.releaseLease(sweep, { readAt: at(0.1), marginMs: 1000, now: at(0.2) })).toBeUndefined();

      // Act
      const lease = await store.acquireLease(id, 'worker-1', 60_000, at(0.3), { etag: first.pending.etag, eventId: 'q1' });

      // Assess: a lease of its own, with nothing that says its earlier reads still hold
      expect(lease).toBeDefined();
      expect(lease).not.toHaveProperty('tookOverMark');
      expect(lease).not.toHaveProperty('eventsJoinedBefore');
      if (lease) await store.releaseLease(lease);
    });

    test('a redelivery restarts a pending mark that lost its message, once it is older than two minutes', async () => {
      const id = clusterId('aks-lost-message');
      // The intake marked the cluster and stopped before it enqueued.
      expect((await change(id, 'm1', 0)).outcome).toBe('first');

      // Act and assess: a redelivery soon after is a duplicate; one after two minutes starts the evaluation again
      expect((await change(id, 'm1', 0, at(1))).outcome).toBe('duplicate');
      const revived = await change(id, 'm1', 0, at(2.5));
      expect(revived.outcome).toBe('first');
      // Released with its mark, nothing is left behind.
      if (revived.outcome === 'first') await store.releaseEventClaim(id, 'm1', revived.pending);
      expect((await change(id, 'm1', 3)).outcome).toBe('first');
    });

    test('never fails a claim whose lease row is released between its two writes', async () => {
      const id = clusterId('aks-claim-race');
      const rounds: string[] = [];

      for (let round = 0; round < 15; round += 1) {
        // A running evaluation, and a new event racing its release: the claim finds the row, the release deletes it.
        const lease = await store.acquireLease(id, `worker-${round}`, 60_000, at(round));
        if (!lease) throw new Error(`round ${round}: no lease`);
        const [claim] = await Promise.all([change(id, `race-${round}`, round + 0.5), store.releaseLease(lease)]);
        rounds.push(claim.outcome);
        const left = await store.acquireLease(id, `cleaner-${round}`, 60_000, at(round + 0.6));
        if (left) await store.releaseLease(left);
      }

      // Each round the event joined the evaluation or, once it was gone, started a new one; no claim threw.
      expect(rounds.every((outcome) => outcome === 'joined' || outcome === 'first')).toBe(true);
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
