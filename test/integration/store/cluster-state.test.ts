import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TableClient } from '@azure/data-tables';
import { createTableComplianceStore } from '../../../src/azure/storage/compliance-store.js';
import { StorageError } from '../../../src/azure/storage/errors.js';
import { clusterKey } from '../../../src/azure/storage/keys.js';
import type { ClusterState, ComplianceStore } from '../../../src/ports.js';
import { SUBSCRIPTION_A, at, cause, clusterId, evaluation, rule, startStoreHarness, type StoreHarness } from '../../support/store.js';

// The paging fleet has subscriptions of its own, so clusters from other tests do not show up in its counts.
const FLEET_1 = '00000000-f1f1-4000-8000-000000000001';
const FLEET_2 = '00000000-f2f2-4000-8000-000000000002';
const ODD_SUBSCRIPTION = '0000000A-0DD0-4000-8000-00000000000D';

describe('cluster state and history on Table Storage (Azurite)', () => {
  let harness: StoreHarness;
  let store: ComplianceStore;

  before(async () => {
    harness = await startStoreHarness();
    store = harness.store;
  });
  after(async () => {
    await harness?.azurite.stop();
  });

  it('creates tables and queues idempotently', async () => {
    const { ensureTables, ensureQueues } = await import('../../../src/azure/storage/clients.js');
    await ensureTables(harness.clients);
    await ensureQueues(harness.clients);
  });

  it('records a first evaluation: state with every rule, and a transition per status from nothing', async () => {
    const id = clusterId('aks-first');
    const transitions = await store.recordEvaluation(
      id,
      evaluation(id, [rule('managed-identity', 'Compliant'), rule('workload-identity', 'NonCompliant', { expected: { enabled: true }, observed: { enabled: false } })]),
      cause('evt-1'),
      { now: at(0), location: 'westeurope' },
    );
    assert.deepEqual(
      transitions.map((t) => [t.ruleId ?? 'cluster', t.from, t.to]),
      [
        ['cluster', null, 'NonCompliant'],
        ['managed-identity', null, 'Compliant'],
        ['workload-identity', null, 'NonCompliant'],
      ],
    );
    const state = await store.getState(id);
    assert.ok(state);
    assert.equal(state.status, 'NonCompliant');
    assert.equal(state.subscriptionId, SUBSCRIPTION_A);
    assert.equal(state.resourceGroup, 'rg-fleet');
    assert.equal(state.clusterName, 'aks-first');
    assert.equal(state.location, 'westeurope');
    assert.equal(state.evaluatedAt, at(0).toISOString());
    assert.deepEqual(state.lastCause, cause('evt-1'));
    assert.equal(state.version, 1);
    assert.deepEqual(state.results[1], {
      ruleId: 'workload-identity',
      status: 'NonCompliant',
      reason: 'NonCompliantReason',
      message: 'workload-identity is NonCompliant.',
      expected: { enabled: true },
      observed: { enabled: false },
    });
  });

  it('records only changes on later evaluations, keeps the location, and lists history newest first', async () => {
    const id = clusterId('aks-history');
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant'), rule('b', 'Compliant')]), cause('e1'), { now: at(0), location: 'eastus' });
    const unchanged = await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant'), rule('b', 'Compliant')]), cause('e2', 'sweep'), { now: at(1) });
    assert.deepEqual(unchanged, []);
    const fixed = await store.recordEvaluation(id, evaluation(id, [rule('a', 'Compliant'), rule('b', 'Compliant')]), cause('e3'), { now: at(2) });
    assert.deepEqual(
      fixed.map((t) => [t.ruleId ?? 'cluster', t.from, t.to]),
      [
        ['cluster', 'NonCompliant', 'Compliant'],
        ['a', 'NonCompliant', 'Compliant'],
      ],
    );
    const state = await store.getState(id);
    assert.equal(state?.location, 'eastus');
    assert.equal(state?.version, 3);
    assert.equal(state?.lastCause.id, 'e3');

    const history = await store.listHistory(id);
    assert.deepEqual(
      history.map((t) => [t.at, t.ruleId ?? 'cluster', t.from, t.to, t.cause.id]),
      [
        [at(2).toISOString(), 'cluster', 'NonCompliant', 'Compliant', 'e3'],
        [at(2).toISOString(), 'a', 'NonCompliant', 'Compliant', 'e3'],
        [at(0).toISOString(), 'cluster', null, 'NonCompliant', 'e1'],
        [at(0).toISOString(), 'a', null, 'NonCompliant', 'e1'],
        [at(0).toISOString(), 'b', null, 'Compliant', 'e1'],
      ],
    );
    assert.deepEqual(history[0]?.cause, cause('e3'));
    assert.equal((await store.listHistory(id, { limit: 2 })).length, 2);
  });

  it('keeps one partition of history per cluster and writes more than 100 transitions in chunks', async () => {
    const id = clusterId('aks-many-rules');
    const rules = Array.from({ length: 150 }, (_, i) => `rule-${String(i).padStart(3, '0')}`);
    const first = await store.recordEvaluation(id, evaluation(id, rules.map((r) => rule(r, 'NonCompliant'))), cause('many-1'), { now: at(0) });
    assert.equal(first.length, 151);
    const second = await store.recordEvaluation(id, evaluation(id, rules.map((r) => rule(r, 'Compliant'))), cause('many-2'), { now: at(1) });
    assert.equal(second.length, 151);

    const history = await store.listHistory(id, { limit: 1000 });
    assert.equal(history.length, 302);
    assert.ok(history.slice(0, 151).every((t) => t.to === 'Compliant' && t.cause.id === 'many-2'));
    assert.ok(history.slice(151).every((t) => t.from === null && t.cause.id === 'many-1'));

    // All of it in the cluster's own partition of ClusterHistory.
    const partitions = new Set<string>();
    for await (const row of harness.clients.tables.history.listEntities({ queryOptions: { select: ['PartitionKey'] } })) {
      if (row.partitionKey?.includes('aks-many-rules')) partitions.add(row.partitionKey);
    }
    assert.deepEqual([...partitions], [clusterKey(id)]);
  });

  it('loses no update when several writers race on one state row', async () => {
    const id = clusterId('aks-race');
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant')]), cause('race-0'), { now: at(0) });
    const statuses = ['Compliant', 'NonCompliant', 'Compliant', 'Unknown', 'Compliant', 'NonCompliant'] as const;
    const returned = await Promise.all(
      statuses.map((status, i) => store.recordEvaluation(id, evaluation(id, [rule('a', status)]), cause(`race-${i + 1}`), { now: at(1) })),
    );

    const state = await store.getState(id);
    assert.equal(state?.version, 1 + statuses.length, 'every writer landed exactly once');
    const history = await store.listHistory(id, { limit: 1000 });
    // Every transition a writer reported is in the history ...
    for (const transition of returned.flat()) {
      assert.ok(history.some((h) => h.cause.id === transition.cause.id && h.ruleId === transition.ruleId && h.to === transition.to), `missing ${JSON.stringify(transition)}`);
    }
    assert.equal(history.length, returned.flat().length + 2);
    // ... and the history of each status is one unbroken chain ending at the final state.
    for (const ruleId of [undefined, 'a']) {
      const chain = history.filter((h) => h.ruleId === ruleId);
      for (let i = 0; i + 1 < chain.length; i++) assert.equal(chain[i]?.from, chain[i + 1]?.to, `broken chain for ${ruleId ?? 'cluster'}`);
      assert.equal(chain.at(-1)?.from, null);
      assert.equal(chain[0]?.to, ruleId ? state?.results[0]?.status : state?.status);
    }
  });

  it('records RemediationFailed overrides with the last ARM error', async () => {
    const id = clusterId('aks-failed');
    const transitions = await store.recordEvaluation(id, evaluation(id, [rule('flux', 'NonCompliant'), rule('mi', 'Compliant')]), cause('f1'), {
      now: at(0),
      ruleOverrides: [{ ruleId: 'flux', status: 'RemediationFailed', lastError: { code: 'ExtensionOperationFailed', message: 'Helm install failed' } }],
    });
    assert.deepEqual(transitions[0], { clusterId: id, from: null, to: 'RemediationFailed', at: at(0).toISOString(), cause: cause('f1') });
    const state = await store.getState(id);
    assert.equal(state?.status, 'RemediationFailed');
    assert.deepEqual(state?.results[0]?.lastError, { code: 'ExtensionOperationFailed', message: 'Helm install failed' });
  });

  it('never stores protected settings or credentials that appear in observed values', async () => {
    const id = clusterId('aks-secrets');
    await store.recordEvaluation(
      id,
      evaluation(id, [rule('flux', 'NonCompliant', { observed: { configurationSettings: { a: 'b' }, configurationProtectedSettings: { sshKey: 'TOP-SECRET-VALUE' }, nested: { password: 'TOP-SECRET-VALUE' } } })]),
      cause('s1'),
      { now: at(0) },
    );
    const raw = await harness.clients.tables.state.getEntity(clusterKey(id), 'state');
    assert.doesNotMatch(JSON.stringify(raw), /TOP-SECRET-VALUE|configurationProtectedSettings/);
    assert.deepEqual((await store.getState(id))?.results[0]?.observed, { configurationSettings: { a: 'b' }, nested: {} });
  });

  it('keeps the verdicts but leaves out expected/observed values too large for one entity', async () => {
    const id = clusterId('aks-huge');
    const huge = { manifest: 'x'.repeat(300_000) };
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant', { observed: huge }), rule('b', 'Compliant', { expected: { small: true } })]), cause('h1'), { now: at(0) });
    const state = await store.getState(id);
    assert.equal(state?.detailsOmitted, true);
    assert.deepEqual(
      state?.results.map((r) => [r.ruleId, r.status, r.observed, r.expected]),
      [
        ['a', 'NonCompliant', undefined, undefined],
        ['b', 'Compliant', undefined, undefined],
      ],
    );
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant', { observed: { small: true } })]), cause('h2'), { now: at(1) });
    const smaller = await store.getState(id);
    assert.equal(smaller?.detailsOmitted, undefined);
    assert.deepEqual(smaller?.results[0]?.observed, { small: true });
  });

  it('treats odd ids exactly: mixed case, # ? \\, unicode and long names all find the same row in any casing', async () => {
    const odd = `/subscriptions/${ODD_SUBSCRIPTION}/resourceGroups/Rg#1?x\\y/providers/Microsoft.ContainerService/managedClusters/Clüster-ÄÖ-😀`;
    await store.recordEvaluation(odd, evaluation(odd, [rule('a', 'Compliant')]), cause('odd-1'), { now: at(0) });
    const state = await store.getState(odd.toLowerCase());
    assert.equal(state?.clusterId, odd);
    assert.equal(state?.resourceGroup, 'Rg#1?x\\y');
    assert.equal(state?.clusterName, 'Clüster-ÄÖ-😀');
    assert.equal((await store.listHistory(odd.toUpperCase())).length, 2);

    const longName = 'n'.repeat(512 - clusterId('').length);
    const long = clusterId(longName);
    assert.equal(long.length, 512);
    await store.recordEvaluation(long, evaluation(long, [rule('a', 'Compliant')]), cause('long-1'), { now: at(0) });
    assert.equal((await store.getState(long))?.clusterName, longName);

    const tooLong = clusterId(`${longName}x`);
    await assert.rejects(store.recordEvaluation(tooLong, evaluation(tooLong, [rule('a', 'Compliant')]), cause('long-2'), { now: at(0) }), /clusterId is too long to be a table key/);
    assert.equal((await store.listStates({ pageSize: 1000 })).items.filter((s) => s.clusterName.endsWith('nx')).length, 0, 'nothing half-written');
  });

  it('rejects bad input before writing anything', async () => {
    const id = clusterId('aks-bad-input');
    await assert.rejects(store.recordEvaluation(id, evaluation(clusterId('other'), []), cause('b1'), { now: at(0) }), /the evaluation is for ".*other", not ".*aks-bad-input"/);
    await assert.rejects(store.recordEvaluation('/subscriptions/x/resourceGroups/rg', evaluation('/subscriptions/x/resourceGroups/rg', []), cause('b2'), { now: at(0) }), /not a managed cluster resource id/);
    await assert.rejects(store.recordEvaluation(id, evaluation(id, []), { kind: 'timer' as 'sweep', id: 'x' }, { now: at(0) }), /cause.kind must be one of/);
    await assert.rejects(store.recordEvaluation(id, evaluation(id, []), cause('b3'), { now: new Date('nope') }), /now must be a valid Date/);
    assert.equal(await store.getState(id), undefined);
  });

  it('marks a cluster Deleted, keeping its results and history', async () => {
    const id = clusterId('aks-deleted');
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant')]), cause('d1'), { now: at(0) });
    const transitions = await store.markDeleted(id, cause('d2'), at(5));
    assert.deepEqual(transitions.map((t) => [t.ruleId, t.from, t.to]), [[undefined, 'NonCompliant', 'Deleted']]);
    const state = await store.getState(id);
    assert.equal(state?.status, 'Deleted');
    assert.equal(state?.results[0]?.status, 'NonCompliant');
    assert.deepEqual(await store.markDeleted(id, cause('d3'), at(6)), [], 'already deleted');
    assert.deepEqual(await store.markDeleted(clusterId('never-seen'), cause('d4'), at(6)), []);
    assert.equal(await store.getState(clusterId('never-seen')), undefined);
    assert.equal((await store.listHistory(id)).length, 3);
  });

  it('writes history that was interrupted by a failure on the next write of the cluster', async () => {
    const id = clusterId('aks-outbox');
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'NonCompliant')]), cause('o1'), { now: at(0) });
    // The history table disappears between the state write and the history write.
    await harness.clients.tables.history.deleteTable();
    const failed = await store.recordEvaluation(id, evaluation(id, [rule('a', 'Compliant')]), cause('o2'), { now: at(1) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(failed instanceof StorageError, `expected a StorageError, got ${String(failed)}`);
    assert.equal(failed.kind, 'not-found');
    assert.match(failed.message, /ClusterHistory/);
    assert.equal((await store.getState(id))?.status, 'Compliant', 'the state write itself landed');

    await harness.clients.tables.history.createTable();
    assert.deepEqual(await store.recordEvaluation(id, evaluation(id, [rule('a', 'Compliant')]), cause('o3'), { now: at(2) }), []);
    const history = await store.listHistory(id);
    assert.deepEqual(
      history.map((t) => [t.ruleId ?? 'cluster', t.from, t.to, t.cause.id]),
      [
        ['cluster', 'NonCompliant', 'Compliant', 'o2'],
        ['a', 'NonCompliant', 'Compliant', 'o2'],
      ],
      'the o2 transitions were replayed (the o1 rows went with the deleted table)',
    );
    // Replayed once, not on every later write.
    await store.recordEvaluation(id, evaluation(id, [rule('a', 'Compliant')]), cause('o4'), { now: at(3) });
    assert.equal((await store.listHistory(id)).length, 2);
  });

  it('reports a missing table as an error naming it, never as "no state yet"', async () => {
    const tables = { ...harness.clients.tables, state: TableClient.fromConnectionString(harness.azurite.connectionString, 'MissingState', { allowInsecureConnection: true }) };
    const misconfigured = createTableComplianceStore({ tables });
    await assert.rejects(misconfigured.getState(clusterId('aks-first')), (error: unknown) => {
      assert.ok(error instanceof StorageError);
      assert.equal(error.kind, 'not-found');
      assert.equal(error.code, 'TableNotFound');
      assert.match(error.message, /^read on MissingState ".*aks-first, state" failed \(404 TableNotFound\): The table specified does not exist\. /);
      return true;
    });
  });

  describe('listing and counting', () => {
    const fleet: string[] = [];

    before(async () => {
      for (let i = 0; i < 25; i++) {
        const id = clusterId(`fleet-${String(i).padStart(2, '0')}`, i < 15 ? FLEET_1 : FLEET_2, 'rg-paging');
        fleet.push(id);
        await store.recordEvaluation(id, evaluation(id, [rule('a', i % 3 === 0 ? 'NonCompliant' : 'Compliant')]), cause(`fleet-${i}`, 'sweep'), { now: at(0) });
      }
    });

    async function allPages(options: { status?: ClusterState['status']; subscriptionId?: string; pageSize: number }): Promise<{ pages: number; items: ClusterState[] }> {
      const items: ClusterState[] = [];
      let pages = 0;
      let continuationToken: string | undefined;
      do {
        const page = await store.listStates({ ...options, ...(continuationToken ? { continuationToken } : {}) });
        assert.ok(page.items.length <= options.pageSize);
        items.push(...page.items);
        pages += 1;
        continuationToken = page.continuationToken;
      } while (continuationToken);
      return { pages, items };
    }

    it('pages through states with continuation tokens, each cluster once', async () => {
      const { pages, items } = await allPages({ pageSize: 7 });
      const ids = items.map((s) => s.clusterId);
      assert.equal(new Set(ids).size, ids.length, 'no duplicates across pages');
      for (const id of fleet) assert.ok(ids.includes(id));
      assert.ok(pages >= Math.ceil(ids.length / 7));
      await assert.rejects(store.listStates({ continuationToken: 'not-a-token' }), /continuationToken is not one that this listing returned/);
    });

    it('filters by subscription (a key range) and by status', async () => {
      const inB = await allPages({ subscriptionId: FLEET_2, pageSize: 4 });
      assert.deepEqual(inB.items.map((s) => s.clusterName).sort(), fleet.slice(15).map((id) => id.split('/').at(-1)).sort());
      assert.ok(inB.items.every((s) => s.subscriptionId === FLEET_2));
      assert.equal(inB.pages, 3);

      const upper = await allPages({ subscriptionId: FLEET_2.toUpperCase(), pageSize: 100 });
      assert.equal(upper.items.length, 10);

      const nonCompliantInA = await allPages({ subscriptionId: FLEET_1, status: 'NonCompliant', pageSize: 100 });
      assert.deepEqual(nonCompliantInA.items.map((s) => s.clusterName).sort(), ['fleet-00', 'fleet-03', 'fleet-06', 'fleet-09', 'fleet-12']);
      await assert.rejects(store.listStates({ pageSize: 0 }), /pageSize must be a whole number from 1 to 1000/);
      await assert.rejects(store.listStates({ subscriptionId: "x' or true or 'a" }), /is not a subscription id/);
      await assert.rejects(store.listStates({ status: 'Broken' as 'Compliant' }), /status must be one of/);
    });

    it('counts clusters by status for the fleet summary', async () => {
      const inB = await store.countByStatus({ subscriptionId: FLEET_2 });
      assert.equal(inB.total, 10);
      assert.equal(inB.NonCompliant, 4); // fleet-15, -18, -21, -24
      assert.equal(inB.Compliant, 6);
      assert.equal(inB.Deleted, 0);
      const all = await store.countByStatus();
      const listed = await allPages({ pageSize: 1000 });
      assert.equal(all.total, listed.items.length);
      for (const status of ['Compliant', 'NonCompliant', 'Deleted', 'RemediationFailed'] as const) {
        assert.equal(all[status], listed.items.filter((s) => s.status === status).length, status);
      }
    });
  });
});
