// Managed clusters through the real @azure/arm-containerservice client, over HTTPS.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ManagedCluster } from '@azure/arm-containerservice';
import { type EmulatorEvent, type GeneratedCluster, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { EMULATOR_START_TIMEOUT_MS, POLL, armRequest, containerService, resourceGroupOf } from '../../support/emulator.js';

describe('managed clusters over the real SDK', () => {
  let emulator: RunningEmulator;
  let subscriptionId: string;
  const events: EmulatorEvent[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({
      fleet: { clusters: 40, subscriptions: 2, seed: 11, drift: { servicePrincipal: 0.3, noOidcIssuer: 0.3, updating: 0 } },
      pageSize: 7,
      lroDurationMs: 40,
      throttleFactor: 0,
    });
    subscriptionId = emulator.fleet?.subscriptions[0]?.subscriptionId ?? '';
    emulator.onEvent((event) => events.push(event));
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  // Each test takes clusters no other test has touched.
  const used = new Set<string>();
  const generated = (predicate: (cluster: GeneratedCluster) => boolean): GeneratedCluster => {
    const found = emulator.fleet?.clusters.find((cluster) => cluster.subscriptionId === subscriptionId && !used.has(cluster.id) && predicate(cluster));
    if (!found) throw new Error('the seeded fleet has no unused cluster of the kind this test needs');
    used.add(found.id);
    return found;
  };

  test('lists a subscription across nextLink pages, then one resource group', async () => {
    // Prepare
    const client = containerService(emulator, subscriptionId);
    const expected = emulator.fleet?.clusters.filter((cluster) => cluster.subscriptionId === subscriptionId) ?? [];
    const group = expected[0]?.resourceGroup ?? '';

    // Act
    const pages: number[] = [];
    for await (const page of client.managedClusters.list().byPage()) pages.push(page.length);
    const inGroup: ManagedCluster[] = [];
    for await (const cluster of client.managedClusters.listByResourceGroup(group)) inGroup.push(cluster);

    // Assess
    expect(pages.reduce((sum, size) => sum + size, 0)).toBe(expected.length);
    // 20 clusters at 7 a page come in several pages, all full but the last.
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.slice(0, -1)).toStrictEqual(pages.slice(0, -1).map(() => 7));
    expect(inGroup.map((cluster) => cluster.name).sort()).toStrictEqual(
      expected.filter((cluster) => cluster.resourceGroup === group).map((cluster) => cluster.name).sort(),
    );
  });

  test('gets a cluster flattened by the SDK, with its eTag, and 404s an unknown one', async () => {
    const target = generated(() => true);
    const client = containerService(emulator, subscriptionId);

    const cluster = await client.managedClusters.get(target.resourceGroup, target.name);

    expect(cluster).toMatchObject({ id: target.id, location: target.location, eTag: target.body['eTag'], provisioningState: 'Succeeded' });
    // Fixture fields such as agentPoolProfiles come through.
    expect(cluster.agentPoolProfiles?.length).toBeGreaterThan(0);
    await expect(client.managedClusters.get(target.resourceGroup, 'no-such-cluster')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  test('matches ids case-insensitively and answers in canonical casing', async () => {
    const target = generated(() => true);
    const lowered = `${target.id.toLowerCase()}?api-version=2026-06-01`;

    const response = await armRequest(emulator, 'GET', lowered);

    expect(response.status).toBe(200);
    expect((response.body as { id: string }).id).toBe(target.id);
    expect(response.headers['x-ms-ratelimit-remaining-subscription-reads']).toBeTruthy();
    expect(response.headers['etag']).toBe(target.body['eTag']);
  });

  test('moves a service-principal cluster to managed identity with If-Match, then 412s the stale eTag', async () => {
    // Prepare
    const target = generated((cluster) => cluster.drift.includes('service-principal'));
    const client = containerService(emulator, subscriptionId);
    const before = await client.managedClusters.get(target.resourceGroup, target.name);
    expect(before.identity).toBeUndefined();
    const seen = events.length;

    // Act: the write carries the eTag just read
    const after = await client.managedClusters.beginCreateOrUpdateAndWait(
      target.resourceGroup,
      target.name,
      { ...before, identity: { type: 'SystemAssigned' } },
      { ifMatch: before.eTag, ...POLL },
    );

    // Assess
    expect(after.identity?.type).toBe('SystemAssigned');
    expect(after.identity?.principalId).toBeTruthy();
    expect(after.servicePrincipalProfile?.clientId).toBe('msi');
    expect(after.provisioningState).toBe('Succeeded');
    expect(after.eTag).not.toBe(before.eTag);
    expect(events.slice(seen).map((event) => event.data.operationName)).toStrictEqual(['Microsoft.ContainerService/managedClusters/write']);

    // Act and assess: a second write with the same, now stale, eTag is refused, raises no event and changes nothing
    await expect(
      client.managedClusters.beginCreateOrUpdateAndWait(target.resourceGroup, target.name, { ...before, tags: { stale: 'yes' } }, { ifMatch: before.eTag, ...POLL }),
    ).rejects.toMatchObject({ statusCode: 412, code: 'PreconditionFailed' });
    expect(events).toHaveLength(seen + 1);
    const tags = emulator.state.cluster(target.id)?.['tags'];
    expect(tags).toStrictEqual(expect.any(Object));
    expect(tags).not.toHaveProperty('stale');
  });

  test('refuses If-None-Match: * on an existing cluster and creates a new one through Creating to Succeeded', async () => {
    // Prepare
    const template = generated(() => true);
    const client = containerService(emulator, subscriptionId);
    const existing = await client.managedClusters.get(template.resourceGroup, template.name);
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${template.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/aks-new-cluster`;

    // Act and assess: a create over an existing cluster is refused
    await expect(
      client.managedClusters.beginCreateOrUpdateAndWait(template.resourceGroup, template.name, existing, { ifNoneMatch: '*', ...POLL }),
    ).rejects.toMatchObject({ statusCode: 412 });

    // Act and assess: a new one goes Creating, then Succeeded
    const poller = await client.managedClusters.beginCreateOrUpdate(
      template.resourceGroup,
      'aks-new-cluster',
      { location: 'westeurope', dnsPrefix: 'aks-new', agentPoolProfiles: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' }] },
      { ifNoneMatch: '*', ...POLL },
    );
    expect((emulator.state.cluster(id)?.['properties'] as Record<string, unknown>)['provisioningState']).toBe('Creating');
    const created = await poller.pollUntilDone();
    expect(created.provisioningState).toBe('Succeeded');
    // AKS defaults a new cluster to a managed identity.
    expect(created.identity?.type).toBe('SystemAssigned');
    expect(created.fqdn).toMatch(/\.hcp\.westeurope\.azmk8s\.io$/);
  });

  test('answers the first PUT like ARM: 200 Updating with an absolute Azure-AsyncOperation that goes InProgress then Succeeded', async () => {
    // Prepare: an emulator whose clock stands still until the test moves it, so a busy machine cannot finish the
    // operation between the PUT and the first status read.
    const still = await startEmulator({ fleet: { clusters: 1, subscriptions: 1, seed: 11, drift: { updating: 0 } }, lroDurationMs: 40, throttleFactor: 0, now: () => new Date('2026-01-15T12:00:00Z') });
    try {
      const target = still.fleet?.clusters[0];
      if (!target) throw new Error('the seeded fleet has no cluster');
      const current = await armRequest(still, 'GET', `${target.id}?api-version=2026-06-01`);

      // Act
      const put = await armRequest(still, 'PUT', `${target.id}?api-version=2026-06-01`, { body: current.body });

      // Assess
      expect(put.status).toBe(200);
      expect((put.body as { properties: { provisioningState: string } }).properties.provisioningState).toBe('Updating');
      expect(put.headers['operation-location']).toBeUndefined();
      const statusUrl = String(put.headers['azure-asyncoperation']);
      const absolute = `${still.endpoint}/subscriptions/`;
      expect(statusUrl.slice(0, absolute.length)).toBe(absolute);

      // Act and assess: the status URL reports the operation running, then done once its time has passed
      const path = statusUrl.slice(still.endpoint.length);
      const running = await armRequest(still, 'GET', path);
      expect((running.body as { status: string }).status).toBe('InProgress');
      still.clock.advance(60);
      const done = await armRequest(still, 'GET', path);
      expect((done.body as { status: string }).status).toBe('Succeeded');
      expect((done.body as { endTime?: string }).endTime).toBeTruthy();
    } finally {
      await still.stop();
    }
  });

  test('ends an LRO Failed when an lro-failed fault is set, and leaves the cluster Failed with its old settings', async () => {
    // Prepare
    const target = generated((cluster) => cluster.drift.includes('no-oidc-issuer') && !cluster.drift.includes('service-principal'));
    const client = containerService(emulator, subscriptionId);
    const before = await client.managedClusters.get(target.resourceGroup, target.name);
    emulator.setFaults([{ route: `PUT ${target.id}`, kind: 'lro-failed', sequence: [true] }]);

    // Act
    try {
      await expect(
        client.managedClusters.beginCreateOrUpdateAndWait(target.resourceGroup, target.name, { ...before, oidcIssuerProfile: { enabled: true } }, POLL),
      ).rejects.toThrow(/long-running operation has failed.*InternalOperationError/);
    } finally {
      emulator.setFaults([]);
    }
    const after = await client.managedClusters.get(target.resourceGroup, target.name);

    // Assess
    expect(after.provisioningState).toBe('Failed');
    // The failed write did not take.
    expect(after.oidcIssuerProfile?.enabled).toBe(false);
  });

  test('rejects the writes AKS rejects, with ARM error bodies', async () => {
    // Prepare
    const managed = generated((cluster) => !cluster.drift.includes('service-principal') && !cluster.drift.includes('no-oidc-issuer') && cluster.body['properties'] !== undefined);
    const noOidc = generated((cluster) => cluster.drift.includes('no-oidc-issuer'));
    const client = containerService(emulator, subscriptionId);
    const current = await client.managedClusters.get(managed.resourceGroup, managed.name);
    const withoutOidc = await client.managedClusters.get(noOidc.resourceGroup, noOidc.name);
    const write = (cluster: GeneratedCluster, body: ManagedCluster) => client.managedClusters.beginCreateOrUpdateAndWait(cluster.resourceGroup, cluster.name, body, POLL);
    const badRequest = (pattern: RegExp) => ({ statusCode: 400, message: expect.stringMatching(pattern) });

    // Act and assess: each refused with 400 and a message saying why
    await expect(
      write(managed, { ...current, identity: { type: 'None' }, servicePrincipalProfile: { clientId: '11111111-2222-3333-4444-555555555555', secret: 'x' } }),
    ).rejects.toMatchObject(badRequest(/service principal/));
    await expect(write(managed, { ...current, oidcIssuerProfile: { enabled: false } })).rejects.toMatchObject(badRequest(/OIDC issuer .* cannot be disabled/));
    await expect(write(noOidc, { ...withoutOidc, securityProfile: { workloadIdentity: { enabled: true } } })).rejects.toMatchObject(badRequest(/requires the OIDC issuer/));

    // Act and assess: the raw body is ARM's error shape
    const raw = await armRequest(emulator, 'PUT', `${noOidc.id}?api-version=2026-06-01`, { body: { location: noOidc.location, properties: { securityProfile: { workloadIdentity: { enabled: true } } } } });
    expect(raw.status).toBe(400);
    expect(Object.keys((raw.body as { error: object }).error).sort()).toStrictEqual(['code', 'message']);
  });

  test('gives 409 OperationNotAllowed while a cluster is Updating, and accepts the write once it is done', async () => {
    // Prepare: the cluster busy with an operation
    const target = generated(() => true);
    const client = containerService(emulator, subscriptionId);
    const current = await client.managedClusters.get(target.resourceGroup, target.name);
    emulator.putCluster({ ...(emulator.state.cluster(target.id) ?? {}), properties: { ...(emulator.state.cluster(target.id)?.['properties'] as object), provisioningState: 'Updating' } });

    // Act and assess: refused while busy
    await expect(client.managedClusters.beginCreateOrUpdateAndWait(target.resourceGroup, target.name, current, POLL)).rejects.toMatchObject({
      statusCode: 409,
      code: 'OperationNotAllowed',
      message: expect.stringMatching(/another operation is in progress/),
    });

    // Act and assess: accepted once the operation is done
    expect(emulator.finishOperations()).toBeGreaterThanOrEqual(1);
    const after = await client.managedClusters.beginCreateOrUpdateAndWait(target.resourceGroup, target.name, { ...current, tags: { after: 'busy' } }, POLL);
    expect(after.tags?.['after']).toBe('busy');
  });

  test('deletes with 202, emits ResourceDeleteSuccess, and the cluster is gone when the operation is done', async () => {
    // Prepare
    const target = generated(() => true);
    const client = containerService(emulator, subscriptionId);
    const seen = events.length;

    // Act
    await client.managedClusters.beginDeleteAndWait(target.resourceGroup, target.name, POLL);
    const again = await armRequest(emulator, 'DELETE', `${target.id}?api-version=2026-06-01`);

    // Assess
    await expect(client.managedClusters.get(target.resourceGroup, target.name)).rejects.toMatchObject({ statusCode: 404 });
    expect(events[seen]?.eventType).toBe('Microsoft.Resources.ResourceDeleteSuccess');
    expect(events[seen]?.data.operationName).toBe('Microsoft.ContainerService/managedClusters/delete');
    expect(again.status).toBe(204);
    expect(resourceGroupOf(target.id)).toBe(target.resourceGroup);
  });
});
