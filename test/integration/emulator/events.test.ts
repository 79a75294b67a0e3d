// Event Grid events for accepted writes: the real @azure/eventgrid deserializer reads them, the caller is
// the token's identity, and they reach an HTTP endpoint like an Event Grid webhook delivery.
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EventGridDeserializer, type EventGridEvent } from '@azure/eventgrid';
import { type EmulatorEvent, type GeneratedCluster, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { CLUSTER_RP, CLUSTER_TYPE, EMULATOR_START_TIMEOUT_MS, POLL, armRequest, containerService, extensionsClient } from '../../support/emulator.js';

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

  beforeAll(async () => {
    await new Promise<void>((resolve, reject) => {
      webhook.once('error', reject);
      webhook.listen(0, '127.0.0.1', resolve);
    });
    const { port } = webhook.address() as AddressInfo;
    emulator = await startEmulator({
      fleet: { clusters: 2, subscriptions: 1, seed: 4, drift: { updating: 0, servicePrincipal: 0 } },
      lroDurationMs: 20,
      throttleFactor: 0,
      eventsUrl: `http://127.0.0.1:${port}/api/events`,
    });
    const first = emulator.fleet?.clusters[0];
    if (!first) throw new Error('the seeded fleet has no cluster');
    cluster = first;
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(async () => {
    await emulator?.stop();
    if (webhook.listening) await new Promise((resolve) => webhook.close(resolve));
  });

  test('emits a write event that EventGridDeserializer parses, naming the caller of the token', async () => {
    // Prepare
    const received: EmulatorEvent[] = [];
    const unsubscribe = emulator.onEvent((event) => received.push(event));
    const client = containerService(emulator, cluster.subscriptionId, { token: emulator.tokenFor(DRIFTER) });
    const current = await client.managedClusters.get(cluster.resourceGroup, cluster.name);

    // Act
    await client.managedClusters.beginCreateOrUpdateAndWait(cluster.resourceGroup, cluster.name, { ...current, podIdentityProfile: { enabled: true } }, POLL);
    unsubscribe();

    // Assess: one accepted write, one event (polls and GETs raise none)
    expect(received).toHaveLength(1);
    const [parsed] = (await new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify(received))) as EventGridEvent<Record<string, unknown>>[];
    expect(parsed).toBeDefined();
    expect(parsed?.eventType).toBe('Microsoft.Resources.ResourceWriteSuccess');
    expect(parsed?.eventTime).toBeInstanceOf(Date);
    expect(parsed?.subject.toLowerCase()).toBe(cluster.id.toLowerCase());
    expect(parsed?.topic).toBe(`/subscriptions/${cluster.subscriptionId}`);
    expect(parsed?.data['operationName']).toBe('Microsoft.ContainerService/managedClusters/write');
    expect(String(parsed?.data['resourceUri']).toLowerCase()).toBe(cluster.id.toLowerCase());
    expect(parsed?.data['status']).toBe('Succeeded');
    expect(parsed?.data['subscriptionId']).toBe(cluster.subscriptionId);
    const claims = parsed?.data['claims'] as Record<string, string>;
    expect(claims['appid']).toBe(DRIFTER.appId);
    expect(claims[OBJECT_ID_CLAIM]).toBe(DRIFTER.objectId);
    // The object id is under the long claim key only.
    expect(claims['oid']).toBeUndefined();
    const authorization = parsed?.data['authorization'] as { action: string; scope: string };
    expect(authorization.action).toBe('Microsoft.ContainerService/managedClusters/write');
  });

  test('carries the request correlation id, and a fresh one when the client sends none', async () => {
    // Prepare
    const received: EmulatorEvent[] = [];
    const unsubscribe = emulator.onEvent((event) => received.push(event));
    const path = `${cluster.id}?api-version=2026-06-01`;
    const current = (await armRequest(emulator, 'GET', path)).body;

    // Act: one write with a correlation id, one without
    const response = await armRequest(emulator, 'PUT', path, { body: current, headers: { 'x-ms-correlation-request-id': 'c0ffee00-0000-4000-8000-000000000001' } });
    emulator.finishOperations();
    await armRequest(emulator, 'PUT', path, { body: current });
    unsubscribe();

    // Assess
    expect(response.headers['x-ms-correlation-request-id']).toBe('c0ffee00-0000-4000-8000-000000000001');
    expect(received[0]?.data.correlationId).toBe('c0ffee00-0000-4000-8000-000000000001');
    expect(received[1]?.data.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(received[1]?.data.correlationId).not.toBe(received[0]?.data.correlationId);
  });

  test('emits extension write and delete events', async () => {
    // Prepare
    const received: EmulatorEvent[] = [];
    const unsubscribe = emulator.onEvent((event) => received.push(event));
    const extensions = extensionsClient(emulator, cluster.subscriptionId);
    emulator.finishOperations();

    // Act
    await extensions.extensions.beginCreateAndWait(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'dapr', { extensionType: 'microsoft.dapr' }, POLL);
    await extensions.extensions.beginDeleteAndWait(cluster.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, cluster.name, 'dapr', POLL);
    unsubscribe();

    // Assess
    const parsed = await new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify(received));
    expect(parsed.map((event) => [event.eventType, (event.data as { operationName: string }).operationName])).toStrictEqual([
      ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.KubernetesConfiguration/extensions/write'],
      ['Microsoft.Resources.ResourceDeleteSuccess', 'Microsoft.KubernetesConfiguration/extensions/delete'],
    ]);
    expect(parsed[0]?.subject.toLowerCase()).toBe(`${cluster.id}/providers/Microsoft.KubernetesConfiguration/extensions/dapr`.toLowerCase());
  });

  test('POSTs every event to eventsUrl as an Event Grid notification', async () => {
    // Act: wait (up to 3 s) for the deliveries of the events the earlier tests raised
    const deadline = Date.now() + 3000;
    while (deliveries.length < emulator.state.events.emitted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));

    // Assess: one Notification per event
    expect(deliveries).toHaveLength(emulator.state.events.emitted);
    expect(deliveries.map((delivery) => [delivery.headers['aeg-event-type'], delivery.events.length])).toStrictEqual(deliveries.map(() => ['Notification', 1]));
    const parsed = await new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify(deliveries.flatMap((delivery) => delivery.events)));
    expect(parsed).toHaveLength(emulator.state.events.emitted);
    expect(emulator.state.events.posted).toBe(emulator.state.events.emitted);
  });

  test('serves recent events at /_emulator/events for clients outside the process', async () => {
    const feed = await armRequest(emulator, 'GET', '/_emulator/events');
    const anonymous = await armRequest(emulator, 'GET', '/_emulator/events', { token: null });

    expect(feed.status).toBe(200);
    expect((feed.body as { value: EmulatorEvent[] }).value).toHaveLength(emulator.state.events.emitted);
    expect(anonymous.status).toBe(401);
  });
});
