// Storage clients from the app's storage settings: a connection string (Azurite, local runs) or an account
// name plus a managed identity (Azure, where shared keys are off). Retries on 429/5xx are the SDK pipeline's.

import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { QueueClient, QueueServiceClient, type StoragePipelineOptions } from '@azure/storage-queue';
import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import type { AppConfig } from '../../config.js';
import { QUEUE_NAMES, TABLE_NAMES } from '../../names.js';
import { toStorageError } from '../errors.js';

export type TableRole = keyof typeof TABLE_NAMES;

export interface StorageClients {
  tables: Record<TableRole, TableClient>;
  /** The sweep lane (QUEUE_NAMES.evaluations). */
  evaluationQueue: QueueClient;
  /** The events lane (QUEUE_NAMES.events). */
  eventQueue: QueueClient;
}

export interface CreateStorageClientsOptions {
  /** Used with an account name; defaults to DefaultAzureCredential with the configured client id. */
  credential?: TokenCredential;
}

const TABLE_RETRY = { maxRetries: 4 };
const QUEUE_RETRY = { maxTries: 5 };

/** Key=value pairs of a storage connection string (keys case-insensitive). */
function connectionStringParts(connectionString: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const pair of connectionString.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) parts.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
  }
  return parts;
}

/** True when the connection string's table endpoint is plain http (Azurite), which the Tables SDK refuses unless told. */
export function usesHttp(connectionString: string): boolean {
  const parts = connectionStringParts(connectionString);
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') return true;
  const endpoint = parts.get('tableendpoint');
  if (endpoint) return endpoint.toLowerCase().startsWith('http://');
  return parts.get('defaultendpointsprotocol')?.toLowerCase() === 'http';
}

function credentialFor(storage: { accountName: string; clientId?: string }, given: TokenCredential | undefined): TokenCredential {
  return given ?? new DefaultAzureCredential(storage.clientId ? { managedIdentityClientId: storage.clientId } : {});
}

export function createStorageClients(storage: AppConfig['storage'], options: CreateStorageClientsOptions = {}): StorageClients {
  const tableNames = Object.entries(TABLE_NAMES) as [TableRole, string][];
  if ('connectionString' in storage) {
    const tableOptions: TableServiceClientOptions = { retryOptions: TABLE_RETRY, ...(usesHttp(storage.connectionString) ? { allowInsecureConnection: true } : {}) };
    const queueOptions: StoragePipelineOptions = { retryOptions: QUEUE_RETRY };
    const queues = QueueServiceClient.fromConnectionString(storage.connectionString, queueOptions);
    return {
      tables: Object.fromEntries(tableNames.map(([role, name]) => [role, TableClient.fromConnectionString(storage.connectionString, name, tableOptions)])) as Record<TableRole, TableClient>,
      evaluationQueue: queues.getQueueClient(QUEUE_NAMES.evaluations),
      eventQueue: queues.getQueueClient(QUEUE_NAMES.events),
    };
  }
  const credential = credentialFor(storage, options.credential);
  const tableEndpoint = `https://${storage.accountName}.table.core.windows.net`;
  const queueEndpoint = `https://${storage.accountName}.queue.core.windows.net`;
  return {
    tables: Object.fromEntries(tableNames.map(([role, name]) => [role, new TableClient(tableEndpoint, name, credential, { retryOptions: TABLE_RETRY })])) as Record<TableRole, TableClient>,
    evaluationQueue: new QueueClient(`${queueEndpoint}/${QUEUE_NAMES.evaluations}`, credential, { retryOptions: QUEUE_RETRY }),
    eventQueue: new QueueClient(`${queueEndpoint}/${QUEUE_NAMES.events}`, credential, { retryOptions: QUEUE_RETRY }),
  };
}

/** Creates the tables that are missing. Idempotent: an existing table is fine. */
export async function ensureTables(clients: StorageClients): Promise<void> {
  await Promise.all(
    Object.values(clients.tables).map(async (table) => {
      try {
        await table.createTable(); // the SDK already treats TableAlreadyExists as success
      } catch (error) {
        throw toStorageError(error, { resource: table.tableName, operation: 'create table' });
      }
    }),
  );
}

/** Creates the queues that are missing. Idempotent. */
export async function ensureQueues(clients: StorageClients): Promise<void> {
  await Promise.all(
    [clients.evaluationQueue, clients.eventQueue].map(async (queue) => {
      try {
        await queue.createIfNotExists();
      } catch (error) {
        throw toStorageError(error, { resource: queue.name, operation: 'create queue' });
      }
    }),
  );
}
