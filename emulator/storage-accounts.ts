// Storage accounts, read only: GET /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name},
// as @azure/arm-storage 21.x (storageAccounts.getProperties, api-version 2026-09-01) calls it. Azure Backup for AKS
// reads the account the baseline names: its region (it must be the cluster's) and its blob endpoint (sent as
// storageAccountURI). The body has the fields of the REST spec's StorageAccountGetProperties example (stable
// 2025-06-01) that a reader of those two facts meets; a missing account is ARM's 404 ResourceNotFound. docs/emulator.md.
import { resourceNotFound, subscriptionNotFound } from './arm-errors.js';
import type { Environment, Reply, RequestContext } from './http.js';

export interface StorageAccountSeed {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** ARM location name, e.g. eastus. */
  location: string;
}

interface StorageAccountRecord extends StorageAccountSeed {
  createdAt: string;
}

const NAME = /^[a-z0-9]{3,24}$/;

/** The storage accounts seeded into the emulator, by (lower-cased) resource id. */
export class StorageAccountRegistry {
  private readonly accounts = new Map<string, StorageAccountRecord>();

  /** Adds or replaces an account; the name follows Azure's rule (3-24 lower-case letters and digits). */
  put(seed: StorageAccountSeed, now: Date): void {
    if (!NAME.test(seed.name)) throw new Error(`storage account name '${seed.name}' must be 3-24 lower-case letters and digits`);
    if (seed.location.trim() === '') throw new Error(`storage account '${seed.name}' needs a location`);
    this.accounts.set(this.key(seed.subscriptionId, seed.resourceGroup, seed.name), { ...seed, createdAt: now.toISOString() });
  }

  get(subscriptionId: string, resourceGroup: string, name: string): StorageAccountRecord | undefined {
    return this.accounts.get(this.key(subscriptionId, resourceGroup, name));
  }

  get size(): number {
    return this.accounts.size;
  }

  private key(subscriptionId: string, resourceGroup: string, name: string): string {
    return `${subscriptionId}|${resourceGroup}|${name}`.toLowerCase();
  }
}

/** The public cloud's endpoint of one service of an account, as the spec example shows them (https://<name>.<service>.core.windows.net/). */
const endpoint = (name: string, service: string) => `https://${name}.${service}.core.windows.net/`;

function accountBody(record: StorageAccountRecord): Record<string, unknown> {
  return {
    id: `/subscriptions/${record.subscriptionId}/resourceGroups/${record.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${record.name}`,
    name: record.name,
    type: 'Microsoft.Storage/storageAccounts',
    kind: 'StorageV2',
    location: record.location,
    sku: { name: 'Standard_LRS', tier: 'Standard' },
    tags: {},
    properties: {
      provisioningState: 'Succeeded',
      creationTime: record.createdAt,
      primaryLocation: record.location,
      statusOfPrimary: 'available',
      supportsHttpsTrafficOnly: true,
      primaryEndpoints: Object.fromEntries(['blob', 'dfs', 'file', 'queue', 'table', 'web'].map((service) => [service, endpoint(record.name, service)])),
    },
  };
}

export function getStorageAccount(environment: Environment, _context: RequestContext, subscriptionId: string, resourceGroup: string, name: string): Reply {
  if (!environment.store.hasSubscription(subscriptionId)) throw subscriptionNotFound(subscriptionId);
  const record = environment.storageAccounts.get(subscriptionId, resourceGroup, name);
  if (!record) throw resourceNotFound('Microsoft.Storage/storageAccounts', name, resourceGroup);
  return { status: 200, body: accountBody(record) };
}
