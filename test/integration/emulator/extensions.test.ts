// Cluster extensions through the real @azure/arm-kubernetesconfiguration client, over HTTPS.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Extension } from '@azure/arm-kubernetesconfiguration';
import { type EmulatorEvent, type GeneratedCluster, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { CLUSTER_RP, CLUSTER_TYPE, EMULATOR_START_TIMEOUT_MS, POLL, armRequest, extensionsClient } from '../../support/emulator.js';

describe('cluster extensions over the real SDK', () => {
  let emulator: RunningEmulator;
  let cluster: GeneratedCluster;
  const events: EmulatorEvent[] = [];
  const client = () => extensionsClient(emulator, cluster.subscriptionId);

  beforeAll(async () => {
    emulator = await startEmulator({
      fleet: { clusters: 6, subscriptions: 1, seed: 5, drift: { updating: 0, missingExtension: 0, extensionFailed: 0, extensionWrongReleaseTrain: 0, extensionPinnedVersion: 0 } },
      pageSize: 2,
      lroDurationMs: 30,
      throttleFactor: 0,
    });
    const first = emulator.fleet?.clusters[0];
    if (!first) throw new Error('the seeded fleet has no cluster');
    cluster = first;
    emulator.onEvent((event) => events.push(event));
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  test('reads the seeded Flux extension: microsoft.flux, Stable, auto-upgrading', async () => {
    const flux = await client().extensions.get(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'flux');

    expect(flux).toMatchObject({
      extensionType: 'microsoft.flux',
      releaseTrain: 'Stable',
      autoUpgradeMinorVersion: true,
      provisioningState: 'Succeeded',
      id: `${cluster.id}/providers/Microsoft.KubernetesConfiguration/extensions/flux`,
    });
  });

  test('creates, patches and deletes an extension; protected settings go in, never come out, and survive a PATCH without them', async () => {
    const seen = events.length;

    // Act and assess: create, with a protected setting
    const created = await client().extensions.beginCreateAndWait(
      cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'backup',
      {
        extensionType: 'microsoft.dataprotection.kubernetes',
        configurationSettings: {
          'configuration.backupStorageLocation.bucket': 'backups',
          'configuration.backupStorageLocation.config.storageAccount': 'stbackups',
          'configuration.backupStorageLocation.config.resourceGroup': 'rg-backups',
          'configuration.backupStorageLocation.config.subscriptionId': '00000000-0000-4000-8000-000000000001',
        },
        configurationProtectedSettings: { 'credentials.storageAccountKey': 'not-for-reading' },
      },
      POLL,
    );
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.configurationProtectedSettings).toBeUndefined();
    expect(emulator.state.protectedSettingNames(cluster.id, 'backup')).toStrictEqual(['credentials.storageAccountKey']);
    const raw = await armRequest(emulator, 'GET', `${cluster.id}/providers/Microsoft.KubernetesConfiguration/extensions/backup?api-version=2023-05-01`);
    // The protected value never appears on the wire.
    expect(raw.text).not.toContain('not-for-reading');

    // Act and assess: a PATCH without protected settings keeps them
    const patched = await client().extensions.beginUpdateAndWait(
      cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'backup',
      { releaseTrain: 'Preview', configurationSettings: { 'configuration.backupStorageLocation.bucket': 'backups-2' } },
      POLL,
    );
    expect(patched.releaseTrain).toBe('Preview');
    expect(patched.configurationSettings?.['configuration.backupStorageLocation.bucket']).toBe('backups-2');
    expect(emulator.state.protectedSettingNames(cluster.id, 'backup')).toStrictEqual(['credentials.storageAccountKey']);

    // Act and assess: delete, and one event per write
    await client().extensions.beginDeleteAndWait(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'backup', POLL);
    await expect(client().extensions.get(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'backup')).rejects.toMatchObject({ statusCode: 404 });
    expect(events.slice(seen).map((event) => `${event.eventType} ${event.data.operationName}`)).toStrictEqual([
      'Microsoft.Resources.ResourceWriteSuccess Microsoft.KubernetesConfiguration/extensions/write',
      'Microsoft.Resources.ResourceWriteSuccess Microsoft.KubernetesConfiguration/extensions/write',
      'Microsoft.Resources.ResourceDeleteSuccess Microsoft.KubernetesConfiguration/extensions/delete',
    ]);
  });

  test('lists extensions across pages', async () => {
    // Prepare: Flux plus two more
    for (const name of ['dapr', 'azureml']) {
      await client().extensions.beginCreateAndWait(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, name, { extensionType: `microsoft.${name === 'azureml' ? 'azureml.kubernetes' : name}` }, POLL);
    }

    // Act
    const pages: Extension[][] = [];
    for await (const page of client().extensions.list(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name).byPage()) pages.push(page);

    // Assess: three extensions at two a page
    expect(pages).toHaveLength(2);
    expect(pages.flat().map((extension) => extension.name)).toStrictEqual(['flux', 'dapr', 'azureml']);
  });

  test("rejects changing an extension's type", async () => {
    await expect(
      client().extensions.beginCreateAndWait(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'flux', { extensionType: 'microsoft.dapr' }, POLL),
    ).rejects.toMatchObject({ statusCode: 400, code: 'PropertyChangeNotAllowed' });
  });

  test('gives 409 on an extension write while its cluster is Updating', async () => {
    // Prepare: another cluster, made busy
    const busy = emulator.fleet?.clusters[1];
    if (!busy) throw new Error('the seeded fleet has no second cluster');
    const body = emulator.state.cluster(busy.id) ?? {};
    emulator.putCluster({ ...body, properties: { ...(body['properties'] as object), provisioningState: 'Updating' } });
    const busyClient = extensionsClient(emulator, busy.subscriptionId);

    // Act and assess: refused while the cluster is busy
    await expect(
      busyClient.extensions.beginUpdateAndWait(busy.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, busy.name, 'flux', { releaseTrain: 'Stable' }, POLL),
    ).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed', message: expect.stringMatching(/another operation is in progress/) });

    // Act and assess: accepted once its operation is done
    emulator.finishOperations();
    const patched = await busyClient.extensions.beginUpdateAndWait(busy.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, busy.name, 'flux', { releaseTrain: 'Stable' }, POLL);
    expect(patched.provisioningState).toBe('Succeeded');
  });

  test('answers 404 ParentResourceNotFound for an extension of a missing cluster', async () => {
    await expect(client().extensions.get(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, 'no-such-cluster', 'flux')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ParentResourceNotFound',
    });
  });
});
