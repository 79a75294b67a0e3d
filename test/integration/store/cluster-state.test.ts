import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TableClient } from '@azure/data-tables';
import { ensureQueues, ensureTables } from '../../../src/azure/storage/clients.js';
import { createTableComplianceStore } from '../../../src/azure/storage/compliance-store.js';
import { StorageError } from '../../../src/azure/errors.js';
import { clusterKey } from '../../../src/azure/storage/keys.js';
import type { ClusterState, ComplianceStore, Transition } from '../../../src/ports.js';
import { rejectionOf } from '../../support/rejection.js';
import { STORE_START_TIMEOUT_MS, SUBSCRIPTION_A, at, cause, clusterId, evaluation, rule, startStoreHarness, type StoreHarness } from '../../support/store.js';

// The paging fleet has subscriptions of its own, so clusters from other tests do not show up in its counts.
const FLEET_1 = '00000000-f1f1-4000-8000-000000000001';
const FLEET_2 = '00000000-f2f2-4000-8000-000000000002';
const ODD_SUBSCRIPTION = '0000000A-0DD0-4000-8000-00000000000D';

describe('cluster state and history on Table Storage (Azurite)', () => {
  let harness: StoreHarness;
  let store: ComplianceStore;

  beforeAll(async () => {
    harness = await startStoreHarness();
    store = harness.store;
  }, STORE_START_TIMEOUT_MS);
  afterAll(async () => {
    await harness?.azurite.stop();
  });

  test('creates tables and queues idempotently', async () => {
    // The harness created them already: a second time succeeds too.
    await expect(ensureTables(harness.clients)).resolves.toBeUndefined();
    await expect(ensureQueues(harness.clients)).resolves.toBeUndefined();
  });

  test('records a first evaluation: state with every rule, and a transition per status from nothing', async () => {
    const id = clusterId('aks-first');

    const transitions = await store.recordEvaluation(
      id,
      evaluation(id, [rule('managed-identity', 'Compliant'), rule('workload-identity', 'NonCompliant', { expected: { enabled: true }, observed: { enabled: false } })]),
      cause('evt-1'),
      { now: at(0), location: 'westeurope' },
    );

    expect(transitions.map((t) => [t.ruleId ?? 'cluster', t.from, t.to])).toStrictEqual([
      ['cluster', null, 'NonCompliant'],
      ['managed-identity', null, 'Compliant'],
      ['workload-identity', null, 'NonCompliant'],
    ]);
    const state = await store.getState(id);
    expect(state).toMatchObject({
      status: 'NonCompliant',
      subscriptionId: SUBSCRIPTION_A,
      resourceGroup: 'rg-fleet',
      clusterName: 'aks-first',
      location: 'westeurope',
      evaluatedAt: at(0).toISOString(),
      version: 1,
    });
    expect(state?.lastCause).toStrictEqual(cause('evt-1'));
    expect(state?.results[1]).toStrictEqual({
      ruleId: 'workload-identity',
      status: 'NonCompliant',
      reason: 'NonCompliantReason',
      message: 'workload-identity is NonCompliant.',
      expected: { enabled: true },
      observed: { enabled: false },
    });
  });

  test('records only changes on later evaluations, keeps the location, and lists history newest first', async () => {
    // Prepare
    const id = clusterId('aks-history');
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant'), rule('b', 'Compliant')]), cause('e1'), { now: at(0), location: 'eastus' });

    // Act
    const unchanged = await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant'), rule('b', 'Compliant')]), cause('e2', 'sweep'), { now: at(1) });
    const fixed = await store.recordEvaluation(id, evaluation(id, [rule('a', 'Compliant'), rule('b', 'Compliant')]), cause('e3'), { now: at(2) });

    // Assess
    expect(unchanged).toStrictEqual([]);
    expect(fixed.map((t) => [t.ruleId ?? 'cluster', t.from, t.to])).toStrictEqual([
      ['cluster', 'NonCompliant', 'Compliant'],
      ['a', 'NonCompliant', 'Compliant'],
    ]);
    const state = await store.getState(id);
    expect(state?.location).toBe('eastus');
    expect(state?.version).toBe(3);
    expect(state?.lastCause.id).toBe('e3');
    const history = await store.listHistory(id);
    expect(history.map((t) => [t.at, t.ruleId ?? 'cluster', t.from, t.to, t.cause.id])).toStrictEqual([
      [at(2).toISOString(), 'cluster', 'NonCompliant', 'Compliant', 'e3'],
      [at(2).toISOString(), 'a', 'NonCompliant', 'Compliant', 'e3'],
      [at(0).toISOString(), 'cluster', null, 'NonCompliant', 'e1'],
      [at(0).toISOString(), 'a', null, 'NonCompliant', 'e1'],
      [at(0).toISOString(), 'b', null, 'Compliant', 'e1'],
    ]);
    expect(history[0]?.cause).toStrictEqual(cause('e3'));
    expect(await store.listHistory(id, { limit: 2 })).toHaveLength(2);
  });

  test('keeps one partition of history per cluster and writes more than 100 transitions in chunks', async () => {
    // Prepare
    const id = clusterId('aks-many-rules');
    const rules = Array.from({ length: 150 }, (_, i) => `rule-${String(i).padStart(3, '0')}`);

    // Act
    const first = await store.recordEvaluation(id, evaluation(id, rules.map((r) => rule(r, 'NonCompliant'))), cause('many-1'), { now: at(0) });
    const second = await store.recordEvaluation(id, evaluation(id, rules.map((r) => rule(r, 'Compliant'))), cause('many-2'), { now: at(1) });

    // Assess
    expect(first).toHaveLength(151);
    expect(second).toHaveLength(151);
    const history = await store.listHistory(id, { limit: 1000 });
    expect(history).toHaveLength(302);
    expect(history.slice(0, 151).filter((t) => !(t.to === 'Compliant' && t.cause.id === 'many-2'))).toStrictEqual([]);
    expect(history.slice(151).filter((t) => !(t.from === null && t.cause.id === 'many-1'))).toStrictEqual([]);
    // All of it in the cluster's own partition of ClusterHistory.
    const partitions = new Set<string>();
    for await (const row of harness.clients.tables.history.listEntities({ queryOptions: { select: ['PartitionKey'] } })) {
      if (row.partitionKey?.includes('aks-many-rules')) partitions.add(row.partitionKey);
    }
    expect([...partitions]).toStrictEqual([clusterKey(id)]);
  });

  test('loses no update when several writers race on one state row', async () => {
    // Prepare
    const id = clusterId('aks-race');
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant')]), cause('race-0'), { now: at(0) });
    const statuses = ['Compliant', 'NonCompliant', 'Compliant', 'Unknown', 'Compliant', 'NonCompliant'] as const;

    // Act
    const returned = await Promise.all(
      statuses.map((status, i) => store.recordEvaluation(id, evaluation(id, [rule('a', status)]), cause(`race-${i + 1}`), { now: at(1) })),
    );

    // Assess: every writer landed exactly once
    const state = await store.getState(id);
    expect(state?.version).toBe(1 + statuses.length);
    const history = await store.listHistory(id, { limit: 1000 });
    // Every transition a writer reported is in the history ...
    const key = (t: Transition) => [t.cause.id, t.ruleId ?? null, t.to];
    expect(history.map(key)).toEqual(expect.arrayContaining(returned.flat().map(key)));
    expect(history).toHaveLength(returned.flat().length + 2);
    // ... and the history of each status (cluster, rule a) is one unbroken chain, newest first, ending at the final state.
    const chainOf = (ruleId: string | undefined) => history.filter((h) => h.ruleId === ruleId);
    for (const [ruleId, finalStatus] of [[undefined, state?.status], ['a', state?.results[0]?.status]] as const) {
      const chain = chainOf(ruleId);
      expect(chain.slice(0, -1).map((h) => h.from)).toStrictEqual(chain.slice(1).map((h) => h.to));
      expect(chain.at(-1)?.from).toBeNull();
      expect(chain[0]?.to).toBe(finalStatus);
    }
  });

  test('records over the row a run read beside its cluster, reading again only when another writer came first', async () => {
    const id = clusterId('aks-basis');
    const clean = evaluation(id, [rule('managed-identity', 'Compliant')]);
    await store.recordEvaluation(id, clean, cause('evt-b0'), { now: at(0), basis: await store.readBasis(id), remediationsOpen: false });

    // Act: a run reads its basis; another writer records in between; the run records over its basis
    const basis = await store.readBasis(id);
    await store.recordEvaluation(id, evaluation(id, [rule('managed-identity', 'NonCompliant')]), cause('evt-b1'), { now: at(1) });
    const transitions = await store.recordEvaluation(id, clean, cause('evt-b2'), { now: at(2), basis, remediationsOpen: false });

    // Assess: the basis was version 1 and clean; the run's write went through after a fresh read, both writes count
    expect(basis).toMatchObject({ clusterId: id, state: { version: 1, status: 'Compliant' }, remediationsOpen: false });
    expect(transitions.map((t) => [t.ruleId ?? 'cluster', t.from, t.to])).toStrictEqual([
      ['cluster', 'NonCompliant', 'Compliant'],
      ['managed-identity', 'NonCompliant', 'Compliant'],
    ]);
    expect((await store.getState(id))?.version).toBe(3);
  });

  test('says whether remediation rows may be open: none before the first record, unknown counts as open; a run that read the row may say none are', async () => {
    const id = clusterId('aks-open-flag');
    // Nothing recorded yet: none (every intent row follows a state row that says they may be open). Recorded without
    // saying: open.
    expect((await store.readBasis(id)).remediationsOpen).toBe(false);
    await store.recordEvaluation(id, evaluation(id, [rule('workload-identity', 'NonCompliant')]), cause('evt-f0'), { now: at(0) });
    expect((await store.readBasis(id)).remediationsOpen).toBe(true);

    // Without the row it read, a writer saying none are open is not believed (the row may know better).
    await store.recordEvaluation(id, evaluation(id, [rule('workload-identity', 'NonCompliant')]), cause('evt-f1'), { now: at(1), remediationsOpen: false });
    expect((await store.readBasis(id)).remediationsOpen).toBe(true);

    // Act and assess: a run that read it says none are open; the next run reads that, and its record before its first
    // write says they may be (the pipeline's recordBeforeWrites).
    await store.recordEvaluation(id, evaluation(id, [rule('workload-identity', 'NonCompliant')]), cause('evt-f1b'), { now: at(1.5), basis: await store.readBasis(id), remediationsOpen: false });
    const basis = await store.readBasis(id);
    expect(basis.remediationsOpen).toBe(false);
    await store.recordEvaluation(id, evaluation(id, [rule('workload-identity', 'NonCompliant')]), cause('evt-f2'), { now: at(2), basis, remediationsOpen: true });
    expect((await store.readBasis(id)).remediationsOpen).toBe(true);
    // The run's record after its writes has no basis left (the first record took it); saying none are open is not believed.
    await store.recordEvaluation(id, evaluation(id, [rule('workload-identity', 'NonCompliant')]), cause('evt-f2'), { now: at(2.5), basis, remediationsOpen: false });
    expect((await store.getState(id))?.version).toBe(5);
    expect((await store.readBasis(id)).remediationsOpen).toBe(true);
    // A later write that does not say keeps it.
    await store.markDeleted(id, cause('evt-f3'), at(3));
    expect((await store.readBasis(id)).remediationsOpen).toBe(true);
  });

  test('records RemediationFailed overrides with the last ARM error', async () => {
    const id = clusterId('aks-failed');

    const transitions = await store.recordEvaluation(id, evaluation(id, [rule('flux', 'NonCompliant'), rule('mi', 'Compliant')]), cause('f1'), {
      now: at(0),
      ruleOverrides: [{ ruleId: 'flux', status: 'RemediationFailed', lastError: { code: 'ExtensionOperationFailed', message: 'Helm install failed' } }],
    });

    expect(transitions[0]).toStrictEqual({ clusterId: id, from: null, to: 'RemediationFailed', at: at(0).toISOString(), cause: cause('f1') });
    const state = await store.getState(id);
    expect(state?.status).toBe('RemediationFailed');
    expect(state?.results[0]?.lastError).toStrictEqual({ code: 'ExtensionOperationFailed', message: 'Helm install failed' });
  });

  test('never stores protected settings or credentials that appear in observed values', async () => {
    const id = clusterId('aks-secrets');

    await store.recordEvaluation(
      id,
      evaluation(id, [rule('flux', 'NonCompliant', { observed: { configurationSettings: { a: 'b' }, configurationProtectedSettings: { sshKey: 'TOP-SECRET-VALUE' }, nested: { password: 'TOP-SECRET-VALUE' } } })]),
      cause('s1'),
      { now: at(0) },
    );

    const raw = await harness.clients.tables.state.getEntity(clusterKey(id), 'state');
    expect(JSON.stringify(raw)).not.toMatch(/TOP-SECRET-VALUE|configurationProtectedSettings/);
    expect((await store.getState(id))?.results[0]?.observed).toStrictEqual({ configurationSettings: { a: 'b' }, nested: {} });
  });

  test('keeps the verdicts but leaves out expected/observed values too large for one entity', async () => {
    // Prepare
    const id = clusterId('aks-huge');
    const huge = { manifest: 'x'.repeat(300_000) };

    // Act and assess: too large, so the details are left out
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant', { observed: huge }), rule('b', 'Compliant', { expected: { small: true } })]), cause('h1'), { now: at(0) });
    const state = await store.getState(id);
    expect(state?.detailsOmitted).toBe(true);
    expect(state?.results.map((r) => [r.ruleId, r.status, r.observed, r.expected])).toStrictEqual([
      ['a', 'NonCompliant', undefined, undefined],
      ['b', 'Compliant', undefined, undefined],
    ]);

    // Act and assess: small again, so they are back
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant', { observed: { small: true } })]), cause('h2'), { now: at(1) });
    const smaller = await store.getState(id);
    expect(smaller?.detailsOmitted).toBeUndefined();
    expect(smaller?.results[0]?.observed).toStrictEqual({ small: true });
  });

  test('treats odd ids exactly: mixed case, parentheses, periods, unicode and the longest names find the same row in any casing', async () => {
    // Act and assess: the odd characters ARM allows, looked up in other casings
    const odd = `/subscriptions/${ODD_SUBSCRIPTION}/resourceGroups/Rg(1).Grüne_x/providers/Microsoft.ContainerService/managedClusters/Cluster_AO-1`;
    await store.recordEvaluation(odd, evaluation(odd, [rule('a', 'Compliant')]), cause('odd-1'), { now: at(0) });
    const state = await store.getState(odd.toLowerCase());
    expect(state?.clusterId).toBe(odd);
    expect(state?.resourceGroup).toBe('Rg(1).Grüne_x');
    expect(state?.clusterName).toBe('Cluster_AO-1');
    expect(await store.listHistory(odd.toUpperCase())).toHaveLength(2);

    // Act and assess: the longest names ARM allows (a 90-character group, a 63-character cluster) fit a key
    const longName = `n${'-'.repeat(61)}n`;
    const long = clusterId(longName, ODD_SUBSCRIPTION.toLowerCase(), 'g'.repeat(90));
    await store.recordEvaluation(long, evaluation(long, [rule('a', 'Compliant')]), cause('long-1'), { now: at(0) });
    expect((await store.getState(long))?.clusterName).toBe(longName);

    // Act and assess: what ARM's naming rules refuse (issue 17) is refused before anything is written
    const refused = [clusterId(`${longName}x`), clusterId('..'), clusterId('aks', SUBSCRIPTION_A, 'Rg#1?x\\y'), clusterId('c'.repeat(5000))];
    for (const id of refused) {
      await expect(store.recordEvaluation(id, evaluation(id, [rule('a', 'Compliant')]), cause('refused'), { now: at(0) })).rejects.toThrow(/is not a valid AKS cluster id/);
    }
    expect((await store.listStates({ pageSize: 1000 })).items.filter((s) => s.clusterName.endsWith('nx') || s.clusterName === '..')).toHaveLength(0);
  });

  test('rejects bad input before writing anything', async () => {
    const id = clusterId('aks-bad-input');

    await expect(store.recordEvaluation(id, evaluation(clusterId('other'), []), cause('b1'), { now: at(0) })).rejects.toThrow(/the evaluation is for ".*other", not ".*aks-bad-input"/);
    await expect(store.recordEvaluation('/subscriptions/x/resourceGroups/rg', evaluation('/subscriptions/x/resourceGroups/rg', []), cause('b2'), { now: at(0) })).rejects.toThrow(/not a managed cluster resource id/);
    await expect(store.recordEvaluation(id, evaluation(id, []), { kind: 'timer' as 'sweep', id: 'x' }, { now: at(0) })).rejects.toThrow(/cause.kind must be one of/);
    await expect(store.recordEvaluation(id, evaluation(id, []), cause('b3'), { now: new Date('nope') })).rejects.toThrow(/now must be a valid Date/);

    expect(await store.getState(id)).toBeUndefined();
  });

  test('marks a cluster Deleted, keeping its results and history', async () => {
    // Prepare
    const id = clusterId('aks-deleted');
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant')]), cause('d1'), { now: at(0) });

    // Act
    const transitions = await store.markDeleted(id, cause('d2'), at(5));

    // Assess
    expect(transitions.map((t) => [t.ruleId, t.from, t.to])).toStrictEqual([[undefined, 'NonCompliant', 'Deleted']]);
    const state = await store.getState(id);
    expect(state?.status).toBe('Deleted');
    expect(state?.results[0]?.status).toBe('NonCompliant');
    // Already deleted: nothing more to record.
    expect(await store.markDeleted(id, cause('d3'), at(6))).toStrictEqual([]);
    expect(await store.markDeleted(clusterId('never-seen'), cause('d4'), at(6))).toStrictEqual([]);
    expect(await store.getState(clusterId('never-seen'))).toBeUndefined();
    expect(await store.listHistory(id)).toHaveLength(3);
  });

  test('writes history that was interrupted by a failure on the next write of the cluster', async () => {
    // Prepare: the history table disappears between the state write and the history write
    const id = clusterId('aks-outbox');
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant')]), cause('o1'), { now: at(0) });
    await harness.clients.tables.history.deleteTable();

    // Act and assess: the write fails, naming the table, but the state write itself landed
    const failed = await rejectionOf(store.recordEvaluation(id, evaluation(id, [rule('a', 'Compliant')]), cause('o2'), { now: at(1) }), 'a StorageError');
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed).toMatchObject({ kind: 'not-found', message: expect.stringMatching(/ClusterHistory/) });
    expect((await store.getState(id))?.status).toBe('Compliant');

    // Act and assess: the next write replays the o2 transitions (the o1 rows went with the deleted table)
    await harness.clients.tables.history.createTable();
    expect(await store.recordEvaluation(id, evaluation(id, [rule('a', 'Compliant')]), cause('o3'), { now: at(2) })).toStrictEqual([]);
    const history = await store.listHistory(id);
    expect(history.map((t) => [t.ruleId ?? 'cluster', t.from, t.to, t.cause.id])).toStrictEqual([
      ['cluster', 'NonCompliant', 'Compliant', 'o2'],
      ['a', 'NonCompliant', 'Compliant', 'o2'],
    ]);

    // Act and assess: replayed once, not on every later write
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'Compliant')]), cause('o4'), { now: at(3) });
    expect(await store.listHistory(id)).toHaveLength(2);
  });

  test('reports a missing table as an error naming it, never as "no state yet"', async () => {
    const tables = { ...harness.clients.tables, state: TableClient.fromConnectionString(harness.azurite.connectionString, 'MissingState', { allowInsecureConnection: true }) };
    const misconfigured = createTableComplianceStore({ tables });

    const error = await rejectionOf(misconfigured.getState(clusterId('aks-first')), 'a StorageError');

    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({
      kind: 'not-found',
      code: 'TableNotFound',
      message: expect.stringMatching(/^read on MissingState ".*aks-first, state" failed \(404 TableNotFound\): The table specified does not exist\. /),
    });
  });

  describe('listing and counting', () => {
    const fleet: string[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 25; i++) {
        const id = clusterId(`fleet-${String(i).padStart(2, '0')}`, i < 15 ? FLEET_1 : FLEET_2, 'rg-paging');
        fleet.push(id);
        await store.recordEvaluation(id, evaluation(id, [rule('a', i % 3 === 0 ? 'NonCompliant' : 'Compliant')]), cause(`fleet-${i}`, 'sweep'), { now: at(0) });
      }
    });

    /** Every page of a listing; throws when a page holds more than pageSize states. */
    async function allPages(options: { status?: ClusterState['status']; subscriptionId?: string; pageSize: number }): Promise<{ pages: number; items: ClusterState[] }> {
      const items: ClusterState[] = [];
      let pages = 0;
      let continuationToken: string | undefined;
      do {
        const page = await store.listStates({ ...options, ...(continuationToken ? { continuationToken } : {}) });
        if (page.items.length > options.pageSize) throw new Error(`page ${pages + 1} holds ${page.items.length} states, more than the pageSize ${options.pageSize}`);
        items.push(...page.items);
        pages += 1;
        continuationToken = page.continuationToken;
      } while (continuationToken);
      return { pages, items };
    }

    test('pages through states with continuation tokens, each cluster once', async () => {
      const { pages, items } = await allPages({ pageSize: 7 });

      const ids = items.map((s) => s.clusterId);
      // No duplicates across pages.
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(fleet));
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(ids.length / 7));
      await expect(store.listStates({ continuationToken: 'not-a-token' })).rejects.toThrow(/continuationToken is not one that this listing returned/);
    });

    test('filters by subscription (a key range) and by status', async () => {
      // Act and assess: by subscription, in pages of 4, in any casing
      const inB = await allPages({ subscriptionId: FLEET_2, pageSize: 4 });
      expect(inB.items.map((s) => s.clusterName).sort()).toStrictEqual(fleet.slice(15).map((id) => id.split('/').at(-1)).sort());
      expect(inB.items.map((s) => s.subscriptionId)).toStrictEqual(inB.items.map(() => FLEET_2));
      expect(inB.pages).toBe(3);
      const upper = await allPages({ subscriptionId: FLEET_2.toUpperCase(), pageSize: 100 });
      expect(upper.items).toHaveLength(10);

      // Act and assess: by subscription and status
      const nonCompliantInA = await allPages({ subscriptionId: FLEET_1, status: 'NonCompliant', pageSize: 100 });
      expect(nonCompliantInA.items.map((s) => s.clusterName).sort()).toStrictEqual(['fleet-00', 'fleet-03', 'fleet-06', 'fleet-09', 'fleet-12']);

      // Act and assess: bad filters are refused
      await expect(store.listStates({ pageSize: 0 })).rejects.toThrow(/pageSize must be a whole number from 1 to 1000/);
      await expect(store.listStates({ subscriptionId: "x' or true or 'a" })).rejects.toThrow(/is not a subscription id/);
      await expect(store.listStates({ status: 'Broken' as 'Compliant' })).rejects.toThrow(/status must be one of/);
    });

    test('counts clusters by status for the fleet summary', async () => {
      const inB = await store.countByStatus({ subscriptionId: FLEET_2 });
      const all = await store.countByStatus();
      const listed = await allPages({ pageSize: 1000 });

      expect(inB.total).toBe(10);
      expect(inB.NonCompliant).toBe(4); // fleet-15, -18, -21, -24
      expect(inB.Compliant).toBe(6);
      expect(inB.Deleted).toBe(0);
      expect(all.total).toBe(listed.items.length);
      const statuses = ['Compliant', 'NonCompliant', 'Deleted', 'RemediationFailed'] as const;
      expect(statuses.map((status) => [status, all[status]])).toStrictEqual(statuses.map((status) => [status, listed.items.filter((s) => s.status === status).length]));
    });
  });
});
