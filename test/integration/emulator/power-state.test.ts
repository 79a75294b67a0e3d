// Stopped and failed clusters through the real @azure/arm-containerservice and @azure/arm-kubernetesconfiguration
// clients: start and stop are long-running actions that raise ResourceActionSuccess, a stopped cluster refuses writes,
// and a Failed cluster takes a reconciling PUT.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EventGridDeserializer, type EventGridEvent } from '@azure/eventgrid';
import { type EmulatorEvent, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { fixture } from '../../../emulator/fixtures/index.js';
import { CLUSTER_RP, CLUSTER_TYPE, EMULATOR_START_TIMEOUT_MS, POLL, armRequest, containerService, errorOf, extensionsClient, recordResponses } from '../../support/emulator.js';

const SUBSCRIPTION = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const GROUP = 'rg-power';
const idOf = (name: string): string => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.ContainerService/managedClusters/${name}`;

function keysOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keysOf(child, prefix ? `${prefix}.${key}` : key));
}

describe('cluster power state and failed clusters', () => {
  let emulator: RunningEmulator;
  const events: EmulatorEvent[] = [];
  // While set, the emulator's time stands still (so an operation cannot finish before a test has looked at it).
  let pinned: Date | undefined;
  const clusters = () => containerService(emulator, SUBSCRIPTION);
  const extensions = () => extensionsClient(emulator, SUBSCRIPTION);

  beforeAll(async () => {
    emulator = await startEmulator({ lroDurationMs: 30, throttleFactor: 0, now: () => pinned ?? new Date() });
    for (const name of ['aks-stop', 'aks-stopped', 'aks-failed']) {
      emulator.putCluster({
        id: idOf(name),
        location: 'westeurope',
        properties: {
          provisioningState: name === 'aks-failed' ? 'Failed' : 'Succeeded',
          powerState: { code: name === 'aks-stopped' ? 'Stopped' : 'Running' },
          agentPoolProfiles: [{ name: 'system', count: 3, mode: 'System' }],
        },
      });
      emulator.putExtension(idOf(name), { name: 'flux', properties: { extensionType: 'microsoft.flux', releaseTrain: 'Stable', provisioningState: 'Succeeded' } });
    }
    emulator.onEvent((event) => events.push(event));
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  test('stop is a long-running action: Stopping, then Stopped, with a ResourceActionSuccess event laid out like the docs sample', async () => {
    // Prepare
    const seen = events.length;
    const recorder = recordResponses();
    const client = containerService(emulator, SUBSCRIPTION, { policies: [recorder.policy] });

    // Act: start the stop and look at the cluster while it runs (time stands still meanwhile)
    pinned = new Date();
    const poller = await client.managedClusters.beginStop(GROUP, 'aks-stop', POLL);
    await poller.poll();
    const during = await clusters().managedClusters.get(GROUP, 'aks-stop');
    pinned = undefined;
    emulator.clock.advance(1_000);
    await poller.pollUntilDone();
    const after = await clusters().managedClusters.get(GROUP, 'aks-stop');

    // Assess: 202 with absolute Azure-AsyncOperation and Location, as for a delete
    const first = recorder.seen[0];
    expect(first?.status).toBe(202);
    expect(first?.headers['azure-asyncoperation']).toMatch(new RegExp(`^${emulator.endpoint}/subscriptions/${SUBSCRIPTION}/providers/Microsoft.ContainerService/locations/westeurope/operations/`));
    expect(first?.headers['location']).toMatch(new RegExp(`^${emulator.endpoint}/.*/operationresults/`));
    expect(during.provisioningState).toBe('Stopping');
    expect(during.powerState?.code).toBe('Running');
    expect(after.provisioningState).toBe('Succeeded');
    expect(after.powerState?.code).toBe('Stopped');
    expect(after.agentPoolProfiles?.[0]?.powerState?.code).toBe('Stopped');

    // Assess: one action event, which the real deserializer reads, with the keys of the vendored sample
    const raised = events.slice(seen);
    expect(raised.map((event) => `${event.eventType} ${event.data.operationName}`)).toStrictEqual([
      'Microsoft.Resources.ResourceActionSuccess Microsoft.ContainerService/managedClusters/stop/action',
    ]);
    const [parsed] = (await new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify(raised))) as EventGridEvent<Record<string, unknown>>[];
    expect(parsed?.data['httpRequest']).toMatchObject({ method: 'POST', url: expect.stringMatching(/\/managedClusters\/aks-stop\/stop\?api-version=/) });
    expect(parsed?.data['authorization']).toMatchObject({ action: 'Microsoft.ContainerService/managedClusters/stop/action' });
    expect(parsed?.subject.toLowerCase()).toBe(idOf('aks-stop').toLowerCase());
    const [sample] = fixture('eventgrid/ResourceActionSuccess.eventgrid-schema.docs.json') as object[];
    // The sample's token claims `aio` and `uti` are per-token values the emulator does not invent.
    const sampleKeys = keysOf(sample).filter((key) => !/^data\.claims\.(aio|uti)$/.test(key)).sort();
    expect(keysOf(raised[0]).sort()).toStrictEqual(sampleKeys);
  });

  test('a stopped cluster refuses writes to itself and its extensions with 409 OperationNotAllowed, and cannot be stopped again', async () => {
    const current = await clusters().managedClusters.get(GROUP, 'aks-stopped');
    const refusals = [
      clusters().managedClusters.beginCreateOrUpdateAndWait(GROUP, 'aks-stopped', { ...current, podIdentityProfile: { enabled: true } }, POLL),
      clusters().managedClusters.beginUpdateTagsAndWait(GROUP, 'aks-stopped', { tags: { team: 'x' } }, POLL),
      extensions().extensions.beginCreateAndWait(GROUP, CLUSTER_RP, CLUSTER_TYPE, 'aks-stopped', 'dapr', { extensionType: 'microsoft.dapr' }, POLL),
      extensions().extensions.beginUpdateAndWait(GROUP, CLUSTER_RP, CLUSTER_TYPE, 'aks-stopped', 'flux', { releaseTrain: 'Preview' }, POLL),
      extensions().extensions.beginDeleteAndWait(GROUP, CLUSTER_RP, CLUSTER_TYPE, 'aks-stopped', 'flux', POLL),
      clusters().managedClusters.beginStopAndWait(GROUP, 'aks-stopped', POLL),
    ];

    for (const outcome of await Promise.allSettled(refusals)) {
      expect(outcome.status).toBe('rejected');
      const error = errorOf(outcome.status === 'rejected' ? outcome.reason : undefined);
      expect(error).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
      expect(error.message).toMatch(/Provisioning State\(Succeeded\) and Power State\(Stopped\), (updating|writing extension 'dapr'|updating extension 'flux'|deleting extension 'flux'|stopping) cannot be performed/);
    }
    // Reads still work and nothing changed.
    expect(emulator.state.extension(idOf('aks-stopped'), 'flux')).toMatchObject({ properties: { releaseTrain: 'Stable' } });
  });

  test('start makes the cluster Running again (ResourceActionSuccess .../start/action); then writes are accepted; starting it again is refused', async () => {
    const seen = events.length;

    // Act
    await clusters().managedClusters.beginStartAndWait(GROUP, 'aks-stopped', POLL);
    const patched = await extensions().extensions.beginUpdateAndWait(GROUP, CLUSTER_RP, CLUSTER_TYPE, 'aks-stopped', 'flux', { releaseTrain: 'Preview' }, POLL);

    // Assess
    expect((await clusters().managedClusters.get(GROUP, 'aks-stopped')).powerState?.code).toBe('Running');
    expect(patched.releaseTrain).toBe('Preview');
    expect(events.slice(seen).map((event) => `${event.eventType} ${event.data.operationName}`)).toStrictEqual([
      'Microsoft.Resources.ResourceActionSuccess Microsoft.ContainerService/managedClusters/start/action',
      'Microsoft.Resources.ResourceWriteSuccess Microsoft.KubernetesConfiguration/extensions/write',
    ]);
    await expect(clusters().managedClusters.beginStartAndWait(GROUP, 'aks-stopped', POLL)).rejects.toMatchObject({
      statusCode: 409,
      code: 'OperationNotAllowed',
      message: expect.stringMatching(/Power State\(Running\), starting cannot be performed/),
    });
  });

  test('a stopped cluster can still be deleted', async () => {
    await clusters().managedClusters.beginStopAndWait(GROUP, 'aks-stop', POLL).catch(() => undefined);
    expect(emulator.state.cluster(idOf('aks-stop'))).toMatchObject({ properties: { powerState: { code: 'Stopped' } } });

    await clusters().managedClusters.beginDeleteAndWait(GROUP, 'aks-stop', POLL);

    expect(emulator.state.cluster(idOf('aks-stop'))).toBeUndefined();
  });

  test('a Failed cluster accepts a reconciling PUT of its own body, which ends Succeeded', async () => {
    // Prepare
    const current = await clusters().managedClusters.get(GROUP, 'aks-failed');
    expect(current.provisioningState).toBe('Failed');

    // Act: the reconcile the failed-state article describes (`az resource update` PUTs the current body)
    const reconciled = await clusters().managedClusters.beginCreateOrUpdateAndWait(GROUP, 'aks-failed', current, POLL);

    // Assess
    expect(reconciled.provisioningState).toBe('Succeeded');
    expect(reconciled.powerState?.code).toBe('Running');
  });

  test('a start or stop whose operation fails leaves the power state as it was', async () => {
    emulator.setFaults([{ route: 'POST /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/aks-failed/stop', kind: 'lro-failed', sequence: [true] }]);
    try {
      await expect(clusters().managedClusters.beginStopAndWait(GROUP, 'aks-failed', POLL)).rejects.toThrow(/InternalOperationError|failed/i);
    } finally {
      emulator.setFaults([]);
    }
    const after = await armRequest(emulator, 'GET', `${idOf('aks-failed')}?api-version=2026-06-01`);
    expect(after.body).toMatchObject({ properties: { powerState: { code: 'Running' }, provisioningState: 'Failed' } });
  });
});
