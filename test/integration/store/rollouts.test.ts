// The rollout record on Table Storage (Azurite): created once, changed under its ETag by racing writers without
// losing a change, members written and listed, and concurrency slots of which racing claims get exactly one each.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { RolloutMember, RolloutRecord } from '../../../src/core/index.js';
import type { ComplianceStore } from '../../../src/ports.js';
import { STORE_START_TIMEOUT_MS, at, clusterId, startStoreHarness, type StoreHarness } from '../../support/store.js';

const record = (rolloutId: string): RolloutRecord => ({ rolloutId, status: 'Running', createdAt: at(0).toISOString(), waves: [{ name: 'canary' }, { name: 'remaining' }] });

describe('rollouts on Table Storage (Azurite)', () => {
  let harness: StoreHarness;
  let store: ComplianceStore;

  beforeAll(async () => {
    harness = await startStoreHarness();
    store = harness.store;
  }, STORE_START_TIMEOUT_MS);
  afterAll(async () => {
    await harness?.azurite.stop();
  });

  test('creates a record once: a second create returns the stored one', async () => {
    const first = await store.createRollout(record('once'));
    const second = await store.createRollout({ ...record('once'), createdAt: at(5).toISOString() });

    expect(second).toStrictEqual(first);
    expect(await store.getRollout('once')).toStrictEqual(first);
    expect(await store.getRollout('never')).toBeUndefined();
  });

  test('keeps every change of ten racing writers, and reports which calls changed it', async () => {
    await store.createRollout(record('racing'));

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.updateRollout('racing', (current) => {
          const waves = current.waves.map((wave) => ({ ...wave }));
          const canary = waves[0] as RolloutRecord['waves'][number];
          canary.approvedBy = `${canary.approvedBy ?? ''}${i},`;
          return { ...current, waves };
        }),
      ),
    );
    const unchanged = await store.updateRollout('racing', () => undefined);

    const approvedBy = (await store.getRollout('racing'))?.waves[0]?.approvedBy ?? '';
    expect(approvedBy.split(',').filter(Boolean).map(Number).sort((a, b) => a - b)).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results.every((result) => result.changed)).toBe(true);
    expect(unchanged.changed).toBe(false);
    await expect(store.updateRollout('no-record', (current) => current)).rejects.toThrow('rollout "no-record" has no record yet');
  });

  test('keeps the halt and the resume, and drops a halt that is gone', async () => {
    await store.createRollout(record('halts'));
    await store.updateRollout('halts', (current) => ({ ...current, status: 'Halted', halt: { at: at(1).toISOString(), by: 'failure-budget', reason: '4 clusters failed' } }));
    expect(await store.getRollout('halts')).toMatchObject({ status: 'Halted', halt: { by: 'failure-budget', reason: '4 clusters failed' } });

    await store.updateRollout('halts', (current) => {
      const { halt: _halt, ...rest } = current;
      return { ...rest, status: 'Running', resume: { at: at(2).toISOString(), by: 'ops', failuresBefore: 4 } };
    });
    const resumed = await store.getRollout('halts');
    expect(resumed).toMatchObject({ status: 'Running', resume: { by: 'ops', failuresBefore: 4 } });
    expect(resumed).not.toHaveProperty('halt');
  });

  test('writes and lists members; a member written again replaces what it no longer has', async () => {
    const running: RolloutMember = { clusterId: clusterId('aks-1'), wave: 0, status: 'Running', slot: 2, registeredAt: at(0).toISOString(), startedAt: at(1).toISOString() };
    await store.putMember('members', running);
    await store.putMember('members', { clusterId: clusterId('aks-2'), wave: 1, status: 'Pending', registeredAt: at(0).toISOString() });
    await store.putMember('members', { clusterId: clusterId('aks-1'), wave: 0, status: 'Failed', registeredAt: at(0).toISOString(), startedAt: at(1).toISOString(), finishedAt: at(3).toISOString(), error: { code: 'LinkedAuthorizationFailed', message: 'no access' } });

    const members = await store.listMembers('members');
    expect(members.map((member) => [member.clusterId, member.status, member.slot])).toStrictEqual([
      [clusterId('aks-1'), 'Failed', undefined],
      [clusterId('aks-2'), 'Pending', undefined],
    ]);
    expect(await store.getMember('members', clusterId('AKS-1').toUpperCase())).toMatchObject({ status: 'Failed', error: { code: 'LinkedAuthorizationFailed', message: 'no access' } });
    expect(await store.getMember('members', clusterId('aks-9'))).toBeUndefined();
  });

  test('gives each of three slots to exactly one of six racing clusters, the same slot again to its holder, and frees it', async () => {
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => store.claimSlot('slots', 1, 3, clusterId(`aks-${i}`))));

    const granted = claims.filter((slot): slot is number => slot !== undefined);
    expect(granted.sort()).toStrictEqual([0, 1, 2]);
    const holder = claims.findIndex((slot) => slot === 1);
    expect(await store.claimSlot('slots', 1, 3, clusterId(`aks-${holder}`))).toBe(1);
    // Another wave has slots of its own.
    expect(await store.claimSlot('slots', 2, 1, clusterId('aks-9'))).toBe(0);

    const waiting = claims.findIndex((slot) => slot === undefined);
    expect(await store.claimSlot('slots', 1, 3, clusterId(`aks-${waiting}`))).toBeUndefined();
    await store.releaseSlot('slots', 1, 1);
    expect(await store.claimSlot('slots', 1, 3, clusterId(`aks-${waiting}`))).toBe(1);
  });

  test('lists the rollouts', async () => {
    const ids = (await store.listRollouts()).map((rollout) => rollout.rolloutId).sort();
    expect(ids).toStrictEqual(['halts', 'once', 'racing']);
  });
});
