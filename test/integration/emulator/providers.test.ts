// Resource provider registration through the real @azure/arm-resources client, and the 409 a write gets on a
// subscription that is not registered for the provider.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CONTAINER_SERVICE_NAMESPACE, KUBERNETES_CONFIGURATION_NAMESPACE, type RunningEmulator, startEmulator,
} from '../../../emulator/index.js';
import { CLUSTER_RP, CLUSTER_TYPE, EMULATOR_START_TIMEOUT_MS, POLL, armRequest, extensionsClient, resourcesClient } from '../../support/emulator.js';

const REGISTERED = '3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b';
const UNREGISTERED = '4f5a6b7c-8d9e-4f0a-9b1c-2d3e4f5a6b7c';
const idIn = (subscriptionId: string): string => `/subscriptions/${subscriptionId}/resourceGroups/rg-prov/providers/Microsoft.ContainerService/managedClusters/aks-prov`;

describe('resource provider registration', () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({
      lroDurationMs: 20,
      throttleFactor: 0,
      subscriptions: [REGISTERED],
      unregisteredProviders: [{ subscriptionId: UNREGISTERED, namespace: KUBERNETES_CONFIGURATION_NAMESPACE }],
      providerRegistrationMs: 600_000,
    });
    for (const subscriptionId of [REGISTERED, UNREGISTERED]) {
      emulator.putCluster({ id: idIn(subscriptionId), location: 'westeurope', properties: { provisioningState: 'Succeeded', powerState: { code: 'Running' } } });
    }
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  test('providers.get and providers.list show each subscription its own registration state', async () => {
    // Act
    const registered = await resourcesClient(emulator, REGISTERED).providers.get(KUBERNETES_CONFIGURATION_NAMESPACE);
    const unregistered = await resourcesClient(emulator, UNREGISTERED).providers.get(KUBERNETES_CONFIGURATION_NAMESPACE);
    const listed = [];
    for await (const provider of resourcesClient(emulator, UNREGISTERED).providers.list()) listed.push(provider);

    // Assess
    expect(registered).toMatchObject({ namespace: KUBERNETES_CONFIGURATION_NAMESPACE, registrationState: 'Registered', id: `/subscriptions/${REGISTERED}/providers/${KUBERNETES_CONFIGURATION_NAMESPACE}` });
    expect(registered.resourceTypes?.find((type) => type.resourceType === 'extensions')?.apiVersions).toContain('2025-03-01');
    expect(unregistered.registrationState).toBe('NotRegistered');
    expect(listed.map((provider) => `${provider.namespace} ${provider.registrationState}`)).toStrictEqual([
      `${CONTAINER_SERVICE_NAMESPACE} Registered`,
      // Read by extension prerequisites (Backup's storage account, Container Storage's Elastic SAN).
      'Microsoft.Storage Registered',
      'Microsoft.ElasticSan Registered',
      `${KUBERNETES_CONFIGURATION_NAMESPACE} NotRegistered`,
    ]);
    await expect(resourcesClient(emulator, REGISTERED).providers.get('Microsoft.NoSuchThing')).rejects.toMatchObject({ statusCode: 404 });
  });

  test('an extension PUT on an unregistered subscription gets 409 MissingSubscriptionRegistration naming the namespace in details[0].target', async () => {
    // Act
    const sdk = extensionsClient(emulator, UNREGISTERED).extensions.beginCreateAndWait('rg-prov', CLUSTER_RP, CLUSTER_TYPE, 'aks-prov', 'flux', { extensionType: 'microsoft.flux' }, POLL);
    const raw = await armRequest(emulator, 'PUT', `${idIn(UNREGISTERED)}/providers/Microsoft.KubernetesConfiguration/extensions/flux?api-version=2023-05-01`, { body: { properties: { extensionType: 'microsoft.flux' } } });

    // Assess
    await expect(sdk).rejects.toMatchObject({ statusCode: 409, code: 'MissingSubscriptionRegistration' });
    expect(raw.status).toBe(409);
    expect(raw.body).toMatchObject({
      error: {
        code: 'MissingSubscriptionRegistration',
        message: expect.stringMatching(/not registered to use namespace 'Microsoft\.KubernetesConfiguration'.*aka\.ms\/rps-not-found/),
        details: [{ code: 'MissingSubscriptionRegistration', target: KUBERNETES_CONFIGURATION_NAMESPACE }],
      },
    });
    // Reads are served; the registered subscription installs as usual.
    expect((await armRequest(emulator, 'GET', `${idIn(UNREGISTERED)}/providers/Microsoft.KubernetesConfiguration/extensions?api-version=2023-05-01`)).status).toBe(200);
    const installed = await extensionsClient(emulator, REGISTERED).extensions.beginCreateAndWait('rg-prov', CLUSTER_RP, CLUSTER_TYPE, 'aks-prov', 'flux', { extensionType: 'microsoft.flux' }, POLL);
    expect(installed.provisioningState).toBe('Succeeded');
  });

  test('register() moves to Registering, then Registered once the clock has passed the registration time', async () => {
    // Act
    const registering = await resourcesClient(emulator, UNREGISTERED).providers.register(KUBERNETES_CONFIGURATION_NAMESPACE);
    const stillRefused = await armRequest(emulator, 'PUT', `${idIn(UNREGISTERED)}/providers/Microsoft.KubernetesConfiguration/extensions/flux?api-version=2023-05-01`, { body: { properties: { extensionType: 'microsoft.flux' } } });
    emulator.clock.advance(600_000);
    const registered = await resourcesClient(emulator, UNREGISTERED).providers.get(KUBERNETES_CONFIGURATION_NAMESPACE);
    const installed = await extensionsClient(emulator, UNREGISTERED).extensions.beginCreateAndWait('rg-prov', CLUSTER_RP, CLUSTER_TYPE, 'aks-prov', 'flux', { extensionType: 'microsoft.flux' }, POLL);

    // Assess
    expect(registering.registrationState).toBe('Registering');
    expect(stillRefused.status).toBe(409);
    expect(registered.registrationState).toBe('Registered');
    expect(installed.provisioningState).toBe('Succeeded');
    expect(emulator.state.providerRegistration(UNREGISTERED, KUBERNETES_CONFIGURATION_NAMESPACE)).toBe('Registered');
  });

  test('a cluster PUT needs Microsoft.ContainerService registered; setProviderRegistration changes it directly', async () => {
    emulator.setProviderRegistration(REGISTERED, CONTAINER_SERVICE_NAMESPACE, 'NotRegistered');
    try {
      const refused = await armRequest(emulator, 'PUT', `${idIn(REGISTERED)}?api-version=2026-06-01`, { body: { location: 'westeurope', properties: {} } });
      expect(refused.body).toMatchObject({ error: { code: 'MissingSubscriptionRegistration', details: [{ target: CONTAINER_SERVICE_NAMESPACE }] } });
    } finally {
      emulator.setProviderRegistration(REGISTERED, CONTAINER_SERVICE_NAMESPACE, 'Registered');
    }
    expect(() => emulator.setProviderRegistration(REGISTERED, 'Microsoft.Compute', 'Registered')).toThrow(/serves no resource provider/);
  });
});
