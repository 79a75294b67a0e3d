import { describe, expect, test } from '@jest/globals';
import type { Evaluation, RuleResult } from '../../../../src/core/types.js';
import type { Cause } from '../../../../src/ports.js';
import { evaluateInput, FLUX_OK } from '../../../support/builders.js';
import { CHUNK_CHARS, diffTransitions, joinJson, recordedResults, splitJson, withoutSecrets } from '../../../../src/azure/storage/state-model.js';

const CLUSTER = '/subscriptions/1C0E2F3A-0000-4000-8000-000000000001/resourceGroups/Rg-Prod/providers/Microsoft.ContainerService/managedClusters/Aks-01';
const CAUSE: Cause = { kind: 'sweep', id: 'sweep-1' };
const AT = new Date('2025-01-02T03:04:05.000Z');

function rule(ruleId: string, status: RuleResult['status'], extra: Partial<RuleResult> = {}): RuleResult {
  return { ruleId, status, reason: `${ruleId}-${status}`, message: `${ruleId} is ${status}`, ...extra };
}

function evaluation(status: Evaluation['status'], results: RuleResult[]): Evaluation {
  return { clusterId: CLUSTER, status, results, plan: [] };
}

describe('withoutSecrets / recordedResults', () => {
  test('drops protected settings and credential-like keys at any depth, keeping the rest', () => {
    const observed = {
      name: 'flux',
      configurationSettings: { 'source.url': 'https://example.test' },
      configurationProtectedSettings: { 'sshKey': 'PRIVATE' },
      nested: [{ ConfigurationProtectedSettings: { a: 'b' }, password: 'p', keep: 1 }],
      servicePrincipalProfile: { clientId: 'id', secret: 's' },
    };

    expect(withoutSecrets(observed)).toStrictEqual({
      name: 'flux',
      configurationSettings: { 'source.url': 'https://example.test' },
      nested: [{ keep: 1 }],
      servicePrincipalProfile: { clientId: 'id' },
    });
  });

  test('records a blocked step with its reason and, for a missing prerequisite, the command that fixes it', () => {
    const planned = evaluation('NonCompliant', [rule('required-extension/dapr', 'NonCompliant'), rule('mi', 'Compliant')]);
    const missing = { id: 'provider-registered:Microsoft.KubernetesConfiguration', message: 'Microsoft.KubernetesConfiguration is NotRegistered on subscription s1.', fix: 'az provider register --namespace Microsoft.KubernetesConfiguration --subscription s1 --wait' };
    planned.plan = [
      { id: 'required-extension/dapr:install-extension', ruleId: 'required-extension/dapr', action: 'install-extension', mode: 'auto', dependsOn: [], description: 'Install dapr.', blockedBy: { reason: 'PrerequisiteMissing', message: 'Waits for a prerequisite: ...' }, disrupts: null, missingPrerequisites: [missing], change: { method: 'PUT', path: '/x', body: {} } },
    ];

    const results = recordedResults(planned);

    expect(results[0]?.blocked).toStrictEqual([{ stepId: 'required-extension/dapr:install-extension', reason: 'PrerequisiteMissing', message: 'Waits for a prerequisite: ...', missing: [missing] }]);
    expect(results[1]?.blocked).toBeUndefined();
  });

  test('applies overrides and strips secrets from expected/observed', () => {
    const results = recordedResults(
      evaluation('NonCompliant', [rule('ext-flux', 'NonCompliant', { observed: { configurationProtectedSettings: { k: 'v' }, version: '1' } }), rule('mi', 'Compliant')]),
      [{ ruleId: 'ext-flux', status: 'RemediationFailed', lastError: { code: 'Conflict', message: 'busy' } }],
    );

    expect(results[0]).toStrictEqual({
      ruleId: 'ext-flux',
      status: 'RemediationFailed',
      reason: 'ext-flux-NonCompliant',
      message: 'ext-flux is NonCompliant',
      observed: { version: '1' },
      lastError: { code: 'Conflict', message: 'busy' },
    });
    expect(results[1]?.status).toBe('Compliant');
  });

  test('keeps a blocked step\'s reason with its rule\'s result, and nothing for the steps that can run', () => {
    // Prepare: the real evaluation of a stopped cluster with workload identity off
    const stopped = evaluateInput({ cluster: { powerState: 'Stopped', workloadIdentity: false }, extensions: [FLUX_OK] });
    const step = stopped.plan.find((candidate) => candidate.ruleId === 'workload-identity');
    const blocked = step?.blockedBy;
    const running = evaluateInput({ cluster: { workloadIdentity: false }, extensions: [FLUX_OK] });

    // Act
    const results = recordedResults(stopped);

    // Assess
    expect(blocked?.reason).toBe('ClusterStopped');
    expect(results.find((result) => result.ruleId === 'workload-identity')?.blocked).toStrictEqual([{ stepId: step?.id, reason: 'ClusterStopped', message: blocked?.message }]);
    expect(results.filter((result) => result.blocked).map((result) => result.ruleId)).toStrictEqual(['workload-identity']);
    expect(recordedResults(running).filter((result) => result.blocked)).toStrictEqual([]);
  });

  test('refuses an override for a rule the evaluation does not have', () => {
    const override = { ruleId: 'nope', status: 'RemediationFailed', lastError: { code: 'x', message: 'y' } } as const;

    expect(() => recordedResults(evaluation('Compliant', [rule('mi', 'Compliant')]), [override])).toThrow(/ruleOverrides: rule "nope" is not among the evaluation's results/);
  });
});

describe('diffTransitions', () => {
  test('reports everything as new on the first record', () => {
    const transitions = diffTransitions(CLUSTER, undefined, { status: 'NonCompliant', results: [rule('a', 'Compliant'), rule('b', 'NonCompliant')] }, AT, CAUSE);

    expect(transitions.map((t) => [t.ruleId ?? '(cluster)', t.from, t.to])).toStrictEqual([
      ['(cluster)', null, 'NonCompliant'],
      ['a', null, 'Compliant'],
      ['b', null, 'NonCompliant'],
    ]);
    for (const t of transitions) {
      expect(t.at).toBe(AT.toISOString());
      expect(t.cause).toBe(CAUSE);
      expect(t.clusterId).toBe(CLUSTER);
    }
  });

  test('reports only what changed, including rules that are no longer evaluated', () => {
    const before = { status: 'NonCompliant' as const, results: [rule('a', 'Compliant'), rule('b', 'NonCompliant'), rule('gone', 'Compliant')] };
    const after = { status: 'NonCompliant' as const, results: [rule('a', 'Compliant'), rule('b', 'Compliant'), rule('new', 'Unknown')] };

    const transitions = diffTransitions(CLUSTER, before, after, AT, CAUSE);

    expect(transitions.map((t) => [t.ruleId, t.from, t.to, t.reason])).toStrictEqual([
      ['b', 'NonCompliant', 'Compliant', 'b-Compliant'],
      ['new', null, 'Unknown', 'new-Unknown'],
      ['gone', 'Compliant', null, undefined],
    ]);
    expect(diffTransitions(CLUSTER, after, after, AT, CAUSE)).toStrictEqual([]);
  });
});

describe('splitJson / joinJson', () => {
  test('round-trips values larger than one property across numbered chunks', () => {
    const value = { text: 'x'.repeat(CHUNK_CHARS * 2 + 5), list: [1, 2, 3] };

    const props = splitJson('results', value);

    expect(props?.['resultsParts']).toBe(3);
    expect(joinJson(props ?? {}, 'results', 'row')).toStrictEqual(value);
  });

  test('says no when the value needs more chunks than allowed, and names damaged rows', () => {
    expect(splitJson('outbox', 'y'.repeat(CHUNK_CHARS * 2 + 1), 2)).toBeUndefined();
    expect(joinJson({}, 'results', 'row')).toBeUndefined();
    expect(() => joinJson({ resultsParts: 2, results0: '[' }, 'results', 'ClusterState row (p, state)')).toThrow(/ClusterState row \(p, state\): results1 is missing/);
    expect(() => joinJson({ resultsParts: 1, results0: '[' }, 'results', 'here')).toThrow(/here: results is not valid JSON/);
  });
});
