import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { EvaluationQueue, InvalidWorkItemError, parseWorkItem } from '../../../src/azure/storage/queue.js';
import { QUEUE_NAMES } from '../../../src/names.js';
import type { EvaluationWorkItem } from '../../../src/ports.js';
import { STORE_START_TIMEOUT_MS, at, cause, clusterId, startStoreHarness, type StoreHarness } from '../../support/store.js';

function item(name: string, extra: Partial<EvaluationWorkItem> = {}): EvaluationWorkItem {
  return { clusterId: clusterId(name), cause: cause(`q-${name}`), enqueuedAt: at(0).toISOString(), ...extra };
}

/** Receives (and deletes) everything visible now. */
async function drain(client: QueueClient): Promise<EvaluationWorkItem[]> {
  const items: EvaluationWorkItem[] = [];
  for (;;) {
    const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
    if (receivedMessageItems.length === 0) return items;
    for (const message of receivedMessageItems) {
      items.push(parseWorkItem(message.messageText));
      await client.deleteMessage(message.messageId, message.popReceipt);
    }
  }
}

describe('evaluation queue on Azurite', () => {
  let harness: StoreHarness;
  let queue: EvaluationQueue;
  let client: QueueClient;

  beforeAll(async () => {
    harness = await startStoreHarness();
    client = harness.clients.evaluationQueue;
    queue = new EvaluationQueue(client);
  }, STORE_START_TIMEOUT_MS);
  afterAll(async () => {
    await harness?.azurite.stop();
  });

  test('uses the shared queue name', () => {
    expect(client.name).toBe(QUEUE_NAMES.evaluations);
  });

  test('round-trips a work item as base64 JSON', async () => {
    const sent = item('aks-roundtrip', { approvals: ['mi:enable-managed-identity'], attempt: 1 });

    await queue.enqueue(sent);
    const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32 });

    expect(receivedMessageItems).toHaveLength(1);
    const [message] = receivedMessageItems;
    if (!message) throw new Error('no message received');
    // The text is base64 of the JSON.
    expect(JSON.parse(Buffer.from(message.messageText, 'base64').toString('utf8'))).toStrictEqual(sent);
    expect(parseWorkItem(message.messageText)).toStrictEqual(sent);
    await client.deleteMessage(message.messageId, message.popReceipt);
  });

  test('keeps a delayed message invisible until its delay has passed', async () => {
    // Act
    await queue.enqueue(item('aks-delayed'), { visibilityDelaySeconds: 2 });
    const sentAt = Date.now();

    // Assess: not visible yet, then visible once the delay (and some slack) has passed
    expect(await drain(client)).toStrictEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_300 - (Date.now() - sentAt)));
    expect((await drain(client)).map((received) => received.clusterId)).toStrictEqual([clusterId('aks-delayed')]);
  });

  test('sends many in parallel and reports counts', async () => {
    const items = Array.from({ length: 50 }, (_, i) => item(`aks-bulk-${i}`));

    const result = await queue.enqueueMany(items, { concurrency: 8 });
    const received = await drain(client);

    expect(result).toStrictEqual({ enqueued: 50, failed: 0, errors: [] });
    expect(received.map((r) => r.clusterId).sort()).toStrictEqual(items.map((i) => i.clusterId).sort());
  });

  test('sends nothing when any item is invalid, and names it', async () => {
    const items = [item('aks-ok'), { ...item('aks-bad'), cause: { kind: 'nope', id: 'x' } } as unknown as EvaluationWorkItem];

    const invalid = queue.enqueueMany(items);

    await expect(invalid).rejects.toBeInstanceOf(InvalidWorkItemError);
    await expect(invalid).rejects.toThrow(/items\[1\]: .*"cause.kind"/);
    await expect(queue.enqueue(item('aks-x'), { visibilityDelaySeconds: -1 })).rejects.toThrow(/visibilityDelaySeconds must be a whole number from 0 to 604800/);
    expect(await drain(client)).toStrictEqual([]);
  });

  test('reports per-item failures without stopping the rest', async () => {
    const ghost = new EvaluationQueue(QueueServiceClient.fromConnectionString(harness.azurite.connectionString).getQueueClient('no-such-queue'));

    const result = await ghost.enqueueMany([item('aks-g1'), item('aks-g2')]);

    expect(result).toMatchObject({ enqueued: 0, failed: 2 });
    expect(result.errors[0]?.message).toMatch(/send message on no-such-queue ".*aks-g\d" failed \(404/);
  });
});
