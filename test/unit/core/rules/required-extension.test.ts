// required-extension/<name>: every status and reason code, on crafted clusters. Each case names the drift and the
// result it must give.
import { describe, expect, test } from '@jest/globals';
import { evaluateSnapshot } from '../../../../src/core/evaluate.js';
import { toClusterSnapshot } from '../../../../src/core/snapshot.js';
import { baselineOf, clusterBody, evaluateInput, FLUX, FLUX_OK, NOW, resultOf, snapshotOf, type ClusterOptions, type RuleCase } from '../../../support/builders.js';

const cases: RuleCase[] = [
  { name: 'Flux missing', ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'ExtensionMissing' },
  { name: 'Flux present as flux-system', extensions: [{ ...FLUX_OK, name: 'flux-system' }], ruleId: 'required-extension/flux', status: 'Compliant', reason: 'ExtensionCompliant', message: /"flux-system"/ },
  { name: 'Flux type in other casing', extensions: [{ ...FLUX_OK, extensionType: 'Microsoft.Flux' }], ruleId: 'required-extension/flux', status: 'Compliant', reason: 'ExtensionCompliant' },
  { name: 'Flux creating', extensions: [{ ...FLUX_OK, provisioningState: 'Creating' }], ruleId: 'required-extension/flux', status: 'Unknown', reason: 'ExtensionProvisioningInProgress' },
  { name: 'Flux updating', extensions: [{ ...FLUX_OK, provisioningState: 'Updating' }], ruleId: 'required-extension/flux', status: 'Unknown', reason: 'ExtensionProvisioningInProgress' },
  { name: 'Flux deleting', extensions: [{ ...FLUX_OK, provisioningState: 'Deleting' }], ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'ExtensionBeingDeleted', message: /is being deleted; it is installed again once ARM finishes the delete/ },
  { name: 'Flux failed', extensions: [{ ...FLUX_OK, provisioningState: 'Failed' }], ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'ExtensionFailed' },
  { name: 'Flux canceled', extensions: [{ ...FLUX_OK, provisioningState: 'Canceled' }], ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'ExtensionFailed' },
  { name: 'Flux in an unknown state', extensions: [{ ...FLUX_OK, provisioningState: 'Weird' }], ruleId: 'required-extension/flux', status: 'Unknown', reason: 'ExtensionStateUnknown' },
  { name: 'Flux on Preview', extensions: [{ ...FLUX_OK, releaseTrain: 'Preview' }], ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'ReleaseTrainMismatch' },
  { name: 'Flux on "stable" (train compared case-insensitively)', extensions: [{ ...FLUX_OK, releaseTrain: 'stable' }], ruleId: 'required-extension/flux', status: 'Compliant', reason: 'ExtensionCompliant' },
  { name: 'Flux without auto-upgrade', extensions: [{ ...FLUX_OK, autoUpgradeMinorVersion: false, version: '1.8.0' }], ruleId: 'required-extension/flux', status: 'NonCompliant', reason: 'AutoUpgradeMismatch' },
  {
    name: 'a pinned version drifted',
    baseline: { requiredExtensions: [{ ...FLUX, autoUpgradeMinorVersion: false, version: '1.9.0' }] },
    extensions: [{ ...FLUX_OK, autoUpgradeMinorVersion: false, version: '1.8.0' }],
    ruleId: 'required-extension/flux',
    status: 'NonCompliant',
    reason: 'VersionMismatch',
    message: /version is 1\.8\.0, not the pinned 1\.9\.0/,
  },
  {
    name: 'a pinned version matched by the running version',
    baseline: { requiredExtensions: [{ ...FLUX, autoUpgradeMinorVersion: false, version: '1.9.0' }] },
    extensions: [{ ...FLUX_OK, autoUpgradeMinorVersion: false, currentVersion: '1.9.0' }],
    ruleId: 'required-extension/flux',
    status: 'Compliant',
    reason: 'ExtensionCompliant',
  },
  {
    name: 'a setting with another value',
    baseline: { requiredExtensions: [{ ...FLUX, configurationSettings: { 'multiTenancy.enforce': true } }] },
    extensions: [{ ...FLUX_OK, configurationSettings: { 'multiTenancy.enforce': 'false' } }],
    ruleId: 'required-extension/flux',
    status: 'NonCompliant',
    reason: 'ConfigurationSettingsMismatch',
    message: /multiTenancy\.enforce/,
  },
  {
    name: 'settings present, plus others the baseline does not mention',
    baseline: { requiredExtensions: [{ ...FLUX, configurationSettings: { 'multiTenancy.enforce': true } }] },
    extensions: [{ ...FLUX_OK, configurationSettings: { 'multiTenancy.enforce': 'true', 'helm-controller.enabled': 'true' } }],
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
    extensions: [{ ...FLUX_OK, provisioningState: 'Failed' }, { ...FLUX_OK, name: 'flux-system' }],
    ruleId: 'required-extension/flux',
    status: 'Compliant',
    reason: 'ExtensionCompliant',
  },
];

describe('rule results', () => {
  test.each(cases)('$name -> $ruleId $status $reason', (c) => {
    const result = resultOf(evaluateInput(c), c.ruleId);

    expect(result.status).toBe(c.status);
    expect(result.reason).toBe(c.reason);
    expect(result.message).not.toBe('');
    // A case without a message pattern accepts any message (no conditional expect).
    expect(result.message).toMatch(c.message ?? /./);
  });

  test('reports the Kubernetes version as unknown when a minimum is set and the body has none', () => {
    // Prepare
    const snapshot = snapshotOf();
    delete snapshot.kubernetesVersion;
    const baseline = baselineOf({ requiredExtensions: [{ ...FLUX, minKubernetesVersion: '1.27' }] });

    // Act
    const evaluation = evaluateSnapshot(snapshot, baseline, { now: NOW });

    // Assess
    expect(resultOf(evaluation, 'required-extension/flux').reason).toBe('KubernetesVersionUnknown');
  });

  test('plans nothing for an extension being deleted: the install waits for the delete to end', () => {
    // Prepare
    const input = { extensions: [{ ...FLUX_OK, provisioningState: 'Deleting' }] };

    // Act
    const evaluation = evaluateInput(input);

    // Assess
    expect(resultOf(evaluation, 'required-extension/flux').status).toBe('NonCompliant');
    expect(evaluation.plan.filter((step) => step.ruleId === 'required-extension/flux')).toStrictEqual([]);
  });

  test('shows expected and observed values for drift', () => {
    const result = resultOf(evaluateInput({ extensions: [{ ...FLUX_OK, releaseTrain: 'Preview' }] }), 'required-extension/flux');

    expect(result.expected).toStrictEqual({ releaseTrain: 'Stable' });
    expect(result.observed).toStrictEqual({ releaseTrain: 'Preview' });
  });
});

describe('extensions that report only part of their state', () => {
  // Extensions as a minimal `az k8s-extension list` item: whatever the test leaves out, the cluster does not report.
  function evaluateRaw(extensions: Record<string, unknown>[], spec: Record<string, unknown> = FLUX, cluster: ClusterOptions = {}) {
    const snapshot = toClusterSnapshot(clusterBody(cluster), extensions);
    return resultOf(evaluateSnapshot(snapshot, baselineOf({ requiredExtensions: [spec] }), { now: NOW }), 'required-extension/flux');
  }
  const flux = { name: 'flux', extensionType: 'microsoft.flux', provisioningState: 'Succeeded' };

  test('takes a missing release train as Stable and a missing auto-upgrade flag as on, as ARM does', () => {
    const result = evaluateRaw([flux]);

    expect(result.status).toBe('Compliant');
    expect(result.reason).toBe('ExtensionCompliant');
  });

  test('reports a release train the extension does not state as null when the baseline wants another', () => {
    const result = evaluateRaw([flux], { ...FLUX, releaseTrain: 'Preview' });

    expect(result).toMatchObject({ status: 'NonCompliant', reason: 'ReleaseTrainMismatch', expected: { releaseTrain: 'Preview' }, observed: { releaseTrain: null } });
    expect(result.message).toMatch(/release train is Stable, not Preview/);
  });

  test('calls the version unknown when the extension reports none and the baseline pins one', () => {
    const result = evaluateRaw([{ ...flux, autoUpgradeMinorVersion: false }], { ...FLUX, autoUpgradeMinorVersion: false, version: '1.9.0' });

    expect(result).toMatchObject({ status: 'NonCompliant', reason: 'VersionMismatch', expected: { version: '1.9.0' }, observed: { version: null } });
    expect(result.message).toMatch(/version is unknown, not the pinned 1\.9\.0/);
  });

  test('reports an auto-upgrade flag the extension does not state as null when the baseline turns it off', () => {
    const result = evaluateRaw([flux], { ...FLUX, autoUpgradeMinorVersion: false });

    expect(result).toMatchObject({ status: 'NonCompliant', reason: 'AutoUpgradeMismatch', expected: { autoUpgradeMinorVersion: false }, observed: { autoUpgradeMinorVersion: null } });
    expect(result.message).toMatch(/autoUpgradeMinorVersion is true, not false/);
  });

  test('lists every drift in the message and leads with the first', () => {
    const result = evaluateRaw([{ ...flux, releaseTrain: 'Preview', configurationSettings: { 'multiTenancy.enforce': 'false' } }], { ...FLUX, configurationSettings: { 'multiTenancy.enforce': true } });

    expect(result.reason).toBe('ReleaseTrainMismatch');
    expect(result.message).toMatch(/release train is Preview, not Stable; configuration settings differ: multiTenancy\.enforce\.$/);
    expect(result.observed).toStrictEqual({ releaseTrain: 'Preview', configurationSettings: { 'multiTenancy.enforce': 'false' } });
  });

  test('says "(none)" for an extension without a provisioning state, and reports it as null', () => {
    const { provisioningState: _state, ...withoutState } = flux;

    const result = evaluateRaw([withoutState]);

    expect(result).toMatchObject({ status: 'Unknown', reason: 'ExtensionStateUnknown', observed: { name: 'flux', provisioningState: null } });
    expect(result.message).toMatch(/reports provisioning state \(none\)\.$/);
  });

  test('quotes a provisioning state it does not know', () => {
    const result = evaluateRaw([{ ...flux, provisioningState: 'Pending' }]);

    expect(result.reason).toBe('ExtensionStateUnknown');
    expect(result.message).toMatch(/reports provisioning state "Pending"\.$/);
  });

  const inProgress = ['Accepted', 'Running', 'Migrating'];
  test.each(inProgress)('treats %s as an operation in progress', (state) => {
    expect(evaluateRaw([{ ...flux, provisioningState: state }]).reason).toBe('ExtensionProvisioningInProgress');
  });

  test('among several instances of the type, prefers in progress to failed, and failed to an unknown state', () => {
    const weird = { ...flux, name: 'a-weird', provisioningState: 'Weird' };
    const failed = { ...flux, name: 'b-failed', provisioningState: 'Failed' };
    const updating = { ...flux, name: 'c-updating', provisioningState: 'Updating' };

    expect(evaluateRaw([weird, failed]).observed).toMatchObject({ name: 'b-failed' });
    expect(evaluateRaw([weird, failed, updating]).observed).toMatchObject({ name: 'c-updating' });
  });

  test('among healthy instances, prefers the one that matches the baseline, then the one with the baseline name', () => {
    const drifted = { ...flux, name: 'a-drifted', releaseTrain: 'Preview' };
    const matching = { ...flux, name: 'z-matching' };
    const sameName = { ...flux, name: 'flux' };

    expect(evaluateRaw([drifted, matching]).observed).toMatchObject({ name: 'z-matching' });
    expect(evaluateRaw([matching, sameName, { ...flux, name: 'a-other' }]).observed).toMatchObject({ name: 'flux' });
  });

  test('quotes a Kubernetes version it cannot read when a minimum is set', () => {
    const result = evaluateRaw([flux], { ...FLUX, minKubernetesVersion: '1.27' }, { version: 'stable' });

    expect(result).toMatchObject({ status: 'Unknown', reason: 'KubernetesVersionUnknown', observed: { kubernetesVersion: 'stable' } });
    expect(result.message).toMatch(/the cluster's version is "stable"\.$/);
  });
});
