// A fresh Azurite (real sockets) with the tables and queue created, and factories for test data.

import { startAzurite, type Azurite } from '../../dev/azurite.js';
import { createStorageClients, ensureQueues, ensureTables, type StorageClients } from '../../src/azure/storage/clients.js';
import { createTableComplianceStore } from '../../src/azure/storage/compliance-store.js';
import type { Evaluation, RuleResult } from '../../src/core/types.js';
import type { Cause, ComplianceStore } from '../../src/ports.js';

export interface StoreHarness {
  azurite: Azurite;
  clients: StorageClients;
  store: ComplianceStore;
}

/**
 * The time a beforeAll gives startStoreHarness(). Azurite's own limit (below) is shorter, so a start that fails
 * ends with Azurite's reason and its output, not with Jest's bare hook timeout.
 */
export const STORE_START_TIMEOUT_MS = 60_000;

/** Starts Azurite and creates the tables and queues. Rejects (never waits) when Azurite exits or stays unready past 20 s. */
export async function startStoreHarness(options: { startTimeoutInMs?: number } = {}): Promise<StoreHarness> {
  // startAzurite waits up to this twice (listening, then answering): 2 x 20 s stays inside STORE_START_TIMEOUT_MS.
  const azurite = await startAzurite({ startTimeoutInMs: options.startTimeoutInMs ?? 20_000 });
  try {
    const clients = createStorageClients({ connectionString: azurite.connectionString });
    await ensureTables(clients);
    await ensureQueues(clients);
    return { azurite, clients, store: createTableComplianceStore(clients) };
  } catch (error) {
    await azurite.stop();
    throw error;
  }
}

export const SUBSCRIPTION_A = '00000000-aaaa-4000-8000-000000000001';
export const SUBSCRIPTION_B = '00000000-bbbb-4000-8000-000000000002';

export function clusterId(name: string, subscriptionId = SUBSCRIPTION_A, resourceGroup = 'rg-fleet'): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

export function rule(ruleId: string, status: RuleResult['status'], extra: Partial<RuleResult> = {}): RuleResult {
  return { ruleId, status, reason: `${status}Reason`, message: `${ruleId} is ${status}.`, ...extra };
}

/** Overall status computed the way the engine does: NonCompliant beats Unknown beats Compliant. */
export function evaluation(id: string, results: RuleResult[]): Evaluation {
  const status = results.some((r) => r.status === 'NonCompliant') ? 'NonCompliant' : results.some((r) => r.status === 'Unknown') ? 'Unknown' : 'Compliant';
  return { clusterId: id, status, results, plan: [] };
}

export function cause(id: string, kind: Cause['kind'] = 'event'): Cause {
  return { kind, id, correlationId: `corr-${id}` };
}

/** Minutes after a fixed origin, so tests state time explicitly. */
export function at(minutes: number): Date {
  return new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + minutes * 60_000);
}
