// Event Grid events for accepted writes: the real @azure/eventgrid deserializer reads them, the caller is
// the token's identity, and they reach an HTTP endpoint like an Event Grid webhook delivery.
import assert from 'node:assert/strict';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EventGridDeserializer, type EventGridEvent } from '@azure/eventgrid';
import { type EmulatorEvent, type GeneratedCluster, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { CLUSTER_RP, CLUSTER_TYPE, POLL, armRequest, containerService, extensionsClient } from '../../support/emulator.js';

const OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const DRIFTER = { appId: 'd1d1d1d1-0000-4000-8000-00000000a11d', objectId: 'd1d1d1d1-0000-4000-8000-00000000b0b0' };

interface Delivery {
  headers: IncomingHttpHeaders;
  events: EmulatorEvent[];
}

describe('Event Grid events', () => {
  let emulator: RunningEmulator;
  let cluster: GeneratedCluster;
  const deliveries: Delivery[] = [];
  const webhook = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, events: JSON.parse(Buffer.concat(chunks).toString('utf8')) as EmulatorEvent[] });
      response.writeHead(200).end();
    });
  });

  before(async () => {
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const { port } = webhook.address() as AddressInfo;
    emulator = await startEmulator({
      fleet: { clusters: 2, subscriptions: 1, seed: 4, drift: { updating: 0, servicePrincipal: 0 } },
      lroDurationMs: 20,
      throttleFactor: 0,
      eventsUrl: `http://127.0.0.1:${port}/api/events`,
    });
    const first = emulator.fleet?.clusters[0];
    assert.ok(first);
    cluster = first;
  });
  after(async () => {
    await emulator.stop();
    await new Promise((resolve) => webhook.close(resolve));
  });

  it('emits a write event that EventGridDeserializer parses, naming the caller of the token', async () => {
    const received: EmulatorEvent[] = [];
    const unsubscribe = emulator.onEvent((event) => received.push(event));
    const client = containerService(emulator, cluster.subscriptionId, { token: emulator.tokenFor(DRIFTER) });
    const current = await client.managedClusters.get(cluster.resourceGroup, cluster.name);
    await client.managedClusters.beginCreateOrUpdateAndWait(cluster.resourceGroup, cluster.name, { ...current, podIdentityProfile: { enabled: true } }, POLL);
    unsubscribe();

    assert.equal(received.length, 1, 'one accepted write, one event (polls and GETs raise none)');
    const [parsed] = (await new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify(received))) as EventGridEvent<Record<string, unknown>>[];
    assert.ok(parsed);
    assert.equal(parsed.eventType, 'Microsoft.Resources.ResourceWriteSuccess');
    assert.ok(parsed.eventTime instanceof Date);
    assert.equal(parsed.subject.toLowerCase(), cluster.id.toLowerCase());
    assert.equal(parsed.topic, `/subscriptions/${cluster.subscriptionId}`);
    assert.equal(parsed.data['operationName'], 'Microsoft.ContainerService/managedClusters/write');
    assert.equal(String(parsed.data['resourceUri']).toLowerCase(), cluster.id.toLowerCase());
    assert.equal(parsed.data['status'], 'Succeeded');
    assert.equal(parsed.data['subscriptionId'], cluster.subscriptionId);
    const claims = parsed.data['claims'] as Record<string, string>;
    assert.equal(claims['appid'], DRIFTER.appId);
    assert.equal(claims[OBJECT_ID_CLAIM], DRIFTER.objectId);
    assert.equal(claims['oid'], undefined, 'the object id is under the long claim key only');
    const authorization = parsed.data['authorization'] as { action: string; scope: string };
    assert.equal(authorization.action, 'Microsoft.ContainerService/managedClusters/write');
  });

  it('carries the request correlation id, and a fresh one when the client sends none', async () => {
    const received: EmulatorEvent[] = [];
    const unsubscribe = emulator.onEvent((event) => received.push(event));
    const path = `${cluster.id}?api-version=2026-06-01`;
    const current = (await armRequest(emulator, 'GET', path)).body;
    const response = await armRequest(emulator, 'PUT', path, { body: current, headers: { 'x-ms-correlation-request-id': 'c0ffee00-0000-4000-8000-000000000001' } });
    assert.equal(response.headers['x-ms-correlation-request-id'], 'c0ffee00-0000-4000-8000-000000000001');
    emulator.finishOperations();
    await armRequest(emulator, 'PUT', path, { body: current });
    unsubscribe();
    assert.equal(received[0]?.data.correlationId, 'c0ffee00-0000-4000-8000-000000000001');
    assert.match(received[1]?.data.correlationId ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(received[1]?.data.correlationId, received[0]?.data.correlationId);
  });

  it('emits extension write and delete events', async () => {
    const received: EmulatorEvent[] = [];
    const unsubscribe = emulator.onEvent((event) => received.push(event));
    const extensions = extensionsClient(emulator, cluster.subscriptionId);
    emulator.finishOperations();
    await extensions.extensions.beginCreateAndWait(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'dapr', { extensionType: 'microsoft.dapr' }, POLL);
    await extensions.extensions.beginDeleteAndWait(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'dapr', POLL);
    unsubscribe();
    const parsed = await new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify(received));
    assert.deepEqual(
      parsed.map((event) => [event.eventType, (event.data as { operationName: string }).operationName]),
      [
        ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.KubernetesConfiguration/extensions/write'],
        ['Microsoft.Resources.ResourceDeleteSuccess', 'Microsoft.KubernetesConfiguration/extensions/delete'],
      ],
    );
    assert.equal(parsed[0]?.subject.toLowerCase(), `${cluster.id}/providers/Microsoft.KubernetesConfiguration/extensions/dapr`.toLowerCase());
  });

  it('POSTs every event to eventsUrl as an Event Grid notification', async () => {
    const deadline = Date.now() + 3000;
    while (deliveries.length < emulator.state.events.emitted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(deliveries.length, emulator.state.events.emitted);
    assert.ok(deliveries.every((delivery) => delivery.headers['aeg-event-type'] === 'Notification' && delivery.events.length === 1));
    const parsed = await new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify(deliveries.flatMap((delivery) => delivery.events)));
    assert.equal(parsed.length, emulator.state.events.emitted);
    assert.equal(emulator.state.events.posted, emulator.state.events.emitted);
  });

  it('serves recent events at /_emulator/events for clients outside the process', async () => {
    const feed = await armRequest(emulator, 'GET', '/_emulator/events');
    assert.equal(feed.status, 200);
    const events = (feed.body as { value: EmulatorEvent[] }).value;
    assert.equal(events.length, emulator.state.events.emitted);
    assert.equal((await armRequest(emulator, 'GET', '/_emulator/events', { token: null })).status, 401);
  });
});
