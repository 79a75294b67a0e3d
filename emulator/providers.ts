// Resource provider registration per subscription: GET /subscriptions/{s}/providers[/{namespace}] and POST
// .../{namespace}/register|unregister, as @azure/arm-resources 8.x (api-version 2025-04-01) calls them. A write to a
// provider the subscription is not registered for gets 409 MissingSubscriptionRegistration, as ARM answers it.
import { ArmError, subscriptionNotFound } from './arm-errors.js';
import type { Environment, Reply, RequestContext } from './http.js';

export const CONTAINER_SERVICE_NAMESPACE = 'Microsoft.ContainerService';
export const KUBERNETES_CONFIGURATION_NAMESPACE = 'Microsoft.KubernetesConfiguration';

export type RegistrationState = 'Registered' | 'NotRegistered' | 'Registering' | 'Unregistering';
export const REGISTRATION_STATES: readonly RegistrationState[] = ['Registered', 'NotRegistered', 'Registering', 'Unregistering'];

/**
 * The providers the emulator serves and the api-versions it lists for their resource types: the versions the SDKs in
 * use send and those the REST specs publish (Extensions stable folders; AKS stable versions of the vendored examples).
 */
const PROVIDERS: readonly { namespace: string; resourceTypes: { resourceType: string; apiVersions: string[] }[] }[] = [
  {
    namespace: CONTAINER_SERVICE_NAMESPACE,
    resourceTypes: [
      { resourceType: 'managedClusters', apiVersions: ['2026-06-01', '2026-05-01', '2026-04-01', '2026-02-01'] },
      { resourceType: 'managedClusters/maintenanceConfigurations', apiVersions: ['2026-06-01', '2026-04-01'] },
      { resourceType: 'locations/operations', apiVersions: ['2016-03-30'] },
      { resourceType: 'locations/operationresults', apiVersions: ['2016-03-30'] },
    ],
  },
  // Read by Azure Backup's and Azure Container Storage's prerequisites (registration state only): the version
  // @azure/arm-storage 21.x sends, and the stable Elastic SAN spec folders.
  { namespace: 'Microsoft.Storage', resourceTypes: [{ resourceType: 'storageAccounts', apiVersions: ['2026-09-01', '2025-06-01'] }] },
  { namespace: 'Microsoft.ElasticSan', resourceTypes: [{ resourceType: 'elasticSans', apiVersions: ['2024-05-01', '2023-01-01'] }] },
  {
    namespace: KUBERNETES_CONFIGURATION_NAMESPACE,
    resourceTypes: [
      { resourceType: 'extensions', apiVersions: ['2025-03-01', '2024-11-01', '2023-05-01', '2022-11-01', '2022-07-01', '2022-03-01', '2021-09-01'] },
    ],
  },
];

interface Registration {
  state: RegistrationState;
  /** When a Registering/Unregistering state ends (emulator clock, epoch ms). */
  settlesAt: number | undefined;
}

/** Registration states per (lower-cased) subscription and namespace; every provider starts Registered. */
export class ProviderRegistry {
  private readonly states = new Map<string, Registration>();

  constructor(private readonly transitionMs: number) {}

  static knows(namespace: string): boolean {
    return PROVIDERS.some((provider) => provider.namespace.toLowerCase() === namespace.toLowerCase());
  }

  state(subscriptionId: string, namespace: string, now: number): RegistrationState {
    const registration = this.states.get(this.key(subscriptionId, namespace));
    if (!registration) return 'Registered';
    if (registration.settlesAt !== undefined && now >= registration.settlesAt) {
      registration.state = registration.state === 'Registering' ? 'Registered' : 'NotRegistered';
      registration.settlesAt = undefined;
    }
    return registration.state;
  }

  set(subscriptionId: string, namespace: string, state: RegistrationState): void {
    if (!ProviderRegistry.knows(namespace)) throw new Error(`the emulator serves no resource provider '${namespace}' (known: ${PROVIDERS.map((provider) => provider.namespace).join(', ')})`);
    if (!REGISTRATION_STATES.includes(state)) throw new Error(`registration state '${String(state)}' is not one of ${REGISTRATION_STATES.join(', ')}`);
    this.states.set(this.key(subscriptionId, namespace), { state, settlesAt: undefined });
  }

  /** Starts a register or unregister that completes after the transition time. */
  begin(subscriptionId: string, namespace: string, action: 'register' | 'unregister', now: number): void {
    const current = this.state(subscriptionId, namespace, now);
    const target = action === 'register' ? 'Registered' : 'NotRegistered';
    if (current === target) return;
    this.states.set(this.key(subscriptionId, namespace), {
      state: action === 'register' ? 'Registering' : 'Unregistering',
      settlesAt: now + this.transitionMs,
    });
  }

  private key(subscriptionId: string, namespace: string): string {
    return `${subscriptionId.toLowerCase()}|${namespace.toLowerCase()}`;
  }
}

function providerFor(namespace: string): (typeof PROVIDERS)[number] {
  const provider = PROVIDERS.find((candidate) => candidate.namespace.toLowerCase() === namespace.toLowerCase());
  // ARM's answer for a namespace that does not exist; the emulator serves only the providers above.
  if (!provider) throw new ArmError(404, 'InvalidResourceNamespace', `The resource namespace '${namespace}' is invalid.`);
  return provider;
}

function providerBody(environment: Environment, subscriptionId: string, provider: (typeof PROVIDERS)[number], now: number): Record<string, unknown> {
  return {
    id: `/subscriptions/${subscriptionId}/providers/${provider.namespace}`,
    namespace: provider.namespace,
    registrationState: environment.providers.state(subscriptionId, provider.namespace, now),
    registrationPolicy: 'RegistrationRequired',
    resourceTypes: provider.resourceTypes.map((type) => ({ resourceType: type.resourceType, apiVersions: [...type.apiVersions] })),
  };
}

function requireSubscription(environment: Environment, subscriptionId: string): string {
  if (!environment.store.hasSubscription(subscriptionId)) throw subscriptionNotFound(subscriptionId);
  return subscriptionId.toLowerCase();
}

export function listProviders(environment: Environment, context: RequestContext, subscriptionId: string): Reply {
  const id = requireSubscription(environment, subscriptionId);
  return { status: 200, body: { value: PROVIDERS.map((provider) => providerBody(environment, id, provider, context.now)) } };
}

export function getProvider(environment: Environment, context: RequestContext, subscriptionId: string, namespace: string): Reply {
  const id = requireSubscription(environment, subscriptionId);
  return { status: 200, body: providerBody(environment, id, providerFor(namespace), context.now) };
}

/** POST .../register or .../unregister: 200 with the provider, now Registering/Unregistering (the SDK's register() expects 200). */
export function changeRegistration(environment: Environment, context: RequestContext, subscriptionId: string, namespace: string, action: 'register' | 'unregister'): Reply {
  const id = requireSubscription(environment, subscriptionId);
  const provider = providerFor(namespace);
  environment.providers.begin(id, provider.namespace, action, context.now);
  return { status: 200, body: providerBody(environment, id, provider, context.now) };
}

/**
 * ARM refuses a write to a resource provider the subscription is not registered for. Code and shape (a details entry
 * whose target is the namespace) are in the AKS and ARM troubleshooting docs; the status 409 is from community reports.
 */
export function requireRegistration(environment: Environment, context: RequestContext, subscriptionId: string, namespace: string): void {
  if (environment.providers.state(subscriptionId, namespace, context.now) === 'Registered') return;
  const message = `The subscription '${subscriptionId.toLowerCase()}' is not registered to use namespace '${namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.`;
  throw new ArmError(409, 'MissingSubscriptionRegistration', message, {}, [{ code: 'MissingSubscriptionRegistration', target: namespace, message }]);
}
