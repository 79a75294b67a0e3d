import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { DEFAULT_BASELINE_PATH } from '../../../src/core/baseline-file.js';
import { parseBaseline } from '../../../src/core/baseline.js';
import { clusterPutBody, READ_ONLY_CLUSTER_FIELDS } from '../../../src/core/cluster-body.js';
import { evaluateCluster } from '../../../src/core/evaluate.js';
import { orderSteps } from '../../../src/core/planner.js';
import { parseCluster, toClusterSnapshot } from '../../../src/core/snapshot.js';
import type { Evaluation, PlanStep } from '../../../src/core/types.js';
import { exampleResponseBody, FIXTURES, readFixture } from '../../support/fixtures.js';
import { ALL_IDENTITY_RULES, baselineOf, CLUSTER_ID, clusterBody, FLUX, NOW, snapshotOf, type ClusterOptions, type ExtensionOptions } from '../../support/builders.js';

type Json = Record<string, unknown>;
const defaultBaseline = parseBaseline(readFileSync(DEFAULT_BASELINE_PATH, 'utf8'), DEFAULT_BASELINE_PATH);

function stepOf(evaluation: Evaluation, id: string): PlanStep {
  const step = evaluation.plan.find((s) => s.id === id);
  assert.ok(step, `no step ${id} in ${evaluation.plan.map((s) => s.id).join(', ')}`);
  return step;
}

function plan(cluster: ClusterOptions, extensions: ExtensionOptions[] = [], baseline: Json = { rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX] }): Evaluation {
  return evaluateCluster(snapshotOf(cluster, extensions), baselineOf(baseline), { now: NOW });
}

describe('the ManagedClustersGet example with the default baseline', () => {
  const evaluation = evaluateCluster(parseCluster(exampleResponseBody(FIXTURES.clusterGet)), defaultBaseline, { now: NOW });

  it('finds managed-identity and required-extension/flux NonCompliant', () => {
    const status = Object.fromEntries(evaluation.results.map((r) => [r.ruleId, r.status]));
    assert.equal(status['managed-identity'], 'NonCompliant');
    assert.equal(status['required-extension/flux'], 'NonCompliant');
    assert.equal(evaluation.status, 'NonCompliant');
  });

  it('plans the Flux install after the managed identity', () => {
    const install = evaluation.plan.find((s) => s.action === 'install-extension');
    const identity = evaluation.plan.find((s) => s.action === 'enable-managed-identity');
    assert.ok(install && identity);
    assert.deepEqual(install.dependsOn, [identity.id]);
    assert.ok(evaluation.plan.indexOf(identity) < evaluation.plan.indexOf(install));
  });

  it('gives steps stable <ruleId>:<action> ids, in dependency-then-id order, with modes from the baseline', () => {
    assert.deepEqual(
      evaluation.plan.map((s) => [s.id, s.mode, s.dependsOn]),
      [
        ['managed-identity:enable-managed-identity', 'approval', []],
        ['required-extension/flux:install-extension', 'auto', ['managed-identity:enable-managed-identity']],
        ['workload-identity:enable-workload-identity', 'auto', ['managed-identity:enable-managed-identity']],
      ],
    );
  });

  it('sends the eTag as If-Match on the first cluster PUT only, never in a body', () => {
    assert.equal(stepOf(evaluation, 'managed-identity:enable-managed-identity').change.ifMatch, 'beywbwei');
    assert.equal(stepOf(evaluation, 'workload-identity:enable-workload-identity').change.ifMatch, undefined);
    for (const step of evaluation.plan) assert.ok(!('eTag' in step.change.body));
  });
});

describe('cluster PUT bodies', () => {
  interface Recording {
    interactions: { step: string; request: { method: string; body?: Json }; response: { body?: Json } }[];
  }
  const recording = readFixture(FIXTURES.msiRecording) as Recording;
  const find = (prefix: string) => {
    const found = recording.interactions.find((i) => i.step.startsWith(prefix));
    assert.ok(found, prefix);
    return found;
  };

  it('enable-managed-identity PUTs exactly what az aks update --enable-managed-identity sent', () => {
    const before = find('final GET of resource after create').response.body as Json;
    const sent = find('aks update --enable-managed-identity').request.body;
    const evaluation = evaluateCluster(parseCluster(before), baselineOf({ rules: { managedIdentity: { mode: 'auto' } } }), { now: NOW });
    const step = stepOf(evaluation, 'managed-identity:enable-managed-identity');
    assert.equal(step.change.method, 'PUT');
    assert.equal(step.change.path, '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/clitest000001/providers/Microsoft.ContainerService/managedClusters/cliakstest000003');
    assert.deepEqual(step.change.body, sent);
    assert.deepEqual(step.clusterPatch, { identity: { type: 'SystemAssigned' } });
  });

  it('clusterPutBody strips every read-only field and keeps what is writable', () => {
    const body = clusterBody({ eTag: 'etag-1', identityType: 'UserAssigned' });
    (body.identity as Json).userAssignedIdentities = { '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u': { principalId: 'p', clientId: 'c' } };
    const put = clusterPutBody(body, { properties: { podIdentityProfile: { enabled: false } } });
    for (const key of READ_ONLY_CLUSTER_FIELDS.resource) assert.ok(!(key in put), key);
    const properties = put.properties as Json;
    for (const key of READ_ONLY_CLUSTER_FIELDS.properties) assert.ok(!(key in properties), key);
    const pool = (properties.agentPoolProfiles as Json[])[0] ?? {};
    for (const key of READ_ONLY_CLUSTER_FIELDS.agentPoolProfile) assert.ok(!(key in pool), key);
    assert.deepEqual(pool.powerState, { code: 'Running' });
    assert.deepEqual(put.identity, { type: 'UserAssigned', userAssignedIdentities: { '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u': {} } });
    assert.deepEqual(properties.oidcIssuerProfile, { enabled: true });
    assert.deepEqual(properties.podIdentityProfile, { enabled: false });
    assert.equal(put.location, 'eastus');
    assert.deepEqual(put.tags, { env: 'prod' });
    assert.deepEqual(put.sku, { name: 'Base', tier: 'Standard' });
    assert.equal((body.properties as Json).provisioningState, 'Succeeded', 'the input is not changed');
  });

  it('enable-workload-identity turns on the issuer and workload identity in one PUT', () => {
    const evaluation = plan({ workloadIdentity: false, oidc: false });
    const step = stepOf(evaluation, 'workload-identity:enable-workload-identity');
    const properties = step.change.body.properties as Json;
    assert.deepEqual(properties.oidcIssuerProfile, { enabled: true });
    assert.deepEqual(properties.securityProfile, { workloadIdentity: { enabled: true } });
    assert.deepEqual(step.dependsOn, []);
  });

  it('chains cluster PUTs, each carrying the earlier patches so none undoes another', () => {
    const evaluation = plan({ identityType: null, spClientId: 'c0ffee', workloadIdentity: false, podIdentity: true }, [{ name: 'flux', extensionType: 'microsoft.flux' }]);
    assert.deepEqual(
      evaluation.plan.map((s) => [s.id, s.dependsOn]),
      [
        ['managed-identity:enable-managed-identity', []],
        ['workload-identity:enable-workload-identity', ['managed-identity:enable-managed-identity']],
        ['no-pod-identity:disable-pod-identity', ['workload-identity:enable-workload-identity']],
      ],
    );
    const last = stepOf(evaluation, 'no-pod-identity:disable-pod-identity').change.body;
    assert.deepEqual(last.identity, { type: 'SystemAssigned' });
    assert.deepEqual((last.properties as Json).securityProfile, { workloadIdentity: { enabled: true } });
    assert.deepEqual((last.properties as Json).podIdentityProfile, { enabled: false });
  });

  it('disable-pod-identity waits for the managed identity when workload identity is already on', () => {
    const evaluation = plan({ identityType: null, spClientId: 'c0ffee', podIdentity: true }, [{ name: 'flux', extensionType: 'microsoft.flux' }]);
    assert.deepEqual(stepOf(evaluation, 'no-pod-identity:disable-pod-identity').dependsOn, ['managed-identity:enable-managed-identity']);
  });

  it('disable-pod-identity has no dependency when it is the only change', () => {
    const evaluation = plan({ podIdentity: true }, [{ name: 'flux', extensionType: 'microsoft.flux' }]);
    assert.deepEqual(evaluation.plan.map((s) => [s.id, s.dependsOn]), [['no-pod-identity:disable-pod-identity', []]]);
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

  it('install-extension PUTs the declared spec, with protected settings only as references', () => {
    const step = stepOf(plan({}, [], { requiredExtensions: [daprSpec] }), 'required-extension/dapr:install-extension');
    assert.deepEqual(step.change, {
      method: 'PUT',
      path: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/dapr`,
      body: {
        properties: {
          extensionType: 'Microsoft.Dapr',
          autoUpgradeMinorVersion: false,
          releaseTrain: 'Stable',
          version: '1.14.4',
          scope: { cluster: { releaseNamespace: 'dapr-system' } },
          configurationSettings: { 'global.ha.enabled': 'true' },
        },
      },
    });
    assert.deepEqual(step.protectedSettingRefs, { 'dapr_sentry.tls.key': { keyVaultSecretUri: 'https://kv-ops.vault.azure.net/secrets/dapr-key' } });
    assert.equal(step.mode, 'approval');
    assert.deepEqual(step.dependsOn, []);
  });

  it('update-extension PATCHes only what differs, on the instance that is there', () => {
    const evaluation = plan({}, [{ name: 'dapr-prod', extensionType: 'microsoft.dapr', autoUpgradeMinorVersion: false, version: '1.13.0', configurationSettings: { 'global.ha.enabled': 'false', other: 'kept' } }], { requiredExtensions: [daprSpec] });
    assert.ok(!evaluation.plan.some((s) => s.action === 'install-extension'), 'never a second instance of a type');
    const step = stepOf(evaluation, 'required-extension/dapr:update-extension');
    assert.deepEqual(step.change, {
      method: 'PATCH',
      path: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/dapr-prod`,
      body: { properties: { version: '1.14.4', configurationSettings: { 'global.ha.enabled': 'true' } } },
    });
    assert.equal(step.protectedSettingRefs, undefined);
  });

  it('turning minor-version auto-upgrade back on also unpins the version, as ARM requires', () => {
    const evaluation = plan({}, [{ name: 'flux', extensionType: 'microsoft.flux', autoUpgradeMinorVersion: false, version: '1.8.0' }]);
    const step = stepOf(evaluation, 'required-extension/flux:update-extension');
    assert.deepEqual(step.change.body, { properties: { autoUpgradeMinorVersion: true, version: null } });
  });

  it('repair-extension PUTs the desired spec to the failed instance, keeping its type, scope and other settings', () => {
    const evaluation = plan({}, [{ name: 'flux-system', extensionType: 'Microsoft.Flux', provisioningState: 'Failed', configurationSettings: { 'helm-controller.enabled': 'true' } }], {
      requiredExtensions: [{ ...FLUX, configurationSettings: { 'multiTenancy.enforce': 'true' } }],
    });
    const step = stepOf(evaluation, 'required-extension/flux:repair-extension');
    assert.deepEqual(step.change, {
      method: 'PUT',
      path: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/flux-system`,
      body: {
        properties: {
          extensionType: 'Microsoft.Flux',
          autoUpgradeMinorVersion: true,
          releaseTrain: 'Stable',
          scope: { cluster: { releaseNamespace: 'flux-system-ns' } },
          configurationSettings: { 'helm-controller.enabled': 'true', 'multiTenancy.enforce': 'true' },
        },
      },
    });
  });

  it('every extension step waits for the managed identity on a service principal cluster', () => {
    const evaluation = plan({ identityType: null, spClientId: 'c0ffee' }, [{ name: 'dapr', extensionType: 'Microsoft.Dapr', provisioningState: 'Failed' }], {
      rules: ALL_IDENTITY_RULES,
      requiredExtensions: [FLUX, { ...daprSpec, protectedSettings: {} }],
    });
    const extensionSteps = evaluation.plan.filter((s) => s.ruleId.startsWith('required-extension/'));
    assert.equal(extensionSteps.length, 2);
    for (const step of extensionSteps) assert.deepEqual(step.dependsOn, ['managed-identity:enable-managed-identity']);
  });

  it('audit steps stay in the plan, marked audit', () => {
    const evaluation = plan({}, [], { requiredExtensions: [{ ...FLUX, mode: 'audit' }] });
    assert.deepEqual(evaluation.plan.map((s) => [s.id, s.mode]), [['required-extension/flux:install-extension', 'audit']]);
  });

  it('nothing is planned for an unknown, not-applicable or name-clashing extension', () => {
    const evaluation = plan({ version: '1.26.0' }, [{ name: 'flux', extensionType: 'microsoft.dapr' }, { name: 'acstor', extensionType: 'microsoft.azurecontainerstorage', provisioningState: 'Updating' }], {
      requiredExtensions: [FLUX, { name: 'acs', extensionType: 'microsoft.azurecontainerstorage', mode: 'auto' }, { name: 'backup', extensionType: 'microsoft.dataprotection.kubernetes', mode: 'auto', minKubernetesVersion: '1.28' }],
    });
    assert.deepEqual(evaluation.plan, []);
  });
});

describe('plans', () => {
  it('a compliant cluster gives an empty plan', () => {
    const evaluation = plan({}, [{ name: 'flux', extensionType: 'microsoft.flux' }]);
    assert.equal(evaluation.status, 'Compliant');
    assert.deepEqual(evaluation.plan, []);
  });

  it('are deterministic', () => {
    const snapshot = toClusterSnapshot(exampleResponseBody(FIXTURES.clusterGet));
    assert.deepEqual(evaluateCluster(snapshot, defaultBaseline, { now: NOW }), evaluateCluster(snapshot, defaultBaseline, { now: NOW }));
  });

  it('orderSteps refuses a dependency cycle', () => {
    const step = (id: string, dependsOn: string[]): PlanStep => ({ id, ruleId: id, action: 'install-extension', mode: 'auto', dependsOn, description: '', change: { method: 'PUT', path: '/', body: {} } });
    assert.throws(() => orderSteps([step('a', ['b']), step('b', ['a'])]), /dependency cycle among a, b/);
  });
});
