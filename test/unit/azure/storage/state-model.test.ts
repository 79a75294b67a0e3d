import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Evaluation, RuleResult } from '../../../../src/core/types.js';
import type { Cause } from '../../../../src/ports.js';
import { CHUNK_CHARS, diffTransitions, joinJson, overallStatus, parseClusterId, recordedResults, splitJson, withoutSecrets } from '../../../../src/azure/storage/state-model.js';

const CLUSTER = '/subscriptions/1C0E2F3A-0000-4000-8000-000000000001/resourceGroups/Rg-Prod/providers/Microsoft.ContainerService/managedClusters/Aks-01';
const CAUSE: Cause = { kind: 'sweep', id: 'sweep-1' };
const AT = new Date('2025-01-02T03:04:05.000Z');

function rule(ruleId: string, status: RuleResult['status'], extra: Partial<RuleResult> = {}): RuleResult {
  return { ruleId, status, reason: `${ruleId}-${status}`, message: `${ruleId} is ${status}`, ...extra };
}

function evaluation(status: Evaluation['status'], results: RuleResult[]): Evaluation {
  return { clusterId: CLUSTER, status, results, plan: [] };
}

describe('parseClusterId', () => {
  it('splits a managed cluster id in any casing, lower-casing only the subscription', () => {
    assert.deepEqual(parseClusterId(CLUSTER), { subscriptionId: '1c0e2f3a-0000-4000-8000-000000000001', resourceGroup: 'Rg-Prod', clusterName: 'Aks-01' });
    assert.equal(parseClusterId(CLUSTER.toLowerCase().replace('resourcegroups', 'resourceGroups')).clusterName, 'aks-01');
  });

  it('names what is wrong with an id that is not a managed cluster', () => {
    assert.throws(() => parseClusterId('/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s'), /clusterId: ".*storageAccounts\/s" is not a managed cluster resource id/);
    assert.throws(() => parseClusterId(`${CLUSTER}/extensions/flux`), /not a managed cluster resource id/);
  });
});

describe('withoutSecrets / recordedResults', () => {
  it('drops protected settings and credential-like keys at any depth, keeping the rest', () => {
    const observed = {
      name: 'flux',
      configurationSettings: { 'source.url': 'https://example.test' },
      configurationProtectedSettings: { 'sshKey': 'PRIVATE' },
      nested: [{ ConfigurationProtectedSettings: { a: 'b' }, password: 'p', keep: 1 }],
      servicePrincipalProfile: { clientId: 'id', secret: 's' },
    };
    assert.deepEqual(withoutSecrets(observed), {
      name: 'flux',
      configurationSettings: { 'source.url': 'https://example.test' },
      nested: [{ keep: 1 }],
      servicePrincipalProfile: { clientId: 'id' },
    });
  });

  it('applies overrides and strips secrets from expected/observed', () => {
    const results = recordedResults(
      evaluation('NonCompliant', [rule('ext-flux', 'NonCompliant', { observed: { configurationProtectedSettings: { k: 'v' }, version: '1' } }), rule('mi', 'Compliant')]),
      [{ ruleId: 'ext-flux', status: 'RemediationFailed', lastError: { code: 'Conflict', message: 'busy' } }],
    );
    assert.deepEqual(results[0], {
      ruleId: 'ext-flux',
      status: 'RemediationFailed',
      reason: 'ext-flux-NonCompliant',
      message: 'ext-flux is NonCompliant',
      observed: { version: '1' },
      lastError: { code: 'Conflict', message: 'busy' },
    });
    assert.equal(results[1]?.status, 'Compliant');
    assert.equal(overallStatus(evaluation('NonCompliant', []), results), 'RemediationFailed');
    assert.equal(overallStatus(evaluation('NonCompliant', []), results.slice(1)), 'NonCompliant');
  });

  it('refuses an override for a rule the evaluation does not have', () => {
    assert.throws(
      () => recordedResults(evaluation('Compliant', [rule('mi', 'Compliant')]), [{ ruleId: 'nope', status: 'RemediationFailed', lastError: { code: 'x', message: 'y' } }]),
      /ruleOverrides: rule "nope" is not among the evaluation's results/,
    );
  });
});

describe('diffTransitions', () => {
  it('reports everything as new on the first record', () => {
    const transitions = diffTransitions(CLUSTER, undefined, { status: 'NonCompliant', results: [rule('a', 'Compliant'), rule('b', 'NonCompliant')] }, AT, CAUSE);
    assert.deepEqual(
      transitions.map((t) => [t.ruleId ?? '(cluster)', t.from, t.to]),
      [
        ['(cluster)', null, 'NonCompliant'],
        ['a', null, 'Compliant'],
        ['b', null, 'NonCompliant'],
      ],
    );
    assert.ok(transitions.every((t) => t.at === AT.toISOString() && t.cause === CAUSE && t.clusterId === CLUSTER));
  });

  it('reports only what changed, including rules that are no longer evaluated', () => {
    const before = { status: 'NonCompliant' as const, results: [rule('a', 'Compliant'), rule('b', 'NonCompliant'), rule('gone', 'Compliant')] };
    const after = { status: 'NonCompliant' as const, results: [rule('a', 'Compliant'), rule('b', 'Compliant'), rule('new', 'Unknown')] };
    assert.deepEqual(
      diffTransitions(CLUSTER, before, after, AT, CAUSE).map((t) => [t.ruleId, t.from, t.to, t.reason]),
      [
        ['b', 'NonCompliant', 'Compliant', 'b-Compliant'],
        ['new', null, 'Unknown', 'new-Unknown'],
        ['gone', 'Compliant', null, undefined],
      ],
    );
    assert.deepEqual(diffTransitions(CLUSTER, after, after, AT, CAUSE), []);
  });
});

describe('splitJson / joinJson', () => {
  it('round-trips values larger than one property across numbered chunks', () => {
    const value = { text: 'x'.repeat(CHUNK_CHARS * 2 + 5), list: [1, 2, 3] };
    const props = splitJson('results', value);
    assert.ok(props);
    assert.equal(props['resultsParts'], 3);
    assert.deepEqual(joinJson(props, 'results', 'row'), value);
  });

  it('says no when the value needs more chunks than allowed, and names damaged rows', () => {
    assert.equal(splitJson('outbox', 'y'.repeat(CHUNK_CHARS * 2 + 1), 2), undefined);
    assert.equal(joinJson({}, 'results', 'row'), undefined);
    assert.throws(() => joinJson({ resultsParts: 2, results0: '[' }, 'results', 'ClusterState row (p, state)'), /ClusterState row \(p, state\): results1 is missing/);
    assert.throws(() => joinJson({ resultsParts: 1, results0: '[' }, 'results', 'here'), /here: results is not valid JSON/);
  });
});
