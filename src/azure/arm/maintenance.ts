// Reading a cluster's planned maintenance configurations (`default`, `aksManagedAutoUpgradeSchedule`,
// `aksManagedNodeOSUpgradeSchedule`) through the SDK, parsed by the core's window engine. A configuration that does
// not parse is reported with its problems; it never fails the read and is never dropped silently.
import { parseMaintenanceConfigs, type MaintenanceConfigs } from '../../core/maintenance-windows.js';
import type { ArmClients } from './clients.js';
import { parseClusterId } from '../../core/resource-ids.js';
import type { ReadOptions } from './reader.js';

/** A cluster's maintenance configurations by name, and those ARM returned that could not be read. */
export interface ClusterMaintenanceConfigs extends MaintenanceConfigs {
  clusterId: string;
}

/**
 * Every maintenance configuration of the cluster, all pages. Throws the SDK's RestError when the list itself fails
 * (see classifyArmError); a cluster without configurations gives an empty result.
 */
export async function readMaintenanceConfigs(clients: ArmClients, clusterId: string, options: ReadOptions = {}): Promise<ClusterMaintenanceConfigs> {
  const ref = parseClusterId(clusterId);
  // The first page's body as ARM sent it (dates as written, unknown fields kept), so problems quote the real values.
  // The SDK calls onResponse for the first request only; later pages (rare: a cluster has at most three
  // configurations) are read from the SDK models, which the parser also accepts.
  let firstBody: unknown;
  const pages = clients
    .containerService(ref.subscriptionId)
    .maintenanceConfigurations.listByManagedCluster(ref.resourceGroup, ref.name, {
      abortSignal: options.abortSignal,
      onResponse: (response) => {
        firstBody ??= response.parsedBody;
      },
    })
    .byPage();
  const items: unknown[] = [];
  let first = true;
  for await (const page of pages) {
    const rest = first ? restItems(firstBody) : undefined;
    items.push(...(rest !== undefined && rest.length === page.length ? rest : page));
    first = false;
  }
  return { clusterId, ...parseMaintenanceConfigs(items) };
}

function restItems(body: unknown): unknown[] | undefined {
  const value = typeof body === 'object' && body !== null ? (body as { value?: unknown }).value : undefined;
  return Array.isArray(value) ? value : undefined;
}

