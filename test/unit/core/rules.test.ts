// Every status and reason code, on crafted clusters. Each case names the drift and the result it must give.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateCluster } from '../../../src/core/evaluate.js';
import type { Evaluation, RuleResult } from '../../../src/core/types.js';
import { ALL_IDENTITY_RULES, baselineOf, CLUSTER_ID, FLUX, NOW, snapshotOf, type ClusterOptions, type ExtensionOptions } from '../../support/builders.js';

interface Case {
  name: string;
  cluster?: ClusterOptions;
  extensions?: ExtensionOptions[];
  baseline?: Record<string, unknown>;
  ruleId: string;
  status: RuleResult['status'];
  reason: string;
  message?: RegExp;
}

function evaluate(c: Pick<Case, 'cluster' | 'extensions' | 'baseline'>, now = NOW): Evaluation {
  return evaluateCluster(snapshotOf(c.cluster, c.extensions), baselineOf(c.baseline ?? { rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX] }), { now });
}

function resultOf(evaluation: Evaluation, ruleId: string): RuleResult {
  const result = evaluation.results.find((r) => r.ruleId === ruleId);
  assert.ok(result, `no result for ${ruleId}`);
  return result;
}

const fluxOk: ExtensionOptions = { name: 'flux', extensionType: 'microsoft.flux' };

const cases: Case[] = [
  // managed-identity
  { name: 'system-assigned identity', ruleId: 'managed-identity', status: 'Compliant', reason: 'ManagedIdentityEnabled', message: /SystemAssigned managed identity\.$/ },
  { name: 'user-assigned identity', cluster: { identityType: 'UserAssigned' }, ruleId: 'managed-identity', status: 'Compliant', reason: 'ManagedIdentityEnabled' },
  { name: 'managed identity with a stale client id', cluster: { spClientId: 'c0ffee' }, ruleId: 'managed-identity', status: 'Compliant', reason: 'ManagedIdentityEnabled', message: /identity\.type decides/ },
  { name: 'service principal cluster', cluster: { identityType: null, spClientId: 'c0ffee' }, ruleId: 'managed-identity', status: 'NonCompliant', reason: 'ServicePrincipalCluster', message: /service principal c0ffee/ },
  { name: 'identity type None', cluster: { identityType: 'None', spClientId: null }, ruleId: 'managed-identity', status: 'NonCompliant', reason: 'ManagedIdentityMissing', message: /"None"/ },
  { name: 'client id msi without an identity block', cluster: { identityType: null, spClientId: 'msi' }, ruleId: 'managed-identity', status: 'Unknown', reason: 'IdentityInconclusive' },
  // no-pod-identity
  { name: 'pod identity off', ruleId: 'no-pod-identity', status: 'Compliant', reason: 'PodIdentityDisabled' },
  { name: 'pod identity on', cluster: { podIdentity: true }, ruleId: 'no-pod-identity', status: 'NonCompliant', reason: 'PodIdentityEnabled', message: /workload identity/ },
  // workload-identity
  { name: 'workload identity and issuer on', ruleId: 'workload-identity', status: 'Compliant', reason: 'WorkloadIdentityEnabled' },
  { name: 'workload identity without the issuer', cluster: { oidc: false }, ruleId: 'workload-identity', status: 'NonCompliant', reason: 'OidcIssuerDisabled' },
  { name: 'issuer without workload identity', cluster: { workloadIdentity: false }, ruleId: 'workload-identity', status: 'NonCompliant', reason: 'WorkloadIdentityDisabled', message: /issuer is on/ },
  { name: 'both off', cluster: { workloadIdentity: false, oidc: false }, ruleId: 'workload-identity', status: 'NonCompliant', reason: 'WorkloadIdentityDisabled', message: /issuer is off too/ },
  // required-extension
  { name: 'Flux missing', ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'ExtensionMissing' },
  { name: 'Flux present as flux-system', extensions: [{ ...fluxOk, name: 'flux-system' }], ruleId: 'required-extension/flux', status: 'Compliant', reason: 'ExtensionCompliant', message: /"flux-system"/ },
  { name: 'Flux type in other casing', extensions: [{ ...fluxOk, extensionType: 'Microsoft.Flux' }], ruleId: 'required-extension/flux', status: 'Compliant', reason: 'ExtensionCompliant' },
  { name: 'Flux creating', extensions: [{ ...fluxOk, provisioningState: 'Creating' }], ruleId: 'required-extension/flux', status: 'Unknown', reason: 'ExtensionProvisioningInProgress' },
  { name: 'Flux updating', extensions: [{ ...fluxOk, provisioningState: 'Updating' }], ruleId: 'required-extension/flux', status: 'Unknown', reason: 'ExtensionProvisioningInProgress' },
  { name: 'Flux deleting', extensions: [{ ...fluxOk, provisioningState: 'Deleting' }], ruleId: 'required-extension/flux', status: 'Unknown', reason: 'ExtensionProvisioningInProgress' },
  { name: 'Flux failed', extensions: [{ ...fluxOk, provisioningState: 'Failed' }], ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'ExtensionFailed' },
  { name: 'Flux canceled', extensions: [{ ...fluxOk, provisioningState: 'Canceled' }], ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'ExtensionFailed' },
  { name: 'Flux in an unknown state', extensions: [{ ...fluxOk, provisioningState: 'Weird' }], ruleId: 'required-extension/flux', status: 'Unknown', reason: 'ExtensionStateUnknown' },
  { name: 'Flux on Preview', extensions: [{ ...fluxOk, releaseTrain: 'Preview' }], ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'ReleaseTrainMismatch' },
  { name: 'Flux on "stable" (train compared case-insensitively)', extensions: [{ ...fluxOk, releaseTrain: 'stable' }], ruleId: 'required-extension/flux', status: 'Compliant', reason: 'ExtensionCompliant' },
  { name: 'Flux without auto-upgrade', extensions: [{ ...fluxOk, autoUpgradeMinorVersion: false, version: '1.8.0' }], ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'AutoUpgradeMismatch' },
  {
    name: 'a pinned version drifted',
    baseline: { requiredExtensions: [{ ...FLUX, autoUpgradeMinorVersion: false, version: '1.9.0' }] },
    extensions: [{ ...fluxOk, autoUpgradeMinorVersion: false, version: '1.8.0' }],
    ruleId: 'required-extension/flux',
    status: 'NonCompliant',
    reason: 'VersionMismatch',
    message: /version is 1\.8\.0, not the pinned 1\.9\.0/,
  },
  {
    name: 'a pinned version matched by the running version',
    baseline: { requiredExtensions: [{ ...FLUX, autoUpgradeMinorVersion: false, version: '1.9.0' }] },
    extensions: [{ ...fluxOk, autoUpgradeMinorVersion: false, currentVersion: '1.9.0' }],
    ruleId: 'required-extension/flux',
    status: 'Compliant',
    reason: 'ExtensionCompliant',
  },
  {
    name: 'a setting with another value',
    baseline: { requiredExtensions: [{ ...FLUX, configurationSettings: { 'multiTenancy.enforce': true } }] },
    extensions: [{ ...fluxOk, configurationSettings: { 'multiTenancy.enforce': 'false' } }],
    ruleId: 'required-extension/flux',
    status: 'NonCompliant',
    reason: 'ConfigurationSettingsMismatch',
    message: /multiTenancy\.enforce/,
  },
  {
    name: 'settings present, plus others the baseline does not mention',
    baseline: { requiredExtensions: [{ ...FLUX, configurationSettings: { 'multiTenancy.enforce': true } }] },
    extensions: [{ ...fluxOk, configurationSettings: { 'multiTenancy.enforce': 'true', 'helm-controller.enabled': 'true' } }],
    ruleId: 'required-extension/flux',
    status: 'Compliant',
    reason: 'ExtensionCompliant',
  },
  {
    name: 'a cluster outside the allowed regions',
    baseline: { requiredExtensions: [{ ...FLUX, regions: ['West Europe', 'northeurope'] }] },
    ruleId: 'required-extension/flux',
    status: 'NotApplicable',
    reason: 'RegionNotAllowed',
    message: /westeurope, northeurope/,
  },
  {
    name: 'a cluster in an allowed region written with spaces',
    cluster: { location: 'East US' },
    baseline: { requiredExtensions: [{ ...FLUX, regions: ['East US'] }] },
    ruleId: 'required-extension/flux',
    status: 'NonCompliant',
    reason: 'ExtensionMissing',
  },
  {
    name: 'a cluster below the minimum Kubernetes version (numeric compare)',
    cluster: { version: '1.9.6' },
    baseline: { requiredExtensions: [{ ...FLUX, minKubernetesVersion: '1.27' }] },
    ruleId: 'required-extension/flux',
    status: 'NotApplicable',
    reason: 'KubernetesVersionTooLow',
  },
  {
    name: 'a cluster at the minimum Kubernetes version',
    cluster: { version: '1.27.0' },
    baseline: { requiredExtensions: [{ ...FLUX, minKubernetesVersion: '1.27' }] },
    ruleId: 'required-extension/flux',
    status: 'NonCompliant',
    reason: 'ExtensionMissing',
  },
  {
    name: 'a name taken by another extension type',
    extensions: [{ name: 'flux', extensionType: 'Microsoft.Dapr' }],
    ruleId: 'required-extension/flux',
    status: 'NonCompliant',
    reason: 'ExtensionNameTaken',
  },
  {
    name: 'two Flux instances, one failed and one healthy',
    extensions: [{ ...fluxOk, provisioningState: 'Failed' }, { ...fluxOk, name: 'flux-system' }],
    ruleId: 'required-extension/flux',
    status: 'Compliant',
    reason: 'ExtensionCompliant',
  },
];

describe('rule results', () => {
  for (const c of cases) {
    it(`${c.name} -> ${c.ruleId} ${c.status} ${c.reason}`, () => {
      const result = resultOf(evaluate(c), c.ruleId);
      assert.equal(result.status, c.status);
      assert.equal(result.reason, c.reason);
      assert.ok(result.message.length > 0);
      if (c.message) assert.match(result.message, c.message);
    });
  }

  it('reports the Kubernetes version as unknown when a minimum is set and the body has none', () => {
    const snapshot = snapshotOf();
    delete snapshot.kubernetesVersion;
    const evaluation = evaluateCluster(snapshot, baselineOf({ requiredExtensions: [{ ...FLUX, minKubernetesVersion: '1.27' }] }), { now: NOW });
    assert.equal(resultOf(evaluation, 'required-extension/flux').reason, 'KubernetesVersionUnknown');
  });

  it('shows expected and observed values for drift', () => {
    const result = resultOf(evaluate({ extensions: [{ ...fluxOk, releaseTrain: 'Preview' }] }), 'required-extension/flux');
    assert.deepEqual(result.expected, { releaseTrain: 'Stable' });
    assert.deepEqual(result.observed, { releaseTrain: 'Preview' });
  });

  it('turns on only the rules the baseline names, in a fixed order', () => {
    const evaluation = evaluate({ baseline: { requiredExtensions: [FLUX], rules: { workloadIdentity: { mode: 'auto' }, managedIdentity: { mode: 'audit' } } } });
    assert.deepEqual(evaluation.results.map((r) => r.ruleId), ['managed-identity', 'workload-identity', 'required-extension/flux']);
  });
});

describe('exemptions and exclusions', () => {
  const exempted = (expires: string, ruleId = 'managed-identity') => ({
    rules: ALL_IDENTITY_RULES,
    requiredExtensions: [FLUX],
    exemptions: [{ clusterId: CLUSTER_ID, ruleId, reason: 'migration ticket CHG-1', expires }],
  });
  const spCluster: ClusterOptions = { identityType: null, spClientId: 'c0ffee' };

  it('an active exemption gives Exempt with its reason, and nothing is planned for it', () => {
    const evaluation = evaluate({ cluster: spCluster, baseline: exempted('2026-02-01') });
    const result = resultOf(evaluation, 'managed-identity');
    assert.equal(result.status, 'Exempt');
    assert.equal(result.reason, 'Exempted');
    assert.match(result.message, /^Exempt until 2026-02-02T00:00:00\.000Z: migration ticket CHG-1 \(otherwise NonCompliant: /);
    assert.ok(!evaluation.plan.some((step) => step.ruleId === 'managed-identity'));
  });

  it('an expired exemption no longer applies', () => {
    const evaluation = evaluate({ cluster: spCluster, baseline: exempted('2026-01-14') });
    assert.equal(resultOf(evaluation, 'managed-identity').status, 'NonCompliant');
    assert.ok(evaluation.plan.some((step) => step.ruleId === 'managed-identity'));
  });

  it('NotApplicable comes before an exemption', () => {
    const baseline = { requiredExtensions: [{ ...FLUX, regions: ['westeurope'] }], exemptions: [{ clusterId: CLUSTER_ID, ruleId: '*', reason: 'r', expires: '2030-01-01' }] };
    assert.equal(resultOf(evaluate({ baseline }), 'required-extension/flux').status, 'NotApplicable');
  });

  it('an exclusion tag makes the whole cluster Exempt with an empty plan', () => {
    const evaluation = evaluate({ cluster: { ...spCluster, tags: { 'AKS-Baseline-Guard': 'skip' } }, baseline: { rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX], excludeTags: { 'aks-baseline-guard': 'skip' } } });
    assert.equal(evaluation.status, 'Exempt');
    assert.deepEqual(evaluation.plan, []);
    assert.deepEqual(evaluation.results.map((r) => `${r.status}/${r.reason}`), Array(4).fill('Exempt/ExcludedByTag'));
  });
});

describe('overall status', () => {
  const statuses: [string, Pick<Case, 'cluster' | 'extensions' | 'baseline'>, string][] = [
    ['NonCompliant when any rule is', { cluster: { podIdentity: true }, extensions: [{ ...fluxOk, provisioningState: 'Creating' }] }, 'NonCompliant'],
    ['Unknown when nothing is NonCompliant but something is Unknown', { extensions: [{ ...fluxOk, provisioningState: 'Creating' }] }, 'Unknown'],
    ['Compliant when every result is Compliant or NotApplicable', { baseline: { rules: ALL_IDENTITY_RULES, requiredExtensions: [{ ...FLUX, regions: ['westeurope'] }] } }, 'Compliant'],
    ['Compliant for a baseline without rules', { baseline: {} }, 'Compliant'],
  ];
  for (const [name, input, expected] of statuses) {
    it(name, () => assert.equal(evaluate(input).status, expected));
  }

  it('the cluster id in the evaluation is canonical', () => {
    const evaluation = evaluate({ cluster: { id: CLUSTER_ID.replace('resourceGroups', 'resourcegroups') } });
    assert.equal(evaluation.clusterId, CLUSTER_ID);
  });
});
