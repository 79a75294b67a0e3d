// Issue 14, the engine's half: each case where real Azure behaves differently from what the engine used to assume, on
// real spec payloads where they exist (emulator/fixtures: ManagedClustersGet, the derived GetExtensionWithManagedBy) and
// crafted clusters elsewhere. One describe per row of the table.
import { describe, expect, test } from '@jest/globals';
import { clusterPutBody } from '../../../src/core/cluster-body.js';
import { evaluateSnapshot } from '../../../src/core/evaluate.js';
import { toClusterSnapshot } from '../../../src/core/snapshot.js';
import type { Evaluation, PlanStep } from '../../../src/core/types.js';
import { ALL_IDENTITY_RULES, baselineOf, CLUSTER_ID, clusterBody, FLUX, NOW, resultOf, snapshotOf, type ClusterOptions, type ExtensionOptions } from '../../support/builders.js';
import { exampleResponseBody, FIXTURES } from '../../support/fixtures.js';

const MANAGED_BY_FIXTURE = 'arm/kubernetesconfiguration/derived/GetExtensionWithManagedBy.2025-03-01.derived.json';

function stepOf(evaluation: Evaluation, id: string): PlanStep {
  const step = evaluation.plan.find((s) => s.id === id);
  if (!step) throw new Error(`no step ${id} in ${evaluation.plan.map((s) => s.id).join(', ') || '(empty plan)'}`);
  return step;
}

function evaluate(cluster: ClusterOptions, extensions: ExtensionOptions[], baseline: Record<string, unknown>): Evaluation {
  return evaluateSnapshot(snapshotOf(cluster, extensions), baselineOf(baseline), { now: NOW });
}

/** The spec's ManagedClustersGet example (a service principal cluster, so every identity rule has a fix), as given. */
function specCluster(change: (properties: Record<string, unknown>) => void): Record<string, unknown> {
  const body = exampleResponseBody(FIXTURES.clusterGet);
  change(body.properties as Record<string, unknown>);
  return body;
}

const EVERY_RULE = { rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX] };

describe('a stopped cluster: the drift is reported, every write is blocked ClusterStopped', () => {
  // The spec example with powerState Stopped (provisioningState stays Succeeded, as the start-stop docs show).
  const stopped = specCluster((properties) => {
    properties.powerState = { code: 'Stopped' };
  });
  // The same cluster as `az aks show -o json` prints it: flattened, powerState at the top.
  const { properties, ...resource } = stopped;
  const flattened = { ...resource, ...(properties as Record<string, unknown>) };

  test.each([
    ['REST shape', stopped],
    ['flattened (az aks show, SDK) shape', flattened],
  ])('%s', (_shape, body) => {
    const snapshot = toClusterSnapshot(body, []);
    const evaluation = evaluateSnapshot(snapshot, baselineOf(EVERY_RULE), { now: NOW });

    expect(snapshot.powerState).toBe('Stopped');
    // What the baseline says, unchanged by the power state.
    expect(evaluation.results.map((r) => [r.ruleId, r.status, r.reason])).toStrictEqual([
      ['managed-identity', 'NonCompliant', 'ServicePrincipalCluster'],
      ['no-pod-identity', 'Compliant', 'PodIdentityDisabled'],
      ['workload-identity', 'NonCompliant', 'WorkloadIdentityDisabled'],
      ['required-extension/flux', 'NonCompliant', 'ExtensionMissing'],
    ]);
    expect(evaluation.plan.map((s) => [s.id, s.blockedBy?.reason])).toStrictEqual([
      ['managed-identity:enable-managed-identity', 'ClusterStopped'],
      ['required-extension/flux:install-extension', 'ClusterStopped'],
      ['workload-identity:enable-workload-identity', 'ClusterStopped'],
    ]);
    expect(evaluation.plan[0]?.blockedBy?.message).toBe(
      'Cluster clustername1 is stopped, and AKS accepts only start and delete on a stopped cluster. Start it (az aks start --resource-group rg1 --name clustername1); the step is planned again once it runs.',
    );
  });

  test.each([
    ['Running', null],
    ['running', null],
    ['STOPPED', 'ClusterStopped'],
  ])('power state %s -> blockedBy %s', (powerState, reason) => {
    const evaluation = evaluate({ powerState, workloadIdentity: false }, [], { rules: ALL_IDENTITY_RULES });

    expect(evaluation.plan.map((s) => s.blockedBy?.reason ?? null)).toStrictEqual([reason]);
  });

  test('a cluster that reports no power state is not blocked', () => {
    const body = specCluster(() => undefined);

    const evaluation = evaluateSnapshot(toClusterSnapshot(body, []), baselineOf(EVERY_RULE), { now: NOW });

    expect(evaluation.plan.map((s) => s.blockedBy)).toStrictEqual([null, null, null]);
  });
});

describe('a Failed cluster is settled: its steps run', () => {
  test.each(['Failed', 'Canceled', 'Succeeded'])('provisioningState %s -> nothing blocked', (provisioningState) => {
    const body = specCluster((properties) => {
      properties.provisioningState = provisioningState;
      properties.powerState = { code: 'Running' };
    });

    const evaluation = evaluateSnapshot(toClusterSnapshot(body, []), baselineOf(EVERY_RULE), { now: NOW });

    expect(evaluation.plan.length).toBe(3);
    expect(evaluation.plan.filter((s) => s.blockedBy !== null)).toStrictEqual([]);
  });
});

describe('an extension AKS manages: its finding stays, its step is blocked ManagedByAks', () => {
  // The spec examples' subscription "subId1" is no GUID, which ARM (and so the parser) refuses: a real one in its place.
  const SPEC_SUBSCRIPTION = '00000000-0000-4000-8000-0000000000aa';
  const realSubscription = <T>(body: T): T => JSON.parse(JSON.stringify(body).replaceAll('/subscriptions/subId1/', `/subscriptions/${SPEC_SUBSCRIPTION}/`)) as T;
  const SPEC_CLUSTER_ID = `/subscriptions/${SPEC_SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clusterName1`;
  // The cluster the spec example's extension belongs to: ManagedClustersGet, renamed to it.
  const cluster = (): Record<string, unknown> => ({ ...specCluster(() => undefined), id: SPEC_CLUSTER_ID, name: 'clusterName1', identity: { type: 'SystemAssigned' } });
  const managed = () => realSubscription(exampleResponseBody(MANAGED_BY_FIXTURE));
  const withoutManagedBy = () => {
    // GetExtensionWithManagementDetails: the same body without the top-level managedBy.
    const { managedBy: _managedBy, ...rest } = managed();
    return rest;
  };
  const unmanaged = () => {
    const body = withoutManagedBy();
    delete (body.properties as Record<string, unknown>).managementDetails;
    return body;
  };
  const managedElsewhere = () => ({ ...unmanaged(), managedBy: `/subscriptions/${SPEC_SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.Resources/deployments/other` });
  // The example's extension runs 0.1.4 on Preview; the baseline pins 0.1.5.
  const vote = { name: 'azureVote', extensionType: 'azure-vote', mode: 'auto', releaseTrain: 'Preview', autoUpgradeMinorVersion: false, version: '0.1.5' };

  const cases: [name: string, extension: () => Record<string, unknown>, reason: string | null][] = [
    ['managedBy the cluster and managementDetails.category managed (GetExtensionWithManagedBy)', managed, 'ManagedByAks'],
    ['managementDetails.category managed only (GetExtensionWithManagementDetails)', withoutManagedBy, 'ManagedByAks'],
    ['neither', unmanaged, null],
    ['managed by another resource, no management details', managedElsewhere, null],
  ];
  test.each(cases)('%s -> %s', (_name, extension, reason) => {
    const snapshot = toClusterSnapshot(cluster(), { value: [extension()] });

    const evaluation = evaluateSnapshot(snapshot, baselineOf({ requiredExtensions: [vote] }), { now: NOW });

    expect(resultOf(evaluation, 'required-extension/azureVote')).toMatchObject({ status: 'NonCompliant', reason: 'VersionMismatch' });
    const step = stepOf(evaluation, 'required-extension/azureVote:update-extension');
    expect(step.blockedBy?.reason ?? null).toBe(reason);
  });

  test('the message says who may write it and what a person can do', () => {
    const snapshot = toClusterSnapshot(cluster(), { value: [managed()] });

    const step = stepOf(evaluateSnapshot(snapshot, baselineOf({ requiredExtensions: [vote] }), { now: NOW }), 'required-extension/azureVote:update-extension');

    expect(step.blockedBy?.message).toBe(
      'azure-vote extension "azureVote" is managed by AKS (its managedBy is the cluster): only Microsoft.ContainerService may change it, users may only read it. Change it through the AKS feature or cluster setting that installed it, or exempt rule required-extension/azureVote for this cluster.',
    );
  });

  test('ManagedByAks comes before ClusterStopped: starting the cluster would not unblock it', () => {
    const body = { ...cluster(), properties: { ...(cluster().properties as Record<string, unknown>), powerState: { code: 'Stopped' } } };

    const evaluation = evaluateSnapshot(toClusterSnapshot(body, { value: [managed()] }), baselineOf({ requiredExtensions: [vote] }), { now: NOW });

    expect(evaluation.plan.map((s) => s.blockedBy?.reason)).toStrictEqual(['ManagedByAks']);
  });

  test('a compliant managed extension plans nothing', () => {
    const snapshot = toClusterSnapshot(cluster(), { value: [managed()] });

    const evaluation = evaluateSnapshot(snapshot, baselineOf({ requiredExtensions: [{ ...vote, version: '0.1.4' }] }), { now: NOW });

    expect(evaluation.plan).toStrictEqual([]);
    expect(evaluation.status).toBe('Compliant');
  });
});

describe('protected settings are never lost: a write carries all the declared ones, or is a PATCH without them', () => {
  const refs = { 'ssh-private-key': { appSetting: 'FLUX_SSH_KEY' }, token: { keyVaultSecretUri: 'https://kv-ops.vault.azure.net/secrets/flux-token' } };
  const withRefs = { ...FLUX, protectedSettings: refs };
  const cases: [name: string, extensions: ExtensionOptions[], spec: Record<string, unknown>, action: string, method: string, sendsRefs: boolean][] = [
    ['install, baseline declares two', [], withRefs, 'install-extension', 'PUT', true],
    ['install, baseline declares none', [], FLUX, 'install-extension', 'PUT', false],
    ['repair of a Failed extension, baseline declares two', [{ name: 'flux', extensionType: 'microsoft.flux', provisioningState: 'Failed' }], withRefs, 'repair-extension', 'PATCH', true],
    ['repair of a Failed extension, baseline declares none', [{ name: 'flux', extensionType: 'microsoft.flux', provisioningState: 'Failed' }], FLUX, 'repair-extension', 'PATCH', false],
    ['update of a drifted extension, baseline declares two', [{ name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Preview' }], withRefs, 'update-extension', 'PATCH', false],
  ];
  test.each(cases)('%s -> %s %s', (_name, extensions, spec, action, method, sendsRefs) => {
    const evaluation = evaluate({}, extensions, { requiredExtensions: [spec] });

    const step = stepOf(evaluation, `required-extension/flux:${action}`);
    expect(step.change.method).toBe(method);
    expect(step.protectedSettingRefs).toStrictEqual(sendsRefs ? refs : undefined);
    // Never a value, never the field itself in a body.
    expect(JSON.stringify(step.change.body)).not.toMatch(/configurationProtectedSettings/);
  });

  test('the repair PATCH unpins a version when auto-upgrade is on, and names only patchExtension fields', () => {
    const evaluation = evaluate({}, [{ name: 'flux', extensionType: 'microsoft.flux', provisioningState: 'Failed', autoUpgradeMinorVersion: false, version: '1.8.0' }], { requiredExtensions: [FLUX] });

    expect(stepOf(evaluation, 'required-extension/flux:repair-extension').change.body).toStrictEqual({
      properties: { autoUpgradeMinorVersion: true, releaseTrain: 'Stable', version: null, configurationSettings: {} },
    });
  });

  test('the repair PATCH keeps a pinned version', () => {
    const pinned = { ...FLUX, autoUpgradeMinorVersion: false, version: '1.9.0' };

    const evaluation = evaluate({}, [{ name: 'flux', extensionType: 'microsoft.flux', provisioningState: 'Failed', autoUpgradeMinorVersion: false, version: '1.8.0' }], { requiredExtensions: [pinned] });

    expect(stepOf(evaluation, 'required-extension/flux:repair-extension').change.body).toStrictEqual({
      properties: { autoUpgradeMinorVersion: false, releaseTrain: 'Stable', version: '1.9.0', configurationSettings: {} },
    });
  });
});

describe('Dapr settings that cannot change after creation: a recreate, run only with approval', () => {
  const daprOk: ExtensionOptions = {
    name: 'dapr',
    extensionType: 'Microsoft.Dapr',
    autoUpgradeMinorVersion: false,
    version: '1.14.4-msft.10',
    scope: { cluster: { releaseNamespace: 'dapr-system' } },
    configurationSettings: { 'global.ha.enabled': 'true', 'dapr_placement.cluster.forceInMemoryLog': 'false', 'dapr_operator.replicaCount': '3', 'global.clusterType': 'managedclusters' },
  };
  const spec = (mode: string, settings: Record<string, unknown>) => ({ name: 'dapr', extensionType: 'microsoft.dapr', mode, autoUpgradeMinorVersion: false, version: '1.14.4-msft.10', configurationSettings: settings });

  const cases: [name: string, mode: string, settings: Record<string, unknown>, action: string, blocked: string | null][] = [
    ['global.ha.enabled drifted, auto', 'auto', { 'global.ha.enabled': false }, 'recreate-extension', 'ImmutableSetting'],
    ['global.ha.enabled drifted, audit', 'audit', { 'global.ha.enabled': false }, 'recreate-extension', 'ImmutableSetting'],
    ['global.ha.enabled drifted, approval', 'approval', { 'global.ha.enabled': false }, 'recreate-extension', null],
    ['a dapr_placement.* key added, auto', 'auto', { 'dapr_placement.maxActorApiLevel': 20 }, 'recreate-extension', 'ImmutableSetting'],
    ['dapr_operator.replicaCount drifted (changeable), auto', 'auto', { 'dapr_operator.replicaCount': 2 }, 'update-extension', null],
    ['global.ha.enabled as it is, auto', 'auto', { 'global.ha.enabled': true }, '(none)', null],
  ];
  test.each(cases)('%s -> %s, blocked %s', (_name, mode, settings, action, blocked) => {
    const evaluation = evaluate({}, [daprOk], { requiredExtensions: [spec(mode, settings)] });

    expect(evaluation.plan.map((s) => s.action)).toStrictEqual(action === '(none)' ? [] : [action]);
    expect(evaluation.plan.map((s) => s.blockedBy?.reason ?? null)).toStrictEqual(action === '(none)' ? [] : [blocked]);
  });

  test('the recreate: DELETE then PUT of the baseline spec, keeping the other settings and the scope; says what it deletes', () => {
    const declared = { ...spec('auto', { 'global.ha.enabled': false }), protectedSettings: { 'dapr_sentry.tls.key': { appSetting: 'DAPR_KEY' } } };

    const evaluation = evaluate({}, [daprOk], { requiredExtensions: [declared] });

    const step = stepOf(evaluation, 'required-extension/dapr:recreate-extension');
    expect(resultOf(evaluation, 'required-extension/dapr')).toMatchObject({ status: 'NonCompliant', reason: 'ConfigurationSettingsMismatch' });
    expect(resultOf(evaluation, 'required-extension/dapr').message).toMatch(/global\.ha\.enabled cannot change after creation/);
    expect(step.change).toStrictEqual({
      method: 'PUT',
      path: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/dapr`,
      recreate: { deleteFirst: true },
      body: {
        properties: {
          extensionType: 'Microsoft.Dapr',
          autoUpgradeMinorVersion: false,
          releaseTrain: 'Stable',
          version: '1.14.4-msft.10',
          scope: { cluster: { releaseNamespace: 'dapr-system' } },
          configurationSettings: { 'global.ha.enabled': 'false', 'dapr_placement.cluster.forceInMemoryLog': 'false', 'dapr_operator.replicaCount': '3', 'global.clusterType': 'managedclusters' },
        },
      },
    });
    expect(step.protectedSettingRefs).toStrictEqual({ 'dapr_sentry.tls.key': { appSetting: 'DAPR_KEY' } });
    expect(step.blockedBy?.message).toBe(
      'microsoft.dapr extension "dapr" can only be fixed by deleting and creating it again (settings global.ha.enabled cannot change after creation), which runs only with approval. Set "mode": "approval" on required extension "dapr" in the baseline, then approve step required-extension/dapr:recreate-extension.',
    );
    expect(step.disrupts).toBe(
      "Deletes extension \"dapr\" (Microsoft.Dapr) and creates it again: its workloads are gone from the cluster until the create finishes; Dapr's CRDs stay on the cluster (the delete does not remove them); protected settings are sent again from the baseline's references (dapr_sentry.tls.key); any others are not restored.",
    );
  });

  test('a Failed Dapr whose global.ha.* differs is recreated, not repaired', () => {
    const evaluation = evaluate({}, [{ ...daprOk, provisioningState: 'Failed' }], { requiredExtensions: [spec('approval', { 'global.ha.enabled': false })] });

    expect(resultOf(evaluation, 'required-extension/dapr').reason).toBe('ExtensionFailed');
    expect(evaluation.plan.map((s) => [s.action, s.blockedBy])).toStrictEqual([['recreate-extension', null]]);
  });
});

describe('Azure Container Storage v2 meets a requirement for v1 or v2; v1 is never installed beside it', () => {
  // What `az aks update --enable-azure-container-storage` installs today (Azure CLI acs _consts.py).
  const acstor: ExtensionOptions = { name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', scope: { cluster: { releaseNamespace: 'kube-system' } } };
  const v1 = { name: 'azurecontainerstorage', extensionType: 'microsoft.azurecontainerstorage', mode: 'auto' };
  const v2 = { name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', mode: 'auto' };

  const cases: [name: string, extensions: ExtensionOptions[], spec: Record<string, unknown>, status: string, reason: string, plan: string[]][] = [
    ['v2 installed, v1 required', [acstor], v1, 'Compliant', 'SatisfiedBySupersedingType', []],
    ['v2 installed, v2 required', [acstor], v2, 'Compliant', 'ExtensionCompliant', []],
    ['v2 installing, v1 required', [{ ...acstor, provisioningState: 'Creating' }], v1, 'Unknown', 'ExtensionProvisioningInProgress', []],
    ['v2 failed, v1 required', [{ ...acstor, provisioningState: 'Failed' }], v1, 'NonCompliant', 'ExtensionFailed', []],
    ['v2 in an unknown state, v1 required', [{ ...acstor, provisioningState: 'Weird' }], v1, 'Unknown', 'ExtensionStateUnknown', []],
    ['nothing installed, v1 required (still accepted)', [], v1, 'NonCompliant', 'ExtensionMissing', ['install-extension']],
    ['nothing installed, v2 required', [], v2, 'NonCompliant', 'ExtensionMissing', ['install-extension']],
    ['v1 installed, v1 required', [{ name: 'azurecontainerstorage', extensionType: 'microsoft.azurecontainerstorage' }], v1, 'Compliant', 'ExtensionCompliant', []],
  ];
  test.each(cases)('%s -> %s %s', (_name, extensions, spec, status, reason, plan) => {
    const evaluation = evaluate({}, extensions, { requiredExtensions: [spec] });

    expect(resultOf(evaluation, `required-extension/${String(spec.name)}`)).toMatchObject({ status, reason });
    expect(evaluation.plan.map((s) => s.action)).toStrictEqual(plan);
  });

  test('the result names the superseding extension', () => {
    const result = resultOf(evaluate({}, [acstor], { requiredExtensions: [v1] }), 'required-extension/azurecontainerstorage');

    expect(result.message).toBe(
      'azurecontainerstorage (microsoft.azurecontainerstorage) is satisfied by microsoft.azurecontainerstoragev2 extension "acstor", which supersedes it; microsoft.azurecontainerstorage is not installed beside it.',
    );
    expect(result.observed).toStrictEqual({ name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', provisioningState: 'Succeeded' });
  });

  test('a v2 install goes to kube-system, as the CLI installs it', () => {
    const step = stepOf(evaluate({}, [], { requiredExtensions: [v2] }), 'required-extension/acstor:install-extension');

    expect((step.change.body.properties as Record<string, unknown>).scope).toStrictEqual({ cluster: { releaseNamespace: 'kube-system' } });
  });
});

describe('Marketplace plans: installs send the plan; another plan is drift fixed by a recreate', () => {
  // The spec's CreateExtensionWithPlan example (2025-03-01): azure-vote with plan azure-vote-standard from Microsoft.
  const PLAN = { name: 'azure-vote-standard', product: 'azure-vote-standard-offer-id', publisher: 'Microsoft' };
  const vote = (mode = 'approval') => ({ name: 'azureVote', extensionType: 'azure-vote', mode, releaseTrain: 'Preview', plan: PLAN });
  const installed: ExtensionOptions = { name: 'azureVote', extensionType: 'azure-vote', releaseTrain: 'Preview', scope: { cluster: { releaseNamespace: 'kube-system' } }, plan: PLAN };

  test('the baseline keeps the plan, and the install PUT carries it beside properties', () => {
    const evaluation = evaluate({}, [], { requiredExtensions: [vote()] });

    expect(baselineOf({ requiredExtensions: [vote()] }).requiredExtensions[0]?.plan).toStrictEqual(PLAN);
    expect(stepOf(evaluation, 'required-extension/azureVote:install-extension').change.body).toStrictEqual({
      plan: PLAN,
      properties: { extensionType: 'azure-vote', autoUpgradeMinorVersion: true, releaseTrain: 'Preview', configurationSettings: {} },
    });
  });

  const cases: [name: string, plan: ExtensionOptions['plan'], mode: string, status: string, reason: string, plan_: [string, string | null][]][] = [
    ['the same plan', PLAN, 'auto', 'Compliant', 'ExtensionCompliant', []],
    ['the same plan in other casing', { name: 'Azure-Vote-Standard', product: 'azure-vote-standard-offer-id', publisher: 'microsoft' }, 'auto', 'Compliant', 'ExtensionCompliant', []],
    ['another plan, approval', { ...PLAN, name: 'azure-vote-premium' }, 'approval', 'NonCompliant', 'PlanMismatch', [['recreate-extension', null]]],
    ['another plan, auto', { ...PLAN, name: 'azure-vote-premium' }, 'auto', 'NonCompliant', 'PlanMismatch', [['recreate-extension', 'ImmutableSetting']]],
    ['no plan, auto', undefined, 'auto', 'NonCompliant', 'PlanMismatch', [['recreate-extension', 'ImmutableSetting']]],
  ];
  test.each(cases)('%s (%s) -> %s %s', (_name, plan, mode, status, reason, steps) => {
    const { plan: _installedPlan, ...withoutPlan } = installed;

    const evaluation = evaluate({}, [plan ? { ...installed, plan } : withoutPlan], { requiredExtensions: [vote(mode)] });

    expect(resultOf(evaluation, 'required-extension/azureVote')).toMatchObject({ status, reason });
    expect(evaluation.plan.map((s) => [s.action, s.blockedBy?.reason ?? null])).toStrictEqual(steps);
  });

  test('the recreate sends the baseline plan, says why, and that the purchase goes with the delete', () => {
    const evaluation = evaluate({}, [{ ...installed, plan: { ...PLAN, name: 'azure-vote-premium' } }], { requiredExtensions: [vote('auto')] });

    const step = stepOf(evaluation, 'required-extension/azureVote:recreate-extension');
    expect(step.change.body.plan).toStrictEqual(PLAN);
    expect(step.change.recreate).toStrictEqual({ deleteFirst: true });
    expect(step.blockedBy?.message).toMatch(/a Marketplace plan cannot change after creation \(a PATCH carries no plan\)/);
    expect(step.disrupts).toMatch(/its purchased Marketplace plan azure-vote-premium is removed with it, and the create sends the baseline's plan again/);
    expect(resultOf(evaluation, 'required-extension/azureVote')).toMatchObject({ expected: { plan: PLAN }, observed: { plan: { ...PLAN, name: 'azure-vote-premium' } } });
  });

  test('a Failed Marketplace extension with the right plan is repaired by a PATCH, which keeps the plan', () => {
    const evaluation = evaluate({}, [{ ...installed, provisioningState: 'Failed' }], { requiredExtensions: [vote()] });

    const step = stepOf(evaluation, 'required-extension/azureVote:repair-extension');
    expect(step.change.method).toBe('PATCH');
    expect(step.change.body.plan).toBeUndefined();
  });
});

describe('versions compare with their pre-release part', () => {
  const pinned = (version: string) => ({ name: 'dapr', extensionType: 'microsoft.dapr', mode: 'auto', autoUpgradeMinorVersion: false, version });
  const cases: [pin: string, installed: string, reason: string][] = [
    ['1.14.4-msft.10', '1.14.4-msft.9', 'VersionMismatch'],
    ['1.14.4-msft.9', '1.14.4-msft.10', 'VersionMismatch'],
    ['1.14.4-msft.10', '1.14.4', 'VersionMismatch'],
    ['1.14.4-msft.10', '1.14.4-msft.10', 'ExtensionCompliant'],
    ['1.14.4', '1.14.4', 'ExtensionCompliant'],
  ];
  test.each(cases)('pinned %s, installed %s -> %s', (pin, version, reason) => {
    const evaluation = evaluate({}, [{ name: 'dapr', extensionType: 'Microsoft.Dapr', autoUpgradeMinorVersion: false, version }], { requiredExtensions: [pinned(pin)] });

    expect(resultOf(evaluation, 'required-extension/dapr').reason).toBe(reason);
  });

  test('the fix PATCHes the pinned version', () => {
    const evaluation = evaluate({}, [{ name: 'dapr', extensionType: 'Microsoft.Dapr', autoUpgradeMinorVersion: false, version: '1.14.4-msft.9' }], { requiredExtensions: [pinned('1.14.4-msft.10')] });

    expect(stepOf(evaluation, 'required-extension/dapr:update-extension').change.body).toStrictEqual({ properties: { version: '1.14.4-msft.10' } });
  });
});

describe('disabling pod identity as az does: the profile becomes exactly { enabled: false }', () => {
  const profile = {
    enabled: true,
    allowNetworkPluginKubenet: true,
    userAssignedIdentities: [
      {
        name: 'orders-api',
        namespace: 'orders',
        bindingSelector: 'orders-api',
        identity: { resourceId: '/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/orders', clientId: 'client-1', objectId: 'object-1' },
        provisioningState: 'Assigned',
      },
      { name: 'legacy', namespace: 'tools', identity: {} },
    ],
    userAssignedIdentityExceptions: [{ name: 'nmi-exempt', namespace: 'kube-system', podLabels: { app: 'probe', tier: 'infra' } }],
  };
  const evaluation = () => evaluate({ podIdentityProfile: profile }, [], { rules: { podIdentityDisabled: { mode: 'approval' } } });

  test('the PUT body has exactly { enabled: false }; the patch nulls what az drops', () => {
    const step = stepOf(evaluation(), 'no-pod-identity:disable-pod-identity');

    expect((step.change.body.properties as Record<string, unknown>).podIdentityProfile).toStrictEqual({ enabled: false });
    expect(step.clusterPatch).toStrictEqual({ properties: { podIdentityProfile: { enabled: false, allowNetworkPluginKubenet: null, userAssignedIdentities: null, userAssignedIdentityExceptions: null } } });
    // An applier that re-reads the cluster and rebuilds the PUT gets the same.
    const rebuilt = clusterPutBody(clusterBody({ podIdentityProfile: profile }), step.clusterPatch ?? {});
    expect((rebuilt.properties as Record<string, unknown>).podIdentityProfile).toStrictEqual({ enabled: false });
  });

  test('the step lists the pod identities and exceptions it removes, to record before sending', () => {
    const step = stepOf(evaluation(), 'no-pod-identity:disable-pod-identity');

    expect(step.removes).toStrictEqual({
      podIdentities: [
        { name: 'orders-api', namespace: 'orders', identityResourceId: '/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/orders', clientId: 'client-1' },
        { name: 'legacy', namespace: 'tools', identityResourceId: null, clientId: null },
      ],
      podIdentityExceptions: [{ name: 'nmi-exempt', namespace: 'kube-system', podLabels: { app: 'probe', tier: 'infra' } }],
    });
    expect(step.description).toMatch(/removing its 2 pod identities and 1 exception/);
  });

  test('a profile with only enabled: true needs no nulls, and removes nothing', () => {
    const step = stepOf(evaluate({ podIdentity: true }, [], { rules: { podIdentityDisabled: { mode: 'auto' } } }), 'no-pod-identity:disable-pod-identity');

    expect(step.clusterPatch).toStrictEqual({ properties: { podIdentityProfile: { enabled: false } } });
    expect(step.removes).toStrictEqual({ podIdentities: [], podIdentityExceptions: [] });
    expect(step.description).toMatch(/removing its 0 pod identities and 0 exceptions/);
  });

  test('entries that are not objects are skipped, and labels that are not strings dropped', () => {
    const odd = { enabled: true, userAssignedIdentities: ['x', { name: 'a', namespace: 'b', identity: 'not-an-object' }], userAssignedIdentityExceptions: [{ name: 'e', namespace: 'n', podLabels: { app: 'x', n: 1 } }, { podLabels: 'x' }] };

    const step = stepOf(evaluate({ podIdentityProfile: odd }, [], { rules: { podIdentityDisabled: { mode: 'auto' } } }), 'no-pod-identity:disable-pod-identity');

    expect(step.removes).toStrictEqual({
      podIdentities: [{ name: 'a', namespace: 'b', identityResourceId: null, clientId: null }],
      podIdentityExceptions: [
        { name: 'e', namespace: 'n', podLabels: { app: 'x' } },
        { name: '', namespace: '', podLabels: {} },
      ],
    });
  });
});

describe('disruption is visible on every step', () => {
  test.each([
    ['enable-managed-identity', { identityType: null, spClientId: 'sp' }, 'managed-identity:enable-managed-identity', /^Reimages every node/],
    ['enable-workload-identity with the issuer off', { oidc: false, workloadIdentity: false }, 'workload-identity:enable-workload-identity', /restarts the API server/],
    ['disable-pod-identity', { podIdentity: true }, 'no-pod-identity:disable-pod-identity', /stop getting them/],
  ] as const)('%s', (_name, cluster, id, disrupts) => {
    expect(stepOf(evaluate(cluster, [], { rules: ALL_IDENTITY_RULES }), id).disrupts).toMatch(disrupts);
  });

  test('enabling workload identity where the issuer is already on disrupts nothing documented; nor do installs', () => {
    const evaluation = evaluate({ oidc: true, workloadIdentity: false }, [], EVERY_RULE);

    expect(evaluation.plan.map((s) => [s.id, s.disrupts])).toStrictEqual([
      ['required-extension/flux:install-extension', null],
      ['workload-identity:enable-workload-identity', null],
    ]);
  });
});
