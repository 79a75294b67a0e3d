// Reading through the real SDK clients over HTTPS: snapshots with every extension page, streamed listings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { classifyArmError, listClusters, listSubscriptions, readClusterSnapshot } from '../../../src/azure/arm/index.js';
import { clientsFor, clusterIdFor, seedCluster, SUBSCRIPTION } from '../../support/arm.js';

describe('ARM reader (SDK clients against the emulator)', () => {
  let emulator: RunningEmulator;

  before(async () => {
    // Pages of two, so every listing below spans several pages.
    emulator = await startEmulator({ pageSize: 2, lroDurationMs: 50, subscriptions: ['0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'] });
  });
  after(async () => {
    await emulator.stop();
  });

  it('reads a cluster with all its extensions across pages, keeping the REST body as ARM sent it', async () => {
    // Prepare
    const id = seedCluster(emulator, 'aks-read-1');
    for (const name of ['dapr', 'azureml', 'backup', 'storage']) {
      emulator.putExtension(id, {
        name,
        properties: { extensionType: `microsoft.${name}`, autoUpgradeMinorVersion: true, releaseTrain: 'Stable', configurationProtectedSettings: { secret: 'do-not-read' } },
      });
    }
    const clients = clientsFor(emulator);

    // Act
    const snapshot = await readClusterSnapshot(clients, id);

    // Assess
    assert.equal(snapshot.name, 'aks-read-1');
    assert.deepEqual(snapshot.extensions.map((e) => e.name).sort(), ['azureml', 'backup', 'dapr', 'flux', 'storage']);
    assert.deepEqual(snapshot.body, emulator.state.cluster(id), 'the snapshot body is the GET body, unchanged');
    assert.ok(snapshot.eTag, 'the eTag is read');
    assert.ok(clients.stats.requests.read >= 4, `one cluster GET and three extension pages, got ${clients.stats.requests.read} reads`);
    assert.doesNotMatch(JSON.stringify(snapshot), /do-not-read|configurationProtectedSettings/);
  });

  it('streams clusters of a subscription and of a resource group, page by page', async () => {
    // Prepare
    const names = ['aks-list-a', 'aks-list-b', 'aks-list-c', 'aks-list-d', 'aks-list-e'];
    for (const name of names) seedCluster(emulator, name, undefined, { extensions: false });
    const clients = clientsFor(emulator);

    // Act
    const all: string[] = [];
    for await (const cluster of listClusters(clients, { subscriptionId: SUBSCRIPTION })) all.push(cluster.name);
    const before = clients.stats.requests.read;
    const inGroup: string[] = [];
    for await (const cluster of listClusters(clients, { subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-test' })) inGroup.push(cluster.name);

    // Assess
    for (const name of names) assert.ok(all.includes(name), `${name} is listed`);
    assert.deepEqual(inGroup.sort(), all.sort());
    assert.ok(clients.stats.requests.read - before >= 3, 'the resource group listing took several pages');
  });

  it('yields the first clusters before the last page is fetched', async () => {
    const clients = clientsFor(emulator);
    const iterator = listClusters(clients, { subscriptionId: SUBSCRIPTION })[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    assert.equal(clients.stats.requests.read, 1, 'only the first page has been requested');
    await iterator.return?.();
  });

  it('lists every subscription the caller can see', async () => {
    const clients = clientsFor(emulator);
    const seen: string[] = [];
    for await (const subscription of listSubscriptions(clients)) seen.push(subscription.subscriptionId.toLowerCase());
    assert.ok(seen.includes(SUBSCRIPTION));
    assert.ok(seen.includes('0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'));
  });

  it('classifies a missing cluster as not-found, naming the cluster and the ARM code', async () => {
    const clients = clientsFor(emulator);
    const id = clusterIdFor('aks-does-not-exist');
    const error = await readClusterSnapshot(clients, id).then(
      () => assert.fail('expected a 404'),
      (thrown: unknown) => thrown,
    );
    const failure = classifyArmError(error, id);
    assert.equal(failure.kind, 'not-found');
    assert.equal(failure.statusCode, 404);
    assert.match(failure.message, /aks-does-not-exist/);
    assert.match(failure.message, new RegExp(failure.code));
    assert.ok(failure.code.length > 0 && failure.code !== 'Http404', `an ARM error code, got ${failure.code}`);
  });
});
