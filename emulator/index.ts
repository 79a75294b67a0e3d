// The ARM emulator, in process: startEmulator() gives an HTTPS endpoint that the unchanged Azure SDK
// clients talk to, plus handles to inspect state, inject faults, seed resources and watch events.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificate, removeCertificateFile } from './cert.js';
import { type EmulatorClock, createClock } from './clock.js';
import { type EmulatorEvent, EventHub } from './events.js';
import { ExtensionTypeCatalog } from './extension-types.js';
import { ProviderRegistry, type RegistrationState } from './providers.js';
import { StorageAccountRegistry, type StorageAccountSeed } from './storage-accounts.js';
import { seedMaintenanceConfiguration } from './maintenance.js';
import { type FaultRule, Faults } from './faults.js';
import type { ExtensionTypeProfile } from '../src/core/extension-types/index.js';
import { type FleetOptions, type GeneratedFleet, generateFleet } from './fleet.js';
import type { Environment } from './http.js';
import { EXTENSION_RESOURCE_TYPE, extensionId, formatClusterId, isSubscriptionId, parseClusterId, resourceIdKey } from '../src/core/resource-ids.js';
import { provisioningPhase } from '../src/core/states.js';
import { OrderedIndex } from './paging.js';
import { seededRandom } from './random.js';
import { ArmServer, RequestCounters } from './server.js';
import { EmulatorState } from './state.js';
import { type ArmObject, type ClusterRecord, type ExtensionRecord, Store, changed, propertiesOf } from './store.js';
import { Throttle } from './throttle.js';
import { DEFAULT_IDENTITY, type EmulatorIdentity, createToken } from './tokens.js';

export { ARM_THROTTLE_LIMITS, type RequestKind } from './throttle.js';
export { generateFleet, ACS_V2_EXTENSION, DEFAULT_DRIFT_MIX, DRIFT_LABELS, EXEMPT_TAG, FLUX_EXTENSION, SUPPORTED_REGIONS, UNSUPPORTED_REGIONS, CURRENT_KUBERNETES_VERSIONS, OLD_KUBERNETES_VERSIONS } from './fleet.js';
export type { DriftMix, FleetExtension, FleetOptions, GeneratedCluster, GeneratedFleet, GeneratedSubscription } from './fleet.js';
export type { EmulatorEvent, EmulatorEventType } from './events.js';
export type { EmulatorClock } from './clock.js';
export { SPEC_MARKETPLACE_EXAMPLE, SPEC_MARKETPLACE_PLAN } from './extension-types.js';
export { MANAGED_BY_API_VERSION } from './extensions.js';
export type { StorageAccountSeed } from './storage-accounts.js';
export { CONTAINER_SERVICE_NAMESPACE, KUBERNETES_CONFIGURATION_NAMESPACE, REGISTRATION_STATES, type RegistrationState } from './providers.js';
export type { FaultKind, FaultRule } from './faults.js';
export type { EmulatorIdentity, CallerIdentity } from './tokens.js';
export { DEFAULT_IDENTITY, EMULATOR_TENANT_ID } from './tokens.js';
export type { RequestCounts } from './server.js';
export { EmulatorState } from './state.js';

export interface EmulatorOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Seed a generated fleet; omit for an empty emulator. */
  fleet?: FleetOptions;
  /** Extra (empty) subscription ids. */
  subscriptions?: string[];
  /** Items per list page (default 100). */
  pageSize?: number;
  /** How long a write or delete stays InProgress (default 200 ms). */
  lroDurationMs?: number;
  /** How long generated or seeded `Updating` clusters stay busy (default 10 x lroDurationMs). */
  busyDurationMs?: number;
  /** Scales ARM's bucket sizes and refill rates (1 = ARM's numbers, the default); 0 or Infinity disables throttling. */
  throttleFactor?: number;
  /** Share of all requests given a random 500, 503 or connection reset (default 0). */
  faultRate?: number;
  /** Seeds the fault generator (default: the fleet's seed, else 1). */
  seed?: number;
  /** Added to every response (default 0). */
  latencyMs?: number;
  /** If set, events are also POSTed here as Event Grid would (JSON array, `aeg-event-type: Notification`). */
  eventsUrl?: string;
  /** Events per POST to eventsUrl (default 1, Event Grid's default). */
  eventsMaxBatch?: number;
  /** Where the emulator's time comes from (default: the wall clock); `clock.advance()`/`set()` shift it. */
  now?: () => Date;
  /**
   * Extension types the emulator knows besides the core's profiles and the REST spec's Marketplace example (e.g. a
   * test type with requiresPlan or supportedRegions); one with the same extensionType replaces the known one.
   */
  extensionTypes?: ExtensionTypeProfile[];
  /**
   * Resource providers a subscription starts unregistered for (every other one is Registered), on top of those the
   * fleet's `unregisteredProvider` drift picked. Namespaces: Microsoft.ContainerService, Microsoft.KubernetesConfiguration.
   */
  unregisteredProviders?: { subscriptionId: string; namespace: string }[];
  /** How long a provider stays Registering/Unregistering after register()/unregister() (default lroDurationMs). */
  providerRegistrationMs?: number;
}

export interface RunningEmulator {
  /** https://127.0.0.1:PORT, no trailing slash. */
  endpoint: string;
  /** PEM of the self-signed certificate: clients pass `tlsOptions: { ca }`. */
  ca: string;
  /** The same PEM in a temp file (removed by stop()). */
  caFile: string;
  /** A bearer token for DEFAULT_IDENTITY. */
  token: string;
  tokenFor(identity: EmulatorIdentity): string;
  /** The emulator's time: advance() or set() it to finish operations or open maintenance windows in no real time. */
  clock: EmulatorClock;
  state: EmulatorState;
  /** The fleet that was seeded, when `fleet` was given. */
  fleet: GeneratedFleet | undefined;
  onEvent(listener: (event: EmulatorEvent) => void): () => void;
  /** Replaces the per-route fault rules (the global faultRate stays). */
  setFaults(rules: FaultRule[]): void;
  /** Seeds or overwrites a cluster (REST shape, `id` required). No event, no throttling. */
  putCluster(body: object): void;
  /** Seeds or overwrites an extension of an existing cluster (REST shape, `name` required; protected settings kept, never returned). */
  putExtension(clusterId: string, body: object): void;
  /** Seeds or overwrites a planned maintenance configuration of an existing cluster (REST shape, `name` required; checked like a PUT). */
  putMaintenanceConfiguration(clusterId: string, body: object): void;
  /** Seeds or replaces a storage account that GET can read (region, blob endpoint); its subscription is added. */
  putStorageAccount(account: StorageAccountSeed): void;
  /** Sets a subscription's registration state for a resource provider (no event, no throttling). */
  setProviderRegistration(subscriptionId: string, namespace: string, state: RegistrationState): void;
  /** Ends every running operation now; returns how many there were. */
  finishOperations(): number;
  stop(): Promise<void>;
}

function checkNumber(value: number | undefined, name: string, test: (value: number) => boolean, rule: string): void {
  if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value) || !test(value))) {
    throw new Error(`emulator option ${name} must be ${rule} (got ${String(value)})`);
  }
}

function validateOptions(options: EmulatorOptions): void {
  checkNumber(options.port, 'port', (v) => Number.isInteger(v) && v >= 0 && v <= 65535, 'an integer port (0 = any free port)');
  checkNumber(options.pageSize, 'pageSize', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  checkNumber(options.lroDurationMs, 'lroDurationMs', (v) => v >= 0 && Number.isFinite(v), 'a duration >= 0');
  checkNumber(options.busyDurationMs, 'busyDurationMs', (v) => v >= 0, 'a duration >= 0');
  checkNumber(options.throttleFactor, 'throttleFactor', (v) => v >= 0, '>= 0 (0 or Infinity disables throttling)');
  checkNumber(options.faultRate, 'faultRate', (v) => v >= 0 && v <= 1, 'between 0 and 1');
  checkNumber(options.seed, 'seed', Number.isInteger, 'an integer');
  checkNumber(options.latencyMs, 'latencyMs', (v) => v >= 0 && Number.isFinite(v), 'a duration >= 0');
  checkNumber(options.eventsMaxBatch, 'eventsMaxBatch', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  checkNumber(options.providerRegistrationMs, 'providerRegistrationMs', (v) => v >= 0 && Number.isFinite(v), 'a duration >= 0');
  if (options.eventsUrl !== undefined && !/^https?:\/\//.test(options.eventsUrl)) throw new Error(`emulator option eventsUrl must be an http(s) URL (got ${options.eventsUrl})`);
  for (const id of options.subscriptions ?? []) {
    if (!isSubscriptionId(id)) throw new Error(`emulator option subscriptions: '${id}' is not a GUID`);
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  validateOptions(options);
  const fleet = options.fleet ? generateFleet(options.fleet) : undefined;
  const lroDurationMs = options.lroDurationMs ?? 200;
  const busyDurationMs = options.busyDurationMs ?? lroDurationMs * 10;
  if (options.now !== undefined && typeof options.now !== 'function') throw new Error('emulator option now must be a function returning a Date');
  const clock = createClock(options.now);
  const store = new Store(() => clock.nowMs());
  const counters = new RequestCounters();
  const events = new EventHub(options.eventsUrl, options.eventsMaxBatch ?? 1);
  const faults = new Faults(seededRandom(options.seed ?? options.fleet?.seed ?? 1), options.faultRate ?? 0);
  const providers = new ProviderRegistry(options.providerRegistrationMs ?? lroDurationMs);
  const environment: Environment = {
    store,
    endpoint: '',
    pageSize: options.pageSize ?? 100,
    lroDurationMs,
    extensionTypes: new ExtensionTypeCatalog(options.extensionTypes),
    providers,
    storageAccounts: new StorageAccountRegistry(),
  };

  const seedCluster = (input: object): ClusterRecord => {
    const body = structuredClone(input) as ArmObject;
    if (typeof body['id'] !== 'string') throw new Error('putCluster: the body needs an `id` (a managed cluster resource id)');
    const address = parseClusterId(body['id']);
    store.addSubscription(address.subscriptionId);
    const key = resourceIdKey(body['id']);
    const previous = store.clusters.get(key);
    const record: ClusterRecord = {
      kind: 'cluster',
      key,
      id: formatClusterId(address),
      name: address.name,
      subscriptionId: address.subscriptionId,
      resourceGroup: address.resourceGroup,
      body,
      json: undefined,
      operation: undefined,
      extensions: previous?.extensions ?? new Map<string, ExtensionRecord>(),
      extensionOrder: previous?.extensionOrder ?? new OrderedIndex(),
      maintenanceConfigurations: previous?.maintenanceConfigurations ?? new Map<string, ArmObject>(),
    };
    body['id'] = record.id;
    body['eTag'] ??= randomUUID();
    for (const extension of record.extensions.values()) extension.cluster = record;
    store.insertCluster(record);
    const state = propertiesOf(body)['provisioningState'];
    // A cluster seeded mid-operation stays busy for a while, as ARM's would.
    if (typeof state === 'string' && provisioningPhase(state) === 'in-progress') {
      store.startOperation({
        target: record,
        action: 'write',
        statusPath: (id) => `/subscriptions/${address.subscriptionId}/providers/Microsoft.ContainerService/locations/${String(body['location'])}/operations/${id}`,
        apiVersion: '2016-03-30',
        durationMs: busyDurationMs,
        previousBody: undefined,
      });
    }
    return record;
  };

  const seedExtension = (clusterIdValue: string, input: object): void => {
    const cluster = store.clusters.get(resourceIdKey(clusterIdValue));
    if (!cluster) throw new Error(`putExtension: no cluster '${clusterIdValue}'; seed it with putCluster first`);
    const body = structuredClone(input) as ArmObject;
    const name = typeof body['name'] === 'string' ? body['name'] : undefined;
    if (!name) throw new Error('putExtension: the body needs a `name`');
    const properties = propertiesOf(body);
    const protectedSettings = (properties['configurationProtectedSettings'] ?? {}) as Record<string, string>;
    delete properties['configurationProtectedSettings'];
    const record: ExtensionRecord = {
      kind: 'extension',
      key: resourceIdKey(extensionId(cluster.id, name)),
      id: extensionId(cluster.id, name),
      name,
      cluster,
      body: { ...body, id: extensionId(cluster.id, name), type: EXTENSION_RESOURCE_TYPE },
      json: undefined,
      jsonBefore20250301: undefined,
      operation: undefined,
      protectedSettings,
      // Seeded as installed: what it runs is what it says.
      appliedSettings: { ...((properties['configurationSettings'] ?? {}) as Record<string, string>) },
    };
    const previous = cluster.extensions.get(name.toLowerCase());
    if (previous) store.removeExtension(previous);
    store.insertExtension(record);
    changed(record);
  };

  for (const subscription of fleet?.subscriptions ?? []) store.addSubscription(subscription.subscriptionId, subscription.displayName);
  for (const id of options.subscriptions ?? []) store.addSubscription(id);
  for (const subscription of fleet?.subscriptions ?? []) {
    for (const namespace of subscription.unregisteredProviders) providers.set(subscription.subscriptionId, namespace, 'NotRegistered');
  }
  for (const { subscriptionId, namespace } of options.unregisteredProviders ?? []) {
    store.addSubscription(subscriptionId);
    providers.set(subscriptionId, namespace, 'NotRegistered');
  }
  for (const cluster of fleet?.clusters ?? []) {
    const record = seedCluster(cluster.body);
    for (const extension of cluster.extensions) seedExtension(cluster.id, extension);
    for (const configuration of cluster.maintenanceConfigurations) seedMaintenanceConfiguration(record, configuration);
  }

  const certificate = await createCertificate();
  const server = createServer({ key: certificate.key, cert: certificate.cert, keepAlive: true }, new ArmServer({
    environment,
    throttle: new Throttle(options.throttleFactor ?? 1),
    faults,
    events,
    counters,
    latencyMs: options.latencyMs ?? 0,
  }).listener);
  server.keepAliveTimeout = 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    removeCertificateFile(certificate);
    throw new Error(`the ARM emulator could not listen on 127.0.0.1:${options.port ?? 0}: ${(error as Error).message}`, { cause: error });
  }
  const { port } = server.address() as AddressInfo;
  environment.endpoint = `https://127.0.0.1:${port}`;

  let stopped: Promise<void> | undefined;
  return {
    endpoint: environment.endpoint,
    ca: certificate.cert,
    caFile: certificate.caFile,
    token: createToken(DEFAULT_IDENTITY),
    tokenFor: (identity) => createToken(identity),
    clock,
    state: new EmulatorState(store, counters, events.counts, providers),
    fleet,
    onEvent: (listener) => events.subscribe(listener),
    setFaults: (rules) => faults.set(rules),
    putCluster: (body) => void seedCluster(body),
    putExtension: seedExtension,
    putMaintenanceConfiguration: (clusterIdValue, body) => {
      const cluster = store.clusters.get(resourceIdKey(clusterIdValue));
      if (!cluster) throw new Error(`putMaintenanceConfiguration: no cluster '${clusterIdValue}'; seed it with putCluster first`);
      seedMaintenanceConfiguration(cluster, structuredClone(body) as ArmObject);
    },
    putStorageAccount: (account) => {
      store.addSubscription(account.subscriptionId);
      environment.storageAccounts.put(account, clock.now());
    },
    setProviderRegistration: (subscriptionId, namespace, state) => {
      store.addSubscription(subscriptionId);
      providers.set(subscriptionId, namespace, state);
    },
    finishOperations: () => store.finishAll(),
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        events.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }).finally(() => removeCertificateFile(certificate));
      return stopped;
    },
  };
}

