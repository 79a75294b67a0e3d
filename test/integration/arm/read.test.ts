// Reading through the real SDK clients over HTTPS: snapshots with every extension page, streamed listings.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { ArmClusterReader, ArmError, classifyArmError, listClusters, listSubscriptions, readClusterSnapshot } from '../../../src/azure/arm/index.js';
import { clientsFor, clusterIdFor, seedCluster, SUBSCRIPTION } from '../../support/arm.js';
import { EMULATOR_START_TIMEOUT_MS } from '../../support/emulator.js';
import { rejectionOf } from '../../support/rejection.js';

describe('ARM reader (SDK clients against the emulator)', () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    // Pages of two, so every listing below spans several pages.
    emulator = await startEmulator({ pageSize: 2, lroDurationMs: 50, subscriptions: ['0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'] });
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(async () => {
    await emulator?.stop();
  });

  test('reads a cluster with all its extensions across pages, keeping the REST body as ARM sent it', async () => {
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
    expect(snapshot.name).toBe('aks-read-1');
    expect(snapshot.extensions.map((e) => e.name).sort()).toStrictEqual(['azureml', 'backup', 'dapr', 'flux', 'storage']);
    // The snapshot body is the GET body, unchanged.
    expect(snapshot.body).toStrictEqual(emulator.state.cluster(id));
    // The eTag is read.
    expect(snapshot.eTag).toBeTruthy();
    // One cluster GET and three extension pages.
    expect(clients.stats.requests.read).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(snapshot)).not.toMatch(/do-not-read|configurationProtectedSettings/);
  });

  test('streams clusters of a subscription and of a resource group, page by page', async () => {
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
    expect(all).toEqual(expect.arrayContaining(names));
    // Each page is read once, from where the last one ended: no cluster twice.
    expect(new Set(all).size).toBe(all.length);
    expect(inGroup.sort()).toStrictEqual(all.sort());
    // The resource group listing took several pages.
    expect(clients.stats.requests.read - before).toBeGreaterThanOrEqual(3);
  });

  test('yields the first clusters before the last page is fetched', async () => {
    const clients = clientsFor(emulator);
    const iterator = listClusters(clients, { subscriptionId: SUBSCRIPTION })[Symbol.asyncIterator]();

    const first = await iterator.next();

    expect(first.done).toBe(false);
    // Only the first page has been requested.
    expect(clients.stats.requests.read).toBe(1);
    await iterator.return?.();
  });

  test('lists every subscription the caller can see', async () => {
    const clients = clientsFor(emulator);

    const seen: string[] = [];
    for await (const subscription of listSubscriptions(clients)) seen.push(subscription.subscriptionId.toLowerCase());

    expect(seen).toContain(SUBSCRIPTION);
    expect(seen).toContain('0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9');
  });

  test('classifies a missing cluster as not-found, naming the cluster and the ARM code', async () => {
    // Prepare
    const clients = clientsFor(emulator);
    const id = clusterIdFor('aks-does-not-exist');

    // Act
    const error = await rejectionOf(readClusterSnapshot(clients, id), 'a 404');
    const failure = classifyArmError(error, id);

    // Assess
    expect(failure.kind).toBe('not-found');
    expect(failure.statusCode).toBe(404);
    expect(failure.message).toMatch(/aks-does-not-exist/);
    expect(failure.message).toMatch(new RegExp(failure.code));
    // An ARM error code, not one made up from the status.
    expect(failure.code).not.toBe('');
    expect(failure.code).not.toBe('Http404');
  });

  test('as the ClusterReader port, throws every failure classified: a missing cluster, a subscription it cannot list', async () => {
    // Prepare
    const reader = new ArmClusterReader(() => clientsFor(emulator));
    const missing = clusterIdFor('aks-not-there');
    const unknownSubscription = '00000000-0000-4000-8000-00000000dead';

    // Act
    const readError = await rejectionOf(reader.readCluster(missing), 'a 404');
    const listed: string[] = [];
    const listError = await rejectionOf(
      (async () => {
        for await (const cluster of reader.listClusters({ subscriptionId: unknownSubscription })) listed.push(cluster.id);
      })(),
      'a failed listing',
    );

    // Assess
    expect(readError).toBeInstanceOf(ArmError);
    expect((readError as ArmError).failure).toMatchObject({ kind: 'not-found', statusCode: 404 });
    expect((readError as ArmError).failure.message).toMatch(/aks-not-there/);
    expect(listed).toStrictEqual([]);
    expect(listError).toBeInstanceOf(ArmError);
    expect((listError as ArmError).failure.message.startsWith(`/subscriptions/${unknownSubscription}:`)).toBe(true);
  });
});
