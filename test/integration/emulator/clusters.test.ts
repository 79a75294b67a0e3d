// Managed clusters through the real @azure/arm-containerservice client, over HTTPS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ManagedCluster } from '@azure/arm-containerservice';
import { type EmulatorEvent, type GeneratedCluster, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { POLL, armRequest, containerService, errorOf, resourceGroupOf } from '../../support/emulator.js';

describe('managed clusters over the real SDK', () => {
  let emulator: RunningEmulator;
  let subscriptionId: string;
  const events: EmulatorEvent[] = [];

  before(async () => {
    emulator = await startEmulator({
      fleet: { clusters: 40, subscriptions: 2, seed: 11, drift: { servicePrincipal: 0.3, noOidcIssuer: 0.3, updating: 0 } },
      pageSize: 7,
      lroDurationMs: 40,
      throttleFactor: 0,
    });
    subscriptionId = emulator.fleet?.subscriptions[0]?.subscriptionId ?? '';
    emulator.onEvent((event) => events.push(event));
  });
  after(() => emulator.stop());

  // Each test takes clusters no other test has touched.
  const used = new Set<string>();
  const generated = (predicate: (cluster: GeneratedCluster) => boolean): GeneratedCluster => {
    const found = emulator.fleet?.clusters.find((cluster) => cluster.subscriptionId === subscriptionId && !used.has(cluster.id) && predicate(cluster));
    assert.ok(found, 'the seeded fleet has a cluster of the kind this test needs');
    used.add(found.id);
    return found;
  };

  it('lists a subscription across nextLink pages, then one resource group', async () => {
    const client = containerService(emulator, subscriptionId);
    const pages: number[] = [];
    for await (const page of client.managedClusters.list().byPage()) pages.push(page.length);
    const expected = emulator.fleet?.clusters.filter((cluster) => cluster.subscriptionId === subscriptionId) ?? [];
    assert.equal(pages.reduce((sum, size) => sum + size, 0), expected.length);
    assert.ok(pages.length >= 3, `20 clusters at 7 a page come in several pages (got ${pages.length})`);
    assert.ok(pages.slice(0, -1).every((size) => size === 7));

    const group = expected[0]?.resourceGroup ?? '';
    const inGroup: ManagedCluster[] = [];
    for await (const cluster of client.managedClusters.listByResourceGroup(group)) inGroup.push(cluster);
    assert.deepEqual(
      inGroup.map((cluster) => cluster.name).sort(),
      expected.filter((cluster) => cluster.resourceGroup === group).map((cluster) => cluster.name).sort(),
    );
  });

  it('gets a cluster flattened by the SDK, with its eTag, and 404s an unknown one', async () => {
    const target = generated(() => true);
    const client = containerService(emulator, subscriptionId);
    const cluster = await client.managedClusters.get(target.resourceGroup, target.name);
    assert.equal(cluster.id, target.id);
    assert.equal(cluster.location, target.location);
    assert.equal(cluster.eTag, target.body['eTag']);
    assert.equal(cluster.provisioningState, 'Succeeded');
    assert.ok(cluster.agentPoolProfiles?.length, 'fixture fields such as agentPoolProfiles come through');
    await assert.rejects(client.managedClusters.get(target.resourceGroup, 'no-such-cluster'), (error: unknown) => {
      assert.equal(errorOf(error).statusCode, 404);
      assert.equal(errorOf(error).code, 'ResourceNotFound');
      return true;
    });
  });

  it('matches ids case-insensitively and answers in canonical casing', async () => {
    const target = generated(() => true);
    const lowered = `${target.id.toLowerCase()}?api-version=2026-06-01`;
    const response = await armRequest(emulator, 'GET', lowered);
    assert.equal(response.status, 200);
    assert.equal((response.body as { id: string }).id, target.id);
    assert.ok(response.headers['x-ms-ratelimit-remaining-subscription-reads']);
    assert.equal(response.headers['etag'], target.body['eTag']);
  });

  it('moves a service-principal cluster to managed identity with If-Match, then 412s the stale eTag', async () => {
    const target = generated((cluster) => cluster.drift.includes('service-principal'));
    const client = containerService(emulator, subscriptionId);
    const before = await client.managedClusters.get(target.resourceGroup, target.name);
    assert.equal(before.identity, undefined);
    const seen = events.length;

    const after = await client.managedClusters.beginCreateOrUpdateAndWait(
      target.resourceGroup,
      target.name,
      { ...before, identity: { type: 'SystemAssigned' } },
      { ifMatch: before.eTag, ...POLL },
    );
    assert.equal(after.identity?.type, 'SystemAssigned');
    assert.ok(after.identity?.principalId);
    assert.equal(after.servicePrincipalProfile?.clientId, 'msi');
    assert.equal(after.provisioningState, 'Succeeded');
    assert.notEqual(after.eTag, before.eTag);
    const written = events.slice(seen);
    assert.equal(written.length, 1);
    assert.equal(written[0]?.data.operationName, 'Microsoft.ContainerService/managedClusters/write');

    await assert.rejects(
      client.managedClusters.beginCreateOrUpdateAndWait(target.resourceGroup, target.name, { ...before, tags: { stale: 'yes' } }, { ifMatch: before.eTag, ...POLL }),
      (error: unknown) => {
        assert.equal(errorOf(error).statusCode, 412);
        assert.equal(errorOf(error).code, 'PreconditionFailed');
        return true;
      },
    );
    assert.equal(events.length, seen + 1, 'a rejected write raises no event');
    assert.equal(emulator.state.cluster(target.id)?.['tags'] instanceof Object && (emulator.state.cluster(target.id)?.['tags'] as Record<string, string>)['stale'], undefined);
  });

  it('refuses If-None-Match: * on an existing cluster and creates a new one through Creating to Succeeded', async () => {
    const template = generated(() => true);
    const client = containerService(emulator, subscriptionId);
    const existing = await client.managedClusters.get(template.resourceGroup, template.name);
    await assert.rejects(
      client.managedClusters.beginCreateOrUpdateAndWait(template.resourceGroup, template.name, existing, { ifNoneMatch: '*', ...POLL }),
      (error: unknown) => errorOf(error).statusCode === 412,
    );

    const poller = await client.managedClusters.beginCreateOrUpdate(
      template.resourceGroup,
      'aks-new-cluster',
      { location: 'westeurope', dnsPrefix: 'aks-new', agentPoolProfiles: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' }] },
      { ifNoneMatch: '*', ...POLL },
    );
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${template.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/aks-new-cluster`;
    assert.equal((emulator.state.cluster(id)?.['properties'] as Record<string, unknown>)['provisioningState'], 'Creating');
    const created = await poller.pollUntilDone();
    assert.equal(created.provisioningState, 'Succeeded');
    assert.equal(created.identity?.type, 'SystemAssigned', 'AKS defaults a new cluster to a managed identity');
    assert.match(created.fqdn ?? '', /\.hcp\.westeurope\.azmk8s\.io$/);
  });

  it('answers the first PUT like ARM: 200 Updating with an absolute Azure-AsyncOperation that goes InProgress then Succeeded', async () => {
    const target = generated(() => true);
    const current = await armRequest(emulator, 'GET', `${target.id}?api-version=2026-06-01`);
    const put = await armRequest(emulator, 'PUT', `${target.id}?api-version=2026-06-01`, { body: current.body });
    assert.equal(put.status, 200);
    assert.equal((put.body as { properties: { provisioningState: string } }).properties.provisioningState, 'Updating');
    assert.equal(put.headers['operation-location'], undefined);
    const statusUrl = String(put.headers['azure-asyncoperation']);
    assert.ok(statusUrl.startsWith(`${emulator.endpoint}/subscriptions/`), statusUrl);
    const path = statusUrl.slice(emulator.endpoint.length);
    const running = await armRequest(emulator, 'GET', path);
    assert.equal((running.body as { status: string }).status, 'InProgress');
    await new Promise((resolve) => setTimeout(resolve, 60));
    const done = await armRequest(emulator, 'GET', path);
    assert.equal((done.body as { status: string }).status, 'Succeeded');
    assert.ok((done.body as { endTime?: string }).endTime);
  });

  it('ends an LRO Failed when an lro-failed fault is set, and leaves the cluster Failed with its old settings', async () => {
    const target = generated((cluster) => cluster.drift.includes('no-oidc-issuer') && !cluster.drift.includes('service-principal'));
    const client = containerService(emulator, subscriptionId);
    const before = await client.managedClusters.get(target.resourceGroup, target.name);
    emulator.setFaults([{ route: `PUT ${target.id}`, kind: 'lro-failed', sequence: [true] }]);
    try {
      await assert.rejects(
        client.managedClusters.beginCreateOrUpdateAndWait(target.resourceGroup, target.name, { ...before, oidcIssuerProfile: { enabled: true } }, POLL),
        (error: unknown) => {
          assert.match(errorOf(error).message, /long-running operation has failed.*InternalOperationError/);
          return true;
        },
      );
    } finally {
      emulator.setFaults([]);
    }
    const after = await client.managedClusters.get(target.resourceGroup, target.name);
    assert.equal(after.provisioningState, 'Failed');
    assert.equal(after.oidcIssuerProfile?.enabled, false, 'the failed write did not take');
  });

  it('rejects the writes AKS rejects, with ARM error bodies', async () => {
    const managed = generated((cluster) => !cluster.drift.includes('service-principal') && !cluster.drift.includes('no-oidc-issuer') && cluster.body['properties'] !== undefined);
    const noOidc = generated((cluster) => cluster.drift.includes('no-oidc-issuer'));
    const client = containerService(emulator, subscriptionId);
    const current = await client.managedClusters.get(managed.resourceGroup, managed.name);
    const rejected = async (cluster: GeneratedCluster, body: ManagedCluster, pattern: RegExp): Promise<void> => {
      await assert.rejects(client.managedClusters.beginCreateOrUpdateAndWait(cluster.resourceGroup, cluster.name, body, POLL), (error: unknown) => {
        assert.equal(errorOf(error).statusCode, 400);
        assert.match(errorOf(error).message, pattern);
        return true;
      });
    };
    await rejected(managed, { ...current, identity: { type: 'None' }, servicePrincipalProfile: { clientId: '11111111-2222-3333-4444-555555555555', secret: 'x' } }, /service principal/);
    await rejected(managed, { ...current, oidcIssuerProfile: { enabled: false } }, /OIDC issuer .* cannot be disabled/);
    const withoutOidc = await client.managedClusters.get(noOidc.resourceGroup, noOidc.name);
    await rejected(noOidc, { ...withoutOidc, securityProfile: { workloadIdentity: { enabled: true } } }, /requires the OIDC issuer/);

    const raw = await armRequest(emulator, 'PUT', `${noOidc.id}?api-version=2026-06-01`, { body: { location: noOidc.location, properties: { securityProfile: { workloadIdentity: { enabled: true } } } } });
    assert.equal(raw.status, 400);
    assert.deepEqual(Object.keys((raw.body as { error: object }).error).sort(), ['code', 'message']);
  });

  it('gives 409 OperationNotAllowed while a cluster is Updating, and accepts the write once it is done', async () => {
    const target = generated(() => true);
    const client = containerService(emulator, subscriptionId);
    const current = await client.managedClusters.get(target.resourceGroup, target.name);
    emulator.putCluster({ ...(emulator.state.cluster(target.id) ?? {}), properties: { ...(emulator.state.cluster(target.id)?.['properties'] as object), provisioningState: 'Updating' } });
    await assert.rejects(client.managedClusters.beginCreateOrUpdateAndWait(target.resourceGroup, target.name, current, POLL), (error: unknown) => {
      assert.equal(errorOf(error).statusCode, 409);
      assert.equal(errorOf(error).code, 'OperationNotAllowed');
      assert.match(errorOf(error).message, /another operation is in progress/);
      return true;
    });
    assert.ok(emulator.finishOperations() >= 1);
    const after = await client.managedClusters.beginCreateOrUpdateAndWait(target.resourceGroup, target.name, { ...current, tags: { after: 'busy' } }, POLL);
    assert.equal(after.tags?.['after'], 'busy');
  });

  it('deletes with 202, emits ResourceDeleteSuccess, and the cluster is gone when the operation is done', async () => {
    const target = generated(() => true);
    const client = containerService(emulator, subscriptionId);
    const seen = events.length;
    await client.managedClusters.beginDeleteAndWait(target.resourceGroup, target.name, POLL);
    await assert.rejects(client.managedClusters.get(target.resourceGroup, target.name), (error: unknown) => errorOf(error).statusCode === 404);
    assert.equal(events[seen]?.eventType, 'Microsoft.Resources.ResourceDeleteSuccess');
    assert.equal(events[seen]?.data.operationName, 'Microsoft.ContainerService/managedClusters/delete');
    const again = await armRequest(emulator, 'DELETE', `${target.id}?api-version=2026-06-01`);
    assert.equal(again.status, 204);
    assert.equal(resourceGroupOf(target.id), target.resourceGroup);
  });
});
