// What the Extensions RP refuses or fails, through the real @azure/arm-kubernetesconfiguration client: AKS-managed
// extensions (fields from 2025-03-01 only, user writes refused), protected settings on PUT and PATCH, Dapr's immutable
// settings, Marketplace plans, cluster-only scope, regions and required settings.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SourceControlConfigurationClient } from '@azure/arm-kubernetesconfiguration';
import type { FullOperationResponse } from '@azure/core-client';
import { MANAGED_BY_API_VERSION, type RunningEmulator, SPEC_MARKETPLACE_PLAN, startEmulator } from '../../../emulator/index.js';
import { fixture } from '../../../emulator/fixtures/index.js';
import { CLUSTER_RP, CLUSTER_TYPE, EMULATOR_START_TIMEOUT_MS, POLL, armRequest, errorOf, extensionsClient } from '../../support/emulator.js';

const SUBSCRIPTION = '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a';
const GROUP = 'rg-ext';
const idOf = (name: string): string => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.ContainerService/managedClusters/${name}`;
const extensionPath = (cluster: string, name: string, apiVersion: string): string =>
  `${idOf(cluster)}/providers/Microsoft.KubernetesConfiguration/extensions/${name}?api-version=${apiVersion}`;
const BACKUP_SETTINGS = {
  'configuration.backupStorageLocation.bucket': 'aks-weu-01',
  'configuration.backupStorageLocation.config.storageAccount': 'stbackupweu',
  'configuration.backupStorageLocation.config.resourceGroup': 'rg-backup',
  'configuration.backupStorageLocation.config.subscriptionId': SUBSCRIPTION,
};

interface Example {
  parameters: Record<string, string>;
  responses: { '200': { body: Record<string, unknown> & { properties: Record<string, unknown> } } };
}

describe('extension rules over the real SDK', () => {
  let emulator: RunningEmulator;
  const client = () => extensionsClient(emulator, SUBSCRIPTION);
  const create = (cluster: string, name: string, body: object) => client().extensions.beginCreateAndWait(GROUP, CLUSTER_RP, CLUSTER_TYPE, cluster, name, body, POLL);
  const update = (cluster: string, name: string, body: object) => client().extensions.beginUpdateAndWait(GROUP, CLUSTER_RP, CLUSTER_TYPE, cluster, name, body, POLL);

  beforeAll(async () => {
    emulator = await startEmulator({
      lroDurationMs: 20,
      throttleFactor: 0,
      extensionTypes: [{ key: 'contoso-regional', displayName: 'Contoso (test)', extensionType: 'contoso.regional', defaultReleaseNamespace: 'contoso', scopes: ['cluster'], docs: 'https://learn.microsoft.com/azure/aks/cluster-extensions', supportedRegions: ['northeurope'], supportedRegionsAsOf: '2026-01-01' }],
    });
    for (const [name, location] of [['aks-weu', 'westeurope'], ['aks-win', 'westindia'], ['aks-managed', 'westeurope']] as const) {
      emulator.putCluster({ id: idOf(name), location, properties: { provisioningState: 'Succeeded', powerState: { code: 'Running' } } });
    }
    // The derived fixture's managed extension, re-targeted at aks-managed.
    const example = fixture('arm/kubernetesconfiguration/derived/GetExtensionWithManagedBy.2025-03-01.derived.json') as Example;
    const body = JSON.parse(JSON.stringify(example.responses['200'].body).replaceAll('/subscriptions/subId1/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clusterName1', idOf('aks-managed'))) as Record<string, unknown>;
    emulator.putExtension(idOf('aks-managed'), body);
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  describe('AKS-managed extensions (REST spec 2025-03-01 GetExtensionWithManagedBy)', () => {
    test('managedBy and managementDetails come back from api-version 2025-03-01 on, never before', async () => {
      // Act
      const older = await armRequest(emulator, 'GET', extensionPath('aks-managed', 'azureVote', '2023-05-01'));
      const newer = await armRequest(emulator, 'GET', extensionPath('aks-managed', 'azureVote', MANAGED_BY_API_VERSION));
      const listed = await armRequest(emulator, 'GET', `${idOf('aks-managed')}/providers/Microsoft.KubernetesConfiguration/extensions?api-version=2023-05-01`);
      const sdk = await client().extensions.get(GROUP, CLUSTER_RP, CLUSTER_TYPE, 'aks-managed', 'azureVote');

      // Assess
      const expected = (fixture('arm/kubernetesconfiguration/derived/GetExtensionWithManagedBy.2025-03-01.derived.json') as Example).responses['200'].body;
      expect(newer.body).toMatchObject({ managedBy: idOf('aks-managed'), properties: { managementDetails: expected.properties['managementDetails'] } });
      expect(older.text).not.toMatch(/managedBy|managementDetails/);
      expect(listed.text).not.toMatch(/managedBy|managementDetails/);
      expect(older.body).toMatchObject({ name: 'azureVote', plan: SPEC_MARKETPLACE_PLAN, properties: { extensionType: 'azure-vote', provisioningState: 'Succeeded' } });
      expect(sdk.extensionType).toBe('azure-vote');
    });

    test('the SDK can read them at 2025-03-01 from the raw response (apiVersion option + onResponse)', async () => {
      // Prepare
      const responses: FullOperationResponse[] = [];
      const at2025 = new SourceControlConfigurationClient(
        { getToken: async () => ({ token: emulator.token, expiresOnTimestamp: Date.now() + 3_600_000 }) },
        SUBSCRIPTION,
        { endpoint: emulator.endpoint, tlsOptions: { ca: emulator.ca }, apiVersion: MANAGED_BY_API_VERSION },
      );

      // Act
      await at2025.extensions.get(GROUP, CLUSTER_RP, CLUSTER_TYPE, 'aks-managed', 'azureVote', { onResponse: (response) => responses.push(response) });

      // Assess
      expect(responses[0]?.request.url).toContain(`api-version=${MANAGED_BY_API_VERSION}`);
      // The SDK's 2023-05-01 model drops what it does not know; the raw text has it.
      expect(JSON.parse(responses[0]?.bodyAsText ?? '{}')).toMatchObject({ managedBy: idOf('aks-managed'), properties: { managementDetails: { category: 'managed' } } });
    });

    test('user PUT, PATCH and DELETE are refused (403 ManagedExtensionReadOnly: the real code is not public) and change nothing', async () => {
      const before = emulator.state.extension(idOf('aks-managed'), 'azureVote');
      const attempts = await Promise.allSettled([
        create('aks-managed', 'azureVote', { extensionType: 'azure-vote', releaseTrain: 'Stable', plan: SPEC_MARKETPLACE_PLAN }),
        update('aks-managed', 'azureVote', { releaseTrain: 'Stable' }),
        client().extensions.beginDeleteAndWait(GROUP, CLUSTER_RP, CLUSTER_TYPE, 'aks-managed', 'azureVote', POLL),
      ]);

      for (const attempt of attempts) {
        expect(attempt.status).toBe('rejected');
        expect(errorOf(attempt.status === 'rejected' ? attempt.reason : undefined)).toMatchObject({ statusCode: 403, code: 'ManagedExtensionReadOnly' });
      }
      expect(emulator.state.extension(idOf('aks-managed'), 'azureVote')).toStrictEqual(before);
    });

    test('managedBy given on a user create is kept (settable on create only) but does not make the extension read-only', async () => {
      const path = extensionPath('aks-weu', 'flux-owned', MANAGED_BY_API_VERSION);
      const created = await armRequest(emulator, 'PUT', path, { body: { managedBy: idOf('aks-weu'), properties: { extensionType: 'microsoft.flux' } } });
      emulator.finishOperations();
      const replaced = await armRequest(emulator, 'PUT', path, { body: { managedBy: '/somewhere/else', properties: { extensionType: 'microsoft.flux' } } });

      expect(created.status).toBe(201);
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ managedBy: idOf('aks-weu') });
    });
  });

  describe('protected settings (AKS docs deploy-extensions-az-cli)', () => {
    test('a Failed extension repaired by a PUT without them loses them; the names show it, never the values', async () => {
      // Prepare: installed with two protected settings, then a write whose operation fails
      await create('aks-weu', 'repair-put', { extensionType: 'microsoft.flux', configurationProtectedSettings: { 'git.password': 's3cret', 'git.token': 't0ken' } });
      emulator.setFaults([{ route: 'PATCH /**/extensions/repair-put', kind: 'lro-failed', sequence: [true] }]);
      await expect(update('aks-weu', 'repair-put', { releaseTrain: 'Preview' })).rejects.toThrow();
      emulator.setFaults([]);
      expect(emulator.state.extension(idOf('aks-weu'), 'repair-put')).toMatchObject({ properties: { provisioningState: 'Failed' } });
      expect(emulator.state.protectedSettingNames(idOf('aks-weu'), 'repair-put')).toStrictEqual(['git.password', 'git.token']);

      // Act: the repair the engine must not do
      const repaired = await create('aks-weu', 'repair-put', { extensionType: 'microsoft.flux' });

      // Assess
      expect(repaired.provisioningState).toBe('Succeeded');
      expect(emulator.state.protectedSettingNames(idOf('aks-weu'), 'repair-put')).toStrictEqual([]);
    });

    test('a PATCH without them keeps them; a PATCH with some replaces the whole set', async () => {
      // Prepare: a Failed extension holding two protected settings
      emulator.putExtension(idOf('aks-weu'), {
        name: 'repair-patch',
        properties: { extensionType: 'microsoft.flux', provisioningState: 'Failed', configurationProtectedSettings: { 'git.password': 's3cret', 'git.token': 't0ken' } },
      });

      // Act and assess: the repair that keeps them
      const repaired = await update('aks-weu', 'repair-patch', { releaseTrain: 'Stable' });
      expect(repaired.provisioningState).toBe('Succeeded');
      expect(emulator.state.protectedSettingNames(idOf('aks-weu'), 'repair-patch')).toStrictEqual(['git.password', 'git.token']);

      // Act and assess: carrying one of them deletes the other
      await update('aks-weu', 'repair-patch', { configurationProtectedSettings: { 'git.token': 'n3w' } });
      expect(emulator.state.protectedSettingNames(idOf('aks-weu'), 'repair-patch')).toStrictEqual(['git.token']);

      // Act and assess: an empty object clears them (the stricter reading; not public)
      await update('aks-weu', 'repair-patch', { configurationProtectedSettings: {} });
      expect(emulator.state.protectedSettingNames(idOf('aks-weu'), 'repair-patch')).toStrictEqual([]);
    });
  });

  describe('Dapr settings that cannot change after creation (AKS docs dapr-settings)', () => {
    test('a change to global.ha.* is accepted, its operation fails naming the setting, and the extension is Failed', async () => {
      // Prepare
      await create('aks-weu', 'dapr', { extensionType: 'Microsoft.Dapr', configurationSettings: { 'global.ha.enabled': 'true', 'dapr_operator.replicaCount': '2' } });

      // Act
      const attempt = await update('aks-weu', 'dapr', { configurationSettings: { 'global.ha.enabled': 'false' } }).catch((error: unknown) => error);

      // Assess
      // The SDK's poller surfaces the operation's error message (its code is in errorInfo below).
      expect(errorOf(attempt).message).toMatch(/'global\.ha\.enabled' cannot change after the extension is created/);
      const failed = await client().extensions.get(GROUP, CLUSTER_RP, CLUSTER_TYPE, 'aks-weu', 'dapr');
      expect(failed.provisioningState).toBe('Failed');
      expect(failed.errorInfo).toMatchObject({ code: 'HelmUpgradeFailed' });
      // ARM kept the request: the body shows what was asked for.
      expect(failed.configurationSettings?.['global.ha.enabled']).toBe('false');
    });

    test('a PUT back to the installed value succeeds; other settings and dapr_placement.* follow the same rule', async () => {
      // Act: back to what runs, with a mutable change
      const restored = await create('aks-weu', 'dapr', { extensionType: 'microsoft.dapr', configurationSettings: { 'global.ha.enabled': 'true', 'dapr_operator.replicaCount': '3' } });
      // Act: a placement setting added after creation
      const placement = await update('aks-weu', 'dapr', { configurationSettings: { 'dapr_placement.cluster.forceInMemoryLog': 'true' } }).catch((error: unknown) => error);

      // Assess
      expect(restored).toMatchObject({ provisioningState: 'Succeeded', configurationSettings: { 'dapr_operator.replicaCount': '3' } });
      expect(errorOf(placement).message).toMatch(/dapr_placement\.cluster\.forceInMemoryLog/);
      expect(emulator.state.extension(idOf('aks-weu'), 'dapr')).toMatchObject({ properties: { provisioningState: 'Failed', errorInfo: { code: 'HelmUpgradeFailed' } } });
    });

    test('only Dapr has the rule: the same keys change freely on another type', async () => {
      await create('aks-weu', 'not-dapr', { extensionType: 'microsoft.flux', configurationSettings: { 'global.ha.enabled': 'true' } });

      const patched = await update('aks-weu', 'not-dapr', { configurationSettings: { 'global.ha.enabled': 'false' } });

      expect(patched.provisioningState).toBe('Succeeded');
    });
  });

  describe('Marketplace plans (REST spec 2025-03-01 CreateExtensionWithPlan)', () => {
    test('a create without a plan is refused; with one it is returned on GET, and a PATCH cannot change it', async () => {
      // Act and assess: no plan, then an incomplete one
      await expect(create('aks-weu', 'vote', { extensionType: 'azure-vote' })).rejects.toMatchObject({ statusCode: 400, code: 'MarketplacePlanRequired' });
      // The SDK checks the plan's three parts itself; a raw request shows the server's answer.
      const incomplete = await armRequest(emulator, 'PUT', extensionPath('aks-weu', 'vote', '2023-05-01'), { body: { plan: { name: 'azure-vote-standard', publisher: 'Microsoft' }, properties: { extensionType: 'azure-vote' } } });
      expect(incomplete).toMatchObject({ status: 400, body: { error: { code: 'InvalidParameter', message: expect.stringMatching(/plan\.product/) } } });

      // Act: with the spec's plan
      const created = await create('aks-weu', 'vote', { extensionType: 'azure-vote', releaseTrain: 'Preview', plan: { ...SPEC_MARKETPLACE_PLAN } });
      const patched = await armRequest(emulator, 'PATCH', extensionPath('aks-weu', 'vote', '2023-05-01'), { body: { plan: { name: 'azure-vote-premium', publisher: 'Microsoft', product: 'azure-vote-standard-offer-id' }, properties: { releaseTrain: 'Stable' } } });
      emulator.finishOperations();
      const read = await client().extensions.get(GROUP, CLUSTER_RP, CLUSTER_TYPE, 'aks-weu', 'vote');

      // Assess
      expect(created).toMatchObject({ plan: SPEC_MARKETPLACE_PLAN, currentVersion: '0.1.4', scope: { cluster: { releaseNamespace: 'kube-system' } } });
      expect(patched.status).toBe(202);
      expect(read).toMatchObject({ plan: SPEC_MARKETPLACE_PLAN, releaseTrain: 'Stable' });
    });
  });

  describe('scope, regions and required settings (issue 15)', () => {
    test('namespace scope for a cluster-only type is a 400', async () => {
      await expect(create('aks-weu', 'flux-ns', { extensionType: 'microsoft.flux', scope: { namespace: { targetNamespace: 'team-a' } } })).rejects.toMatchObject({
        statusCode: 400,
        code: 'ExtensionScopeNotSupported',
      });
      const namespaced = await create('aks-weu', 'vote-ns', { extensionType: 'azure-vote', plan: SPEC_MARKETPLACE_PLAN, scope: { namespace: { targetNamespace: 'team-a' } } });
      expect(namespaced.scope).toStrictEqual({ namespace: { targetNamespace: 'team-a' } });
    });

    test('a create where the type is not offered is refused with ExtensionTypeRegistrationGetFailed, listing the regions', async () => {
      await expect(create('aks-win', 'dapr', { extensionType: 'microsoft.dapr' })).rejects.toMatchObject({
        statusCode: 400,
        code: 'ExtensionTypeRegistrationGetFailed',
        message: expect.stringMatching(/not registered in region 'westindia'.*westeurope/),
      });
      await expect(create('aks-weu', 'contoso', { extensionType: 'contoso.regional' })).rejects.toMatchObject({ code: 'ExtensionTypeRegistrationGetFailed' });
      // No published list (Flux): every region.
      expect((await create('aks-win', 'flux', { extensionType: 'microsoft.flux' })).provisioningState).toBe('Succeeded');
    });

    test("a Backup create without its storage location settings ends Failed, naming them; with them it succeeds", async () => {
      const { 'configuration.backupStorageLocation.config.storageAccount': _left, ...incomplete } = BACKUP_SETTINGS;

      const failed = await create('aks-weu', 'azure-aks-backup', { extensionType: 'microsoft.dataprotection.kubernetes', configurationSettings: incomplete }).catch((error: unknown) => error);
      expect(errorOf(failed).message).toMatch(/'configuration\.backupStorageLocation\.config\.storageAccount'/);
      expect(emulator.state.extension(idOf('aks-weu'), 'azure-aks-backup')).toMatchObject({ properties: { provisioningState: 'Failed', errorInfo: { code: 'RequiredSettingMissing' } } });

      const installed = await create('aks-weu', 'azure-aks-backup', { extensionType: 'microsoft.dataprotection.kubernetes', configurationSettings: BACKUP_SETTINGS });
      expect(installed).toMatchObject({ provisioningState: 'Succeeded', scope: { cluster: { releaseNamespace: 'dataprotection-microsoft' } } });
      expect(installed.errorInfo).toBeUndefined();
    });

    test('Azure Container Storage v2 installs as acstor in kube-system', async () => {
      const acstor = await create('aks-weu', 'acstor', { extensionType: 'microsoft.azurecontainerstoragev2', releaseTrain: 'stable' });

      expect(acstor).toMatchObject({ provisioningState: 'Succeeded', scope: { cluster: { releaseNamespace: 'kube-system' } } });
    });
  });
});
