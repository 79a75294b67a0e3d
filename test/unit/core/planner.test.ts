import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { DEFAULT_BASELINE_PATH } from '../../../src/baseline-file.js';
import { parseBaseline } from '../../../src/core/baseline.js';
import { clusterPutBody, deepMerge, READ_ONLY_CLUSTER_FIELDS } from '../../../src/core/cluster-body.js';
import { evaluateSnapshot } from '../../../src/core/evaluate.js';
import { orderSteps } from '../../../src/core/planner.js';
import { parseCluster, toClusterSnapshot } from '../../../src/core/snapshot.js';
import type { Evaluation, PlanStep } from '../../../src/core/types.js';
import { exampleResponseBody, FIXTURES, readFixture } from '../../support/fixtures.js';
import { ALL_IDENTITY_RULES, baselineOf, CLUSTER_ID, clusterBody, FLUX, NOW, snapshotOf, type ClusterOptions, type ExtensionOptions } from '../../support/builders.js';

type Json = Record<string, unknown>;
const defaultBaseline = parseBaseline(readFileSync(DEFAULT_BASELINE_PATH, 'utf8'), DEFAULT_BASELINE_PATH);

/** The plan step with this id; throws (listing the plan) when there is none, so callers get a PlanStep. */
function stepOf(evaluation: Evaluation, id: string): PlanStep {
  const step = evaluation.plan.find((s) => s.id === id);
  if (!step) throw new Error(`no step ${id} in ${evaluation.plan.map((s) => s.id).join(', ')}`);
  return step;
}

function plan(cluster: ClusterOptions, extensions: ExtensionOptions[] = [], baseline: Json = { rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX] }): Evaluation {
  return evaluateSnapshot(snapshotOf(cluster, extensions), baselineOf(baseline), { now: NOW });
}

/** The keys of `object` among `keys`: what should have been stripped and was not. */
function presentKeys(object: Json, keys: readonly string[]): string[] {
  return keys.filter((key) => key in object);
}

describe('the ManagedClustersGet example with the default baseline', () => {
  const evaluation = evaluateSnapshot(parseCluster(exampleResponseBody(FIXTURES.clusterGet)), defaultBaseline, { now: NOW });

  test('finds managed-identity and required-extension/flux NonCompliant', () => {
    const status = Object.fromEntries(evaluation.results.map((r) => [r.ruleId, r.status]));

    expect(status['managed-identity']).toBe('NonCompliant');
    expect(status['required-extension/flux']).toBe('NonCompliant');
    expect(evaluation.status).toBe('NonCompliant');
  });

  test('plans the Flux install after the managed identity', () => {
    const install = stepOf(evaluation, 'required-extension/flux:install-extension');
    const identity = stepOf(evaluation, 'managed-identity:enable-managed-identity');

    expect(install.action).toBe('install-extension');
    expect(identity.action).toBe('enable-managed-identity');
    expect(install.dependsOn).toStrictEqual([identity.id]);
    expect(evaluation.plan.indexOf(identity)).toBeLessThan(evaluation.plan.indexOf(install));
  });

  test('gives steps stable <ruleId>:<action> ids, in dependency-then-id order, with modes from the baseline', () => {
    expect(evaluation.plan.map((s) => [s.id, s.mode, s.dependsOn])).toStrictEqual([
      ['managed-identity:enable-managed-identity', 'approval', []],
      ['required-extension/flux:install-extension', 'auto', ['managed-identity:enable-managed-identity']],
      ['workload-identity:enable-workload-identity', 'auto', ['managed-identity:enable-managed-identity']],
    ]);
  });

  test('sends the eTag as If-Match on the first cluster PUT only, never in a body', () => {
    expect(stepOf(evaluation, 'managed-identity:enable-managed-identity').change.ifMatch).toBe('beywbwei');
    expect(stepOf(evaluation, 'workload-identity:enable-workload-identity').change.ifMatch).toBeUndefined();
    expect(evaluation.plan.filter((step) => 'eTag' in step.change.body).map((step) => step.id)).toStrictEqual([]);
  });
});

describe('cluster PUT bodies', () => {
  interface Recording {
    interactions: { step: string; request: { method: string; body?: Json }; response: { body?: Json } }[];
  }
  const recording = readFixture(FIXTURES.msiRecording) as Recording;
  const find = (prefix: string) => {
    const found = recording.interactions.find((i) => i.step.startsWith(prefix));
    if (!found) throw new Error(`no interaction "${prefix}" in the recording`);
    return found;
  };

  test('enable-managed-identity PUTs exactly what az aks update --enable-managed-identity sent', () => {
    // Prepare
    const before = find('final GET of resource after create').response.body as Json;
    const sent = find('aks update --enable-managed-identity').request.body;

    // Act
    const evaluation = evaluateSnapshot(parseCluster(before), baselineOf({ rules: { managedIdentity: { mode: 'auto' } } }), { now: NOW });

    // Assess
    const step = stepOf(evaluation, 'managed-identity:enable-managed-identity');
    expect(step.change.method).toBe('PUT');
    expect(step.change.path).toBe('/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/clitest000001/providers/Microsoft.ContainerService/managedClusters/cliakstest000003');
    expect(step.change.body).toStrictEqual(sent);
    expect(step.clusterPatch).toStrictEqual({ identity: { type: 'SystemAssigned' } });
  });

  test('clusterPutBody strips every read-only field and keeps what is writable', () => {
    // Prepare
    const body = clusterBody({ eTag: 'etag-1', identityType: 'UserAssigned' });
    (body.identity as Json).userAssignedIdentities = { '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u': { principalId: 'p', clientId: 'c' } };

    // Act
    const put = clusterPutBody(body, { properties: { podIdentityProfile: { enabled: false } } });

    // Assess
    expect(presentKeys(put, READ_ONLY_CLUSTER_FIELDS.resource)).toStrictEqual([]);
    const properties = put.properties as Json;
    expect(presentKeys(properties, READ_ONLY_CLUSTER_FIELDS.properties)).toStrictEqual([]);
    const pool = (properties.agentPoolProfiles as Json[])[0] ?? {};
    expect(presentKeys(pool, READ_ONLY_CLUSTER_FIELDS.agentPoolProfile)).toStrictEqual([]);
    expect(pool.powerState).toStrictEqual({ code: 'Running' });
    expect(put.identity).toStrictEqual({ type: 'UserAssigned', userAssignedIdentities: { '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u': {} } });
    expect(properties.oidcIssuerProfile).toStrictEqual({ enabled: true });
    expect(properties.podIdentityProfile).toStrictEqual({ enabled: false });
    expect(put.location).toBe('eastus');
    expect(put.tags).toStrictEqual({ env: 'prod' });
    expect(put.sku).toStrictEqual({ name: 'Base', tier: 'Standard' });
    // The input is not changed.
    expect((body.properties as Json).provisioningState).toBe('Succeeded');
  });

  test('clusterPutBody applies the patch as a JSON merge patch: null removes a member, deepMerge composes patches keeping null', () => {
    const body = clusterBody({ podIdentityProfile: { enabled: true, userAssignedIdentities: [{ name: 'a' }], allowNetworkPluginKubenet: true } });
    const patch = { properties: { podIdentityProfile: { enabled: false, userAssignedIdentities: null, allowNetworkPluginKubenet: null, notThere: null }, newProfile: { nested: { gone: null, kept: 1 } } } };

    const put = clusterPutBody(body, patch);

    expect((put.properties as Json).podIdentityProfile).toStrictEqual({ enabled: false });
    expect((put.properties as Json).newProfile).toStrictEqual({ nested: { kept: 1 } });
    expect(deepMerge({ a: { b: null } }, { a: { c: 1 } })).toStrictEqual({ a: { b: null, c: 1 } });
  });

  test('clusterPutBody keeps agent pool entries that are not objects as they are', () => {
    const body = clusterBody();
    (body.properties as Json).agentPoolProfiles = ['opaque'];

    const put = clusterPutBody(body, {});

    expect((put.properties as Json).agentPoolProfiles).toStrictEqual(['opaque']);
  });

  test('enable-workload-identity turns on the issuer and workload identity in one PUT', () => {
    const evaluation = plan({ workloadIdentity: false, oidc: false });

    const step = stepOf(evaluation, 'workload-identity:enable-workload-identity');
    const properties = step.change.body.properties as Json;
    expect(properties.oidcIssuerProfile).toStrictEqual({ enabled: true });
    expect(properties.securityProfile).toStrictEqual({ workloadIdentity: { enabled: true } });
    expect(step.dependsOn).toStrictEqual([]);
  });

  test('chains cluster PUTs, each carrying the earlier patches so none undoes another', () => {
    const evaluation = plan({ identityType: null, spClientId: 'c0ffee', workloadIdentity: false, podIdentity: true }, [{ name: 'flux', extensionType: 'microsoft.flux' }]);

    expect(evaluation.plan.map((s) => [s.id, s.dependsOn])).toStrictEqual([
      ['managed-identity:enable-managed-identity', []],
      ['workload-identity:enable-workload-identity', ['managed-identity:enable-managed-identity']],
      ['no-pod-identity:disable-pod-identity', ['workload-identity:enable-workload-identity']],
    ]);
    const last = stepOf(evaluation, 'no-pod-identity:disable-pod-identity').change.body;
    expect(last.identity).toStrictEqual({ type: 'SystemAssigned' });
    expect((last.properties as Json).securityProfile).toStrictEqual({ workloadIdentity: { enabled: true } });
    expect((last.properties as Json).podIdentityProfile).toStrictEqual({ enabled: false });
  });

  test('disable-pod-identity waits for the managed identity when workload identity is already on', () => {
    const evaluation = plan({ identityType: null, spClientId: 'c0ffee', podIdentity: true }, [{ name: 'flux', extensionType: 'microsoft.flux' }]);

    expect(stepOf(evaluation, 'no-pod-identity:disable-pod-identity').dependsOn).toStrictEqual(['managed-identity:enable-managed-identity']);
  });

  test('disable-pod-identity has no dependency when it is the only change', () => {
    const evaluation = plan({ podIdentity: true }, [{ name: 'flux', extensionType: 'microsoft.flux' }]);

    expect(evaluation.plan.map((s) => [s.id, s.dependsOn])).toStrictEqual([['no-pod-identity:disable-pod-identity', []]]);
  });
});

describe('extension steps', () => {
  const daprSpec = {
    name: 'dapr',
    extensionType: 'Microsoft.Dapr',
    releaseTrain: 'Stable',
    autoUpgradeMinorVersion: false,
    version: '1.14.4',
    mode: 'approval',
    scope: { cluster: { releaseNamespace: 'dapr-system' } },
    configurationSettings: { 'global.ha.enabled': true },
    protectedSettings: { 'dapr_sentry.tls.key': { keyVaultSecretUri: 'https://kv-ops.vault.azure.net/secrets/dapr-key' } },
  };

  test('install-extension PUTs the declared spec, with protected settings only as references', () => {
    const step = stepOf(plan({}, [], { requiredExtensions: [daprSpec] }), 'required-extension/dapr:install-extension');

    expect(step.change).toStrictEqual({
      method: 'PUT',
      path: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/dapr`,
      body: {
        properties: {
          // As the Azure CLI sends it (issue 15): the type lower-cased, global.clusterType set for an AKS cluster.
          extensionType: 'microsoft.dapr',
          autoUpgradeMinorVersion: false,
          releaseTrain: 'Stable',
          version: '1.14.4',
          scope: { cluster: { releaseNamespace: 'dapr-system' } },
          configurationSettings: { 'global.ha.enabled': 'true', 'global.clusterType': 'managedclusters' },
        },
      },
    });
    expect(step.protectedSettingRefs).toStrictEqual({ 'dapr_sentry.tls.key': { keyVaultSecretUri: 'https://kv-ops.vault.azure.net/secrets/dapr-key' } });
    expect(step.mode).toBe('approval');
    expect(step.dependsOn).toStrictEqual([]);
  });

  // A cataloged type the baseline gives no scope is installed where its docs put it; any other type is left to ARM.
  const defaultScopes: [name: string, spec: Record<string, unknown>, scope: unknown][] = [
    ['Dapr (cataloged), no scope', { name: 'dapr', extensionType: 'microsoft.dapr', mode: 'auto' }, { cluster: { releaseNamespace: 'dapr-system' } }],
    ['Azure Backup (cataloged), no scope', { name: 'backup', extensionType: 'Microsoft.DataProtection.Kubernetes', mode: 'auto' }, { cluster: { releaseNamespace: 'dataprotection-microsoft' } }],
    ['Flux with a scope of its own', { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', scope: { cluster: { releaseNamespace: 'gitops' } } }, { cluster: { releaseNamespace: 'gitops' } }],
    ['a type that is not cataloged', { name: 'widget', extensionType: 'contoso.widget', mode: 'auto' }, undefined],
  ];
  test.each(defaultScopes)('install-extension scope: %s', (_name, spec, scope) => {
    const step = stepOf(plan({}, [], { requiredExtensions: [spec] }), `required-extension/${String(spec['name'])}:install-extension`);

    expect((step.change.body['properties'] as Record<string, unknown>)['scope']).toStrictEqual(scope);
  });

  test('update-extension PATCHes only what differs, on the instance that is there', () => {
    // (A drifted global.ha.* setting would need a recreate: Dapr cannot change it after creation.)
    const spec = { ...daprSpec, configurationSettings: { 'global.ha.enabled': true, 'dapr_operator.replicaCount': 3 } };
    const evaluation = plan({}, [{ name: 'dapr-prod', extensionType: 'microsoft.dapr', autoUpgradeMinorVersion: false, version: '1.13.0', configurationSettings: { 'global.ha.enabled': 'true', 'dapr_operator.replicaCount': '2', other: 'kept' } }], { requiredExtensions: [spec] });

    // Never a second instance of a type.
    expect(evaluation.plan.map((s) => s.action)).not.toContain('install-extension');
    const step = stepOf(evaluation, 'required-extension/dapr:update-extension');
    expect(step.change).toStrictEqual({
      method: 'PATCH',
      path: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/dapr-prod`,
      // Dapr's update also carries hooks.applyCrds, "true" for an upgrade (issue 15, as az k8s-extension update sends it).
      body: { properties: { version: '1.14.4', configurationSettings: { 'dapr_operator.replicaCount': '3', 'hooks.applyCrds': 'true' } } },
    });
    expect(step.protectedSettingRefs).toBeUndefined();
  });

  test('turning minor-version auto-upgrade back on also unpins the version, as ARM requires', () => {
    const evaluation = plan({}, [{ name: 'flux', extensionType: 'microsoft.flux', autoUpgradeMinorVersion: false, version: '1.8.0' }]);

    const step = stepOf(evaluation, 'required-extension/flux:update-extension');
    expect(step.change.body).toStrictEqual({ properties: { autoUpgradeMinorVersion: true, version: null } });
  });

  test('repair-extension PATCHes the desired spec to the failed instance, keeping its type, scope and other settings', () => {
    const evaluation = plan({}, [{ name: 'flux-system', extensionType: 'Microsoft.Flux', provisioningState: 'Failed', configurationSettings: { 'helm-controller.enabled': 'true' } }], {
      requiredExtensions: [{ ...FLUX, configurationSettings: { 'multiTenancy.enforce': 'true' } }],
    });

    // A PATCH (issue 14): a PUT would replace the extension and lose the protected settings it did not carry.
    const step = stepOf(evaluation, 'required-extension/flux:repair-extension');
    expect(step.change).toStrictEqual({
      method: 'PATCH',
      path: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/flux-system`,
      body: {
        properties: {
          autoUpgradeMinorVersion: true,
          releaseTrain: 'Stable',
          configurationSettings: { 'helm-controller.enabled': 'true', 'multiTenancy.enforce': 'true' },
        },
      },
    });
    expect(step.protectedSettingRefs).toBeUndefined();
  });

  test('every extension step waits for the managed identity on a service principal cluster', () => {
    const evaluation = plan({ identityType: null, spClientId: 'c0ffee' }, [{ name: 'dapr', extensionType: 'Microsoft.Dapr', provisioningState: 'Failed' }], {
      rules: ALL_IDENTITY_RULES,
      requiredExtensions: [FLUX, { ...daprSpec, protectedSettings: {} }],
    });

    const extensionSteps = evaluation.plan.filter((s) => s.ruleId.startsWith('required-extension/'));
    expect(extensionSteps.map((s) => s.dependsOn)).toStrictEqual([['managed-identity:enable-managed-identity'], ['managed-identity:enable-managed-identity']]);
  });

  test('audit steps stay in the plan, marked audit', () => {
    const evaluation = plan({}, [], { requiredExtensions: [{ ...FLUX, mode: 'audit' }] });

    expect(evaluation.plan.map((s) => [s.id, s.mode])).toStrictEqual([['required-extension/flux:install-extension', 'audit']]);
  });

  test('nothing is planned for an unknown, not-applicable or name-clashing extension', () => {
    const evaluation = plan({ version: '1.26.0' }, [{ name: 'flux', extensionType: 'microsoft.dapr' }, { name: 'acstor', extensionType: 'microsoft.azurecontainerstorage', provisioningState: 'Updating' }], {
      requiredExtensions: [FLUX, { name: 'acs', extensionType: 'microsoft.azurecontainerstorage', mode: 'auto' }, { name: 'backup', extensionType: 'microsoft.dataprotection.kubernetes', mode: 'auto', minKubernetesVersion: '1.28' }],
    });

    expect(evaluation.plan).toStrictEqual([]);
  });
});

describe('plans', () => {
  test('a compliant cluster gives an empty plan', () => {
    const evaluation = plan({}, [{ name: 'flux', extensionType: 'microsoft.flux' }]);

    expect(evaluation.status).toBe('Compliant');
    expect(evaluation.plan).toStrictEqual([]);
  });

  test('are deterministic', () => {
    const snapshot = toClusterSnapshot(exampleResponseBody(FIXTURES.clusterGet));

    expect(evaluateSnapshot(snapshot, defaultBaseline, { now: NOW })).toStrictEqual(evaluateSnapshot(snapshot, defaultBaseline, { now: NOW }));
  });

  const step = (id: string, dependsOn: string[]): PlanStep => ({ id, ruleId: id, action: 'install-extension', mode: 'auto', dependsOn, description: '', blockedBy: null, disrupts: null, change: { method: 'PUT', path: '/', body: {} } });

  test('orderSteps refuses a dependency cycle', () => {
    expect(() => orderSteps([step('a', ['b']), step('b', ['a'])])).toThrow(/dependency cycle among a, b/);
  });

  test('orderSteps puts dependencies first and otherwise sorts by id, ignoring dependencies on steps not in the plan', () => {
    const steps = [step('d', []), step('c', ['a']), step('b', ['gone']), step('a', ['d'])];

    expect(orderSteps(steps).map((s) => s.id)).toStrictEqual(['b', 'd', 'a', 'c']);
  });
});
