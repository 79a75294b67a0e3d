// The engine around the rules: exemptions, exclusion tags and the overall status of an evaluation.
import { describe, expect, test } from '@jest/globals';
import { ALL_IDENTITY_RULES, CLUSTER_ID, evaluateInput, FLUX, FLUX_OK, resultOf, type ClusterOptions, type EvaluationInput } from '../../support/builders.js';

describe('exemptions and exclusions', () => {
  const exempted = (expires: string, ruleId = 'managed-identity') => ({
    rules: ALL_IDENTITY_RULES,
    requiredExtensions: [FLUX],
    exemptions: [{ clusterId: CLUSTER_ID, ruleId, reason: 'migration ticket CHG-1', expires }],
  });
  const spCluster: ClusterOptions = { identityType: null, spClientId: 'c0ffee' };

  test('an active exemption gives Exempt with its reason, and nothing is planned for it', () => {
    const evaluation = evaluateInput({ cluster: spCluster, baseline: exempted('2026-02-01') });

    const result = resultOf(evaluation, 'managed-identity');
    expect(result.status).toBe('Exempt');
    expect(result.reason).toBe('Exempted');
    expect(result.message).toMatch(/^Exempt until 2026-02-02T00:00:00\.000Z: migration ticket CHG-1 \(otherwise NonCompliant: /);
    expect(evaluation.plan.map((step) => step.ruleId)).not.toContain('managed-identity');
  });

  test('an expired exemption no longer applies', () => {
    const evaluation = evaluateInput({ cluster: spCluster, baseline: exempted('2026-01-14') });

    expect(resultOf(evaluation, 'managed-identity').status).toBe('NonCompliant');
    expect(evaluation.plan.map((step) => step.ruleId)).toContain('managed-identity');
  });

  test('NotApplicable comes before an exemption', () => {
    const baseline = { requiredExtensions: [{ ...FLUX, regions: ['westeurope'] }], exemptions: [{ clusterId: CLUSTER_ID, ruleId: '*', reason: 'r', expires: '2030-01-01' }] };

    expect(resultOf(evaluateInput({ baseline }), 'required-extension/flux').status).toBe('NotApplicable');
  });

  test('an exclusion tag makes the whole cluster Exempt with an empty plan', () => {
    const evaluation = evaluateInput({
      cluster: { ...spCluster, tags: { 'AKS-Baseline-Guard': 'skip' } },
      baseline: { rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX], excludeTags: { 'aks-baseline-guard': 'skip' } },
    });

    expect(evaluation.status).toBe('Exempt');
    expect(evaluation.plan).toStrictEqual([]);
    expect(evaluation.results.map((r) => `${r.status}/${r.reason}`)).toStrictEqual(Array(4).fill('Exempt/ExcludedByTag'));
  });
});

describe('overall status', () => {
  const statuses: [string, EvaluationInput, string][] = [
    ['NonCompliant when any rule is', { cluster: { podIdentity: true }, extensions: [{ ...FLUX_OK, provisioningState: 'Creating' }] }, 'NonCompliant'],
    ['Unknown when nothing is NonCompliant but something is Unknown', { extensions: [{ ...FLUX_OK, provisioningState: 'Creating' }] }, 'Unknown'],
    ['Compliant when every result is Compliant or NotApplicable', { baseline: { rules: ALL_IDENTITY_RULES, requiredExtensions: [{ ...FLUX, regions: ['westeurope'] }] } }, 'Compliant'],
    ['Compliant for a baseline without rules', { baseline: {} }, 'Compliant'],
  ];
  test.each(statuses)('%s', (_name, input, expected) => {
    expect(evaluateInput(input).status).toBe(expected);
  });

  test('the cluster id in the evaluation is canonical', () => {
    const evaluation = evaluateInput({ cluster: { id: CLUSTER_ID.replace('resourceGroups', 'resourcegroups') } });

    expect(evaluation.clusterId).toBe(CLUSTER_ID);
  });
});
