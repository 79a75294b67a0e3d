// The benchmarks' storage (bench/support/app.ts): Azurite as two processes, tables in memory and queues in a folder,
// behind one connection string the app's own clients use; stopping it removes the folder.
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startBenchStorage, type BenchStorage } from '../../../bench/support/app.js';
import { createStorageClients, ensureQueues, ensureTables } from '../../../src/azure/storage/index.js';
import { loadConfig } from '../../../src/config.js';

describe('startBenchStorage', () => {
  let storage: BenchStorage;

  beforeAll(async () => {
    storage = await startBenchStorage();
  }, 60_000);

  afterAll(async () => {
    await storage.stop();
  });

  test('serves tables and queues from two processes through one connection string, the queues kept on disk', async () => {
    // Prepare
    const clients = createStorageClients(loadConfig({ AzureWebJobsStorage: storage.connectionString }).storage);
    await ensureTables(clients);
    await ensureQueues(clients);

    // Act
    await clients.eventQueue.sendMessage('hello');
    const received = await clients.eventQueue.receiveMessages();
    await clients.tables.sweeps.createEntity({ partitionKey: 'p', rowKey: 'r', note: 'kept' });

    // Assess
    expect(new URL(storage.queueEndpoint).port).not.toBe(new URL(storage.tableEndpoint).port);
    expect(received.receivedMessageItems.map((message) => message.messageText)).toStrictEqual(['hello']);
    expect((await clients.tables.sweeps.getEntity<{ note: string }>('p', 'r')).note).toBe('kept');
  });

  test('stopping it stops both and removes the queues folder', async () => {
    const other = await startBenchStorage();
    expect(readdirSync(other.queueFolder).length).toBeGreaterThan(0);

    await other.stop();

    expect(existsSync(other.queueFolder)).toBe(false);
  }, 60_000);
});
