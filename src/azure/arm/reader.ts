// Reading clusters through the SDKs: one cluster as a ClusterSnapshot (with all its extensions, every page),
// and streamed listings of clusters and subscriptions. Lists are async iterables: a caller can start work on
// the first cluster before the last page has arrived, and never holds a whole fleet in memory. ArmClusterReader
// is the ClusterReader port on top of them: it classifies every failure once (src/azure/errors.ts).
import type { ManagedCluster, PagedAsyncIterableIterator } from '@azure/arm-containerservice';
import type { Extension } from '@azure/arm-kubernetesconfiguration';
import { InvalidInputError, parseCluster, parseClusterId, parseExtensions, withExtensions, type ClusterRef, type ClusterSnapshot } from '../../core/index.js';
import type { ClusterReader, ListedCluster, ListedSubscription, ReadOptions } from '../../ports.js';
import { ArmError, classifyArmError } from '../errors.js';
import type { ArmClients } from './clients.js';
import { readMaintenanceConfigs } from './maintenance.js';
import type { MaintenanceConfigs } from '../../core/maintenance-windows.js';

export type { ListedCluster, ListedSubscription, ReadOptions } from '../../ports.js';

/** The ARM clients, or a promise of them: the app imports the ARM SDKs on first use (the event intake never needs them). */
export type ArmClientsSource = () => ArmClients | Promise<ArmClients>;

/** The ClusterReader port: ARM clients made on first use. */
export class ArmClusterReader implements ClusterReader {
  constructor(private readonly clients: ArmClientsSource) {}

  /** Throws ArmError (a missing cluster is kind not-found), or InvalidInputError for an id or body the core cannot read. */
  async readCluster(clusterId: string, options: ReadOptions = {}): Promise<ClusterSnapshot> {
    try {
      return await readClusterSnapshot(await this.clients(), clusterId, options);
    } catch (error) {
      if (error instanceof InvalidInputError) throw error;
      throw new ArmError(classifyArmError(error, clusterId));
    }
  }

  /** Throws ArmError; a cluster without configurations gives none. */
  async readMaintenanceConfigs(clusterId: string, options: ReadOptions = {}): Promise<MaintenanceConfigs> {
    try {
      const { configurations, unreadable } = await readMaintenanceConfigs(await this.clients(), clusterId, options);
      return { configurations, unreadable };
    } catch (error) {
      if (error instanceof InvalidInputError) throw error;
      throw new ArmError(classifyArmError(error, `${clusterId}/maintenanceConfigurations`));
    }
  }

  listSubscriptions(options: ReadOptions = {}): AsyncIterable<ListedSubscription> {
    return classified(async () => listSubscriptions(await this.clients(), options), '/subscriptions');
  }

  listClusters(scope: { subscriptionId: string; resourceGroup?: string }, options: ReadOptions = {}): AsyncIterable<ListedCluster> {
    const where = `/subscriptions/${scope.subscriptionId}${scope.resourceGroup ? `/resourceGroups/${scope.resourceGroup}` : ''}`;
    return classified(async () => listClusters(await this.clients(), scope, options), where);
  }
}

/** A listing whose failures (including making the clients) come out as ArmError naming the scope. */
async function* classified<T>(list: () => Promise<AsyncIterable<T>>, scope: string): AsyncIterable<T> {
  try {
    yield* await list();
  } catch (error) {
    throw new ArmError(classifyArmError(error, scope));
  }
}

/** A cluster as read for a write: the snapshot (REST body as read) and the SDK model to send back. */
export interface ClusterForWrite {
  snapshot: ClusterSnapshot;
  model: ManagedCluster;
}

const CLUSTER_RP = 'Microsoft.ContainerService';
const CLUSTER_RESOURCE_NAME = 'managedClusters';

/** The cluster and every extension on it, as the core's snapshot. Throws the SDK's RestError (ArmClusterReader classifies it). */
export async function readClusterSnapshot(clients: ArmClients, clusterId: string, options: ReadOptions = {}): Promise<ClusterSnapshot> {
  const ref = parseClusterId(clusterId);
  // Both reads settle before we return or throw, so no request is left running behind a failure.
  const [cluster, extensions] = await Promise.allSettled([readCluster(clients, ref, options), readExtensions(clients, ref, options)]);
  if (cluster.status === 'rejected') throw cluster.reason;
  if (extensions.status === 'rejected') throw extensions.reason;
  return withExtensions(cluster.value.snapshot, extensions.value);
}

/** The cluster alone (no extension list): what a cluster write needs, with the SDK model to send back. */
export async function readClusterForWrite(clients: ArmClients, clusterId: string, options: ReadOptions = {}): Promise<ClusterForWrite> {
  return readCluster(clients, parseClusterId(clusterId), options);
}

/**
 * Every extension of the cluster, all pages, as the core's ExtensionSnapshot list (protected settings dropped). The
 * client asks for api-version 2025-03-01 (clients.ts), whose answers carry `managedBy` and
 * `properties.managementDetails` (an AKS-managed extension); the SDK's 2023-05-01 model drops them, so the items are
 * taken from each page's raw JSON, and the SDK still does the paging, the retries and the errors.
 */
export async function readExtensions(clients: ArmClients, ref: ClusterRef, options: ReadOptions = {}): Promise<ClusterSnapshot['extensions']> {
  const pageBodies: string[] = [];
  const modelItems: Record<string, unknown>[] = [];
  const pages = clients.kubernetesConfiguration(ref.subscriptionId).extensions.list(ref.resourceGroup, CLUSTER_RP, CLUSTER_RESOURCE_NAME, ref.name, {
    abortSignal: options.abortSignal,
    onResponse: (response) => {
      if (response.bodyAsText) pageBodies.push(response.bodyAsText);
    },
  });
  for await (const extension of pages) modelItems.push(withoutSecrets(extension));
  const rawItems = pageBodies.flatMap(rawExtensions);
  // The raw pages are the REST answer the SDK read; should they be missing (a client without onResponse), the model.
  return parseExtensions(rawItems.length === modelItems.length ? rawItems : modelItems);
}

/** The extensions of one list page's JSON (REST shape), without protected settings. */
function rawExtensions(bodyText: string): Record<string, unknown>[] {
  const page: unknown = JSON.parse(bodyText);
  const value = typeof page === 'object' && page !== null ? (page as { value?: unknown }).value : undefined;
  if (!Array.isArray(value)) return [];
  return value.map((item) => {
    if (typeof item !== 'object' || item === null) return {};
    const { properties, ...top } = item as Record<string, unknown>;
    if (typeof properties !== 'object' || properties === null) return top;
    const { configurationProtectedSettings: _dropped, ...kept } = properties as Record<string, unknown>;
    return { ...top, properties: kept };
  });
}

async function readCluster(clients: ArmClients, ref: ClusterRef, options: ReadOptions): Promise<ClusterForWrite> {
  let restBody: unknown;
  const model = await clients.containerService(ref.subscriptionId).managedClusters.get(ref.resourceGroup, ref.name, {
    abortSignal: options.abortSignal,
    // The snapshot keeps the body exactly as ARM sent it (REST shape); the SDK model is what we send back.
    onResponse: (response) => {
      restBody = response.parsedBody;
    },
  });
  return { snapshot: parseCluster(restBody ?? model), model };
}

/** Clusters of one subscription, or of one resource group in it, page by page as ARM returns them. */
export async function* listClusters(
  clients: ArmClients,
  scope: { subscriptionId: string; resourceGroup?: string },
  options: ReadOptions = {},
): AsyncIterable<ListedCluster> {
  const operations = clients.containerService(scope.subscriptionId).managedClusters;
  const list = (): PagedAsyncIterableIterator<ManagedCluster> =>
    scope.resourceGroup ? operations.listByResourceGroup(scope.resourceGroup, { abortSignal: options.abortSignal }) : operations.list({ abortSignal: options.abortSignal });
  let continuationToken: string | undefined;
  do {
    const page = await readClusterPage(list(), continuationToken);
    continuationToken = page.continuationToken;
    yield* page.clusters;
  } while (continuationToken);
}

/**
 * One page of a cluster listing, as small records, through a page iterator of its own that is closed at once. The
 * SDK's iterator keeps the last page of full cluster models until it moves on, and a sweep keeps a listing open for
 * every subscription while it takes their clusters in turn: 50 subscriptions held 50 pages of models.
 */
async function readClusterPage(listing: PagedAsyncIterableIterator<ManagedCluster>, continuationToken: string | undefined): Promise<{ clusters: ListedCluster[]; continuationToken?: string }> {
  const pages = listing.byPage(continuationToken ? { continuationToken } : undefined);
  try {
    const first = await pages.next();
    if (first.done) return { clusters: [] };
    const clusters = first.value.flatMap((cluster) => (cluster.id ? [listedCluster(cluster.id, cluster)] : []));
    return { clusters, ...(first.value.continuationToken ? { continuationToken: first.value.continuationToken } : {}) };
  } finally {
    await pages.return?.(undefined);
  }
}

function listedCluster(id: string, cluster: ManagedCluster): ListedCluster {
  const ref = parseClusterId(id);
  return {
    id,
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    name: ref.name,
    location: cluster.location,
    ...(cluster.provisioningState ? { provisioningState: cluster.provisioningState } : {}),
  };
}

/** Every subscription the credential can see. */
export async function* listSubscriptions(clients: ArmClients, options: ReadOptions = {}): AsyncIterable<ListedSubscription> {
  for await (const subscription of clients.subscriptions().subscriptions.list({ abortSignal: options.abortSignal })) {
    if (!subscription.subscriptionId) continue;
    yield {
      subscriptionId: subscription.subscriptionId,
      ...(subscription.displayName ? { displayName: subscription.displayName } : {}),
      ...(subscription.state ? { state: subscription.state } : {}),
    };
  }
}

/** Protected settings never leave this function, whatever the service sent back. */
function withoutSecrets(extension: Extension): Record<string, unknown> {
  const { configurationProtectedSettings: _dropped, ...rest } = extension;
  return rest;
}
