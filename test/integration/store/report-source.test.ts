// The report's whole-store reads on Table Storage (Azurite): rows written by the app's own write paths come back
// from the streamed scans as the point reads return them, the `since` filters cut on time, and pages beyond the
// first (more than 1000 rows) are followed.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTableReportSource } from '../../../src/azure/storage/compliance-store.js';
import { collectReport } from '../../../src/report/collect.js';
import type { ClusterState, ComplianceStore, RemediationRecord, ReportSource, Transition } from '../../../src/ports.js';
import { STORE_START_TIMEOUT_MS, SUBSCRIPTION_A, SUBSCRIPTION_B, at, cause, clusterId, evaluation, rule, startStoreHarness, type StoreHarness } from '../../support/store.js';
import { baselineOf } from '../../support/builders.js';

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe('the report source on Table Storage (Azurite)', () => {
  let harness: StoreHarness;
  let store: ComplianceStore;
  let source: ReportSource;
  const fixed = clusterId('aks-fixed');
  const waiting = clusterId('aks-waiting', SUBSCRIPTION_B);
  const gone = clusterId('aks-gone');

  beforeAll(async () => {
    harness = await startStoreHarness();
    store = harness.store;
    source = createTableReportSource(harness.clients);
    // Prepare: three clusters through the app's write paths, at known times
    await store.recordEvaluation(fixed, evaluation(fixed, [rule('managed-identity', 'NonCompliant'), rule('workload-identity', 'Compliant')]), cause('e1'), { now: at(0) });
    const intent = await store.startRemediation({ clusterId: fixed, stepId: 'managed-identity:enable-managed-identity', ruleId: 'managed-identity', action: 'enable-managed-identity', attempt: 1, cause: cause('e1'), request: { method: 'PUT', path: fixed }, now: at(1) });
    await store.completeRemediation(intent, { outcome: 'Succeeded', now: at(3) });
    await store.recordEvaluation(fixed, evaluation(fixed, [rule('managed-identity', 'Compliant'), rule('workload-identity', 'Compliant')]), cause('e2'), { now: at(4) });
    await store.recordEvaluation(waiting, evaluation(waiting, [rule('no-pod-identity', 'NonCompliant')]), cause('s1', 'sweep'), { now: at(2) });
    const failed = await store.startRemediation({ clusterId: waiting, stepId: 'no-pod-identity:disable-pod-identity', ruleId: 'no-pod-identity', action: 'disable-pod-identity', attempt: 2, cause: cause('s1', 'sweep'), request: { method: 'PUT', path: waiting }, now: at(5) });
    await store.completeRemediation(failed, { outcome: 'Failed', error: { code: 'BadRequest', message: 'nope' }, now: at(6) });
    await store.recordEvaluation(gone, evaluation(gone, [rule('managed-identity', 'Compliant')]), cause('e3'), { now: at(0) });
    await store.markDeleted(gone, cause('e4'), at(7));
  }, STORE_START_TIMEOUT_MS);

  afterAll(async () => {
    await harness?.azurite.stop();
  });

  test('scanStates streams every state row, Deleted included, exactly as getState reads it', async () => {
    const states = await all(source.scanStates());

    const expected = await Promise.all([fixed, waiting, gone].map((id) => store.getState(id)));
    expect(states.toSorted((a, b) => (a.clusterId < b.clusterId ? -1 : 1))).toStrictEqual((expected as ClusterState[]).toSorted((a, b) => (a.clusterId < b.clusterId ? -1 : 1)));
    expect(states.map((state) => state.status).toSorted()).toStrictEqual(['Compliant', 'Deleted', 'NonCompliant']);
  });

  test('scanHistory returns the transitions recorded at or after since, cluster and rule alike', async () => {
    // Act: everything, then from minute 4 on
    const every = await all(source.scanHistory({ since: at(0) }));
    const later = await all(source.scanHistory({ since: at(4) }));

    // Assess: the same rows listHistory returns per cluster
    const perCluster = (await Promise.all([fixed, waiting, gone].map((id) => store.listHistory(id, { limit: 1000 })))).flat();
    const key = (t: Transition): string => `${t.clusterId}|${t.ruleId ?? ''}|${t.at}|${t.to ?? ''}`;
    expect(every.map(key).toSorted()).toStrictEqual(perCluster.map(key).toSorted());
    expect(later.map((t) => [t.clusterId, t.ruleId ?? 'cluster', t.from, t.to]).toSorted()).toStrictEqual(
      [
        [fixed, 'cluster', 'NonCompliant', 'Compliant'],
        [fixed, 'managed-identity', 'NonCompliant', 'Compliant'],
        [gone, 'cluster', 'Compliant', 'Deleted'],
      ].toSorted(),
    );
  });

  test('scanRemediations returns the rows started at or after since, with their outcome', async () => {
    const every = await all(source.scanRemediations({ since: at(0) }));
    const later = await all(source.scanRemediations({ since: at(2) }));

    const summary = (row: RemediationRecord): unknown[] => [row.clusterId, row.stepId, row.status, row.attempt, row.error?.code ?? null];
    expect(every.map(summary).toSorted()).toStrictEqual(
      [
        [fixed, 'managed-identity:enable-managed-identity', 'Succeeded', 1, null],
        [waiting, 'no-pod-identity:disable-pod-identity', 'Failed', 2, 'BadRequest'],
      ].toSorted(),
    );
    expect(later.map(summary)).toStrictEqual([[waiting, 'no-pod-identity:disable-pod-identity', 'Failed', 2, 'BadRequest']]);
  });

  test('follows the pages of a table with more rows than one page holds', async () => {
    // Prepare: 1100 states in a subscription of their own, written as the adapter writes them
    const many = Array.from({ length: 1100 }, (_, i) => clusterId(`aks-page-${String(i).padStart(4, '0')}`, SUBSCRIPTION_A, 'rg-paging'));
    for (let i = 0; i < many.length; i += 50) {
      await Promise.all(many.slice(i, i + 50).map((id) => store.recordEvaluation(id, evaluation(id, [rule('managed-identity', 'Compliant')]), cause('bulk', 'sweep'), { now: at(10) })));
    }

    // Act
    let seen = 0;
    for await (const state of source.scanStates()) if (state.resourceGroup === 'rg-paging') seen += 1;

    // Assess
    expect(seen).toBe(1100);
  }, 120_000);

  test('scanRollouts streams each record and member (not the slots) as the rollout store reads them, and the report shows them', async () => {
    // Prepare: two rollouts through the adapter's own writes, one with a slot held
    const baseline = baselineOf({
      rules: { managedIdentity: { mode: 'approval' } },
      rollouts: [{ name: 'mi-migration', actions: ['enable-managed-identity'], waves: [{ name: 'canary', match: { tags: { ring: 'canary' } } }], maxFailures: 1 }],
    });
    await store.createRollout({ rolloutId: 'mi-migration', status: 'Running', createdAt: at(0).toISOString(), waves: [{ name: 'canary', approvedAt: at(1).toISOString(), approvedBy: 'alice@contoso.com' }, { name: 'remaining' }] });
    await store.putMember('mi-migration', { clusterId: fixed, wave: 0, status: 'Succeeded', registeredAt: at(1).toISOString(), startedAt: at(1).toISOString(), finishedAt: at(3).toISOString() });
    await store.putMember('mi-migration', { clusterId: waiting, wave: 0, status: 'Running', slot: 0, registeredAt: at(1).toISOString(), startedAt: at(5).toISOString() });
    await store.putMember('mi-migration', { clusterId: gone, wave: 1, status: 'Failed', registeredAt: at(1).toISOString(), error: { code: 'Conflict', message: 'refused' } });
    expect(await store.claimSlot('mi-migration', 0, 1, waiting)).toBe(0);
    await store.createRollout({ rolloutId: 'old/policy', status: 'Halted', createdAt: at(0).toISOString(), waves: [{ name: 'a' }], halt: { at: at(2).toISOString(), by: 'bob', reason: 'paused' } });

    // Act
    const rows = await all(source.scanRollouts());
    const data = await collectReport(source, { baseline, baselineLabel: 'baseline.json', store: 'azurite', since: at(-1), now: at(20) });

    // Assess
    const records = rows.flatMap((row) => (row.kind === 'record' ? [row.record] : []));
    expect(records.toSorted((a, b) => (a.rolloutId < b.rolloutId ? -1 : 1))).toStrictEqual([await store.getRollout('mi-migration'), await store.getRollout('old/policy')]);
    const members = rows.flatMap((row) => (row.kind === 'member' ? [{ rolloutId: row.rolloutId, ...row.member }] : []));
    const byCluster = (a: { clusterId: string }, b: { clusterId: string }): number => (a.clusterId < b.clusterId ? -1 : 1);
    expect(members.toSorted(byCluster)).toStrictEqual((await store.listMembers('mi-migration')).map((member) => ({ rolloutId: 'mi-migration', ...member })).toSorted(byCluster));
    expect(rows).toHaveLength(5);
    expect(data.rollouts?.rows.map((row) => [row.rolloutId, row.state, row.waves.map((wave) => [wave.name, wave.state, wave.clusters, wave.succeeded, wave.failed, wave.approvedBy ?? null])])).toStrictEqual([
      ['mi-migration', 'running', [['canary', 'running', 2, 1, 0, 'alice@contoso.com'], ['remaining', 'waiting', 1, 0, 1, null]]],
      ['old/policy', 'halted', [['a', 'waiting', 0, 0, 0, null]]],
    ]);
    expect(data.rollouts?.rows[1]?.halt).toStrictEqual({ at: at(2).toISOString(), by: 'bob', reason: 'paused' });
  });

  test('stops when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort();

    await expect(all(source.scanStates({ abortSignal: controller.signal }))).rejects.toThrow();
  });
});
