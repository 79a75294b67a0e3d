// Cluster extensions through the real @azure/arm-kubernetesconfiguration client, over HTTPS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Extension } from '@azure/arm-kubernetesconfiguration';
import { type EmulatorEvent, type GeneratedCluster, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { CLUSTER_RP, CLUSTER_TYPE, POLL, armRequest, errorOf, extensionsClient } from '../../support/emulator.js';

describe('cluster extensions over the real SDK', () => {
  let emulator: RunningEmulator;
  let cluster: GeneratedCluster;
  const events: EmulatorEvent[] = [];
  const client = () => extensionsClient(emulator, cluster.subscriptionId);

  before(async () => {
    emulator = await startEmulator({
      fleet: { clusters: 6, subscriptions: 1, seed: 5, drift: { updating: 0, missingExtension: 0, extensionFailed: 0, extensionWrongReleaseTrain: 0, extensionPinnedVersion: 0 } },
      pageSize: 2,
      lroDurationMs: 30,
      throttleFactor: 0,
    });
    const first = emulator.fleet?.clusters[0];
    assert.ok(first);
    cluster = first;
    emulator.onEvent((event) => events.push(event));
  });
  after(() => emulator.stop());

  it('reads the seeded Flux extension: microsoft.flux, Stable, auto-upgrading', async () => {
    const flux = await client().extensions.get(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'flux');
    assert.equal(flux.extensionType, 'microsoft.flux');
    assert.equal(flux.releaseTrain, 'Stable');
    assert.equal(flux.autoUpgradeMinorVersion, true);
    assert.equal(flux.provisioningState, 'Succeeded');
    assert.equal(flux.id, `${cluster.id}/providers/Microsoft.KubernetesConfiguration/extensions/flux`);
  });

  it('creates, patches and deletes an extension; protected settings go in, never come out, and survive a PATCH', async () => {
    const seen = events.length;
    const created = await client().extensions.beginCreateAndWait(
      cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'backup',
      {
        extensionType: 'microsoft.dataprotection.kubernetes',
        configurationSettings: { 'configuration.backupStorageLocation.bucket': 'backups' },
        configurationProtectedSettings: { 'credentials.storageAccountKey': 'not-for-reading' },
      },
      POLL,
    );
    assert.equal(created.provisioningState, 'Succeeded');
    assert.equal(created.configurationProtectedSettings, undefined);
    assert.deepEqual(emulator.state.protectedSettingNames(cluster.id, 'backup'), ['credentials.storageAccountKey']);
    const raw = await armRequest(emulator, 'GET', `${cluster.id}/providers/Microsoft.KubernetesConfiguration/extensions/backup?api-version=2023-05-01`);
    assert.ok(!raw.text.includes('not-for-reading'), 'the protected value never appears on the wire');

    const patched = await client().extensions.beginUpdateAndWait(
      cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'backup',
      { releaseTrain: 'Preview', configurationSettings: { 'configuration.backupStorageLocation.bucket': 'backups-2' } },
      POLL,
    );
    assert.equal(patched.releaseTrain, 'Preview');
    assert.equal(patched.configurationSettings?.['configuration.backupStorageLocation.bucket'], 'backups-2');
    assert.deepEqual(emulator.state.protectedSettingNames(cluster.id, 'backup'), ['credentials.storageAccountKey'], 'a PATCH without protected settings keeps them');

    await client().extensions.beginDeleteAndWait(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'backup', POLL);
    await assert.rejects(client().extensions.get(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'backup'), (error: unknown) => errorOf(error).statusCode === 404);

    const ours = events.slice(seen).map((event) => `${event.eventType} ${event.data.operationName}`);
    assert.deepEqual(ours, [
      'Microsoft.Resources.ResourceWriteSuccess Microsoft.KubernetesConfiguration/extensions/write',
      'Microsoft.Resources.ResourceWriteSuccess Microsoft.KubernetesConfiguration/extensions/write',
      'Microsoft.Resources.ResourceDeleteSuccess Microsoft.KubernetesConfiguration/extensions/delete',
    ]);
  });

  it('lists extensions across pages', async () => {
    for (const name of ['dapr', 'azureml']) {
      await client().extensions.beginCreateAndWait(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, name, { extensionType: `microsoft.${name === 'azureml' ? 'azureml.kubernetes' : name}` }, POLL);
    }
    const pages: Extension[][] = [];
    for await (const page of client().extensions.list(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name).byPage()) pages.push(page);
    assert.equal(pages.length, 2, 'three extensions at two a page');
    assert.deepEqual(pages.flat().map((extension) => extension.name), ['flux', 'dapr', 'azureml']);
  });

  it("rejects changing an extension's type", async () => {
    await assert.rejects(
      client().extensions.beginCreateAndWait(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'flux', { extensionType: 'microsoft.dapr' }, POLL),
      (error: unknown) => {
        assert.equal(errorOf(error).statusCode, 400);
        assert.equal(errorOf(error).code, 'PropertyChangeNotAllowed');
        return true;
      },
    );
  });

  it('gives 409 on an extension write while its cluster is Updating', async () => {
    const busy = emulator.fleet?.clusters[1];
    assert.ok(busy);
    const body = emulator.state.cluster(busy.id) ?? {};
    emulator.putCluster({ ...body, properties: { ...(body['properties'] as object), provisioningState: 'Updating' } });
    const busyClient = extensionsClient(emulator, busy.subscriptionId);
    await assert.rejects(
      busyClient.extensions.beginUpdateAndWait(busy.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, busy.name, 'flux', { releaseTrain: 'Stable' }, POLL),
      (error: unknown) => {
        assert.equal(errorOf(error).statusCode, 409);
        assert.equal(errorOf(error).code, 'OperationNotAllowed');
        assert.match(errorOf(error).message, /another operation is in progress/);
        return true;
      },
    );
    emulator.finishOperations();
    const patched = await busyClient.extensions.beginUpdateAndWait(busy.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, busy.name, 'flux', { releaseTrain: 'Stable' }, POLL);
    assert.equal(patched.provisioningState, 'Succeeded');
  });

  it('answers 404 ParentResourceNotFound for an extension of a missing cluster', async () => {
    await assert.rejects(client().extensions.get(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, 'no-such-cluster', 'flux'), (error: unknown) => {
      assert.equal(errorOf(error).statusCode, 404);
      assert.equal(errorOf(error).code, 'ParentResourceNotFound');
      return true;
    });
  });
});
