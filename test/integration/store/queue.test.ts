import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { EvaluationQueue, InvalidWorkItemError, parseWorkItem } from '../../../src/azure/storage/queue.js';
import { QUEUE_NAMES } from '../../../src/names.js';
import type { EvaluationWorkItem } from '../../../src/ports.js';
import { at, cause, clusterId, startStoreHarness, type StoreHarness } from '../../support/store.js';

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

  before(async () => {
    harness = await startStoreHarness();
    client = harness.clients.evaluationQueue;
    queue = new EvaluationQueue(client);
  });
  after(async () => {
    await harness?.azurite.stop();
  });

  it('uses the shared queue name', () => {
    assert.equal(client.name, QUEUE_NAMES.evaluations);
  });

  it('round-trips a work item as base64 JSON', async () => {
    const sent = item('aks-roundtrip', { approvals: ['mi:enable-managed-identity'], attempt: 1 });
    await queue.enqueue(sent);
    const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32 });
    assert.equal(receivedMessageItems.length, 1);
    const text = receivedMessageItems[0]!.messageText;
    assert.deepEqual(JSON.parse(Buffer.from(text, 'base64').toString('utf8')), sent, 'the text is base64 of the JSON');
    assert.deepEqual(parseWorkItem(text), sent);
    await client.deleteMessage(receivedMessageItems[0]!.messageId, receivedMessageItems[0]!.popReceipt);
  });

  it('keeps a delayed message invisible until its delay has passed', async () => {
    await queue.enqueue(item('aks-delayed'), { visibilityDelaySeconds: 2 });
    const sentAt = Date.now();
    assert.deepEqual(await drain(client), [], 'not visible yet');
    await new Promise((resolve) => setTimeout(resolve, 2_300 - (Date.now() - sentAt)));
    assert.deepEqual(
      (await drain(client)).map((received) => received.clusterId),
      [clusterId('aks-delayed')],
    );
  });

  it('sends many in parallel and reports counts', async () => {
    const items = Array.from({ length: 50 }, (_, i) => item(`aks-bulk-${i}`));
    const result = await queue.enqueueMany(items, { concurrency: 8 });
    assert.deepEqual(result, { enqueued: 50, failed: 0, errors: [] });
    const received = await drain(client);
    assert.deepEqual(received.map((r) => r.clusterId).sort(), items.map((i) => i.clusterId).sort());
  });

  it('sends nothing when any item is invalid, and names it', async () => {
    const items = [item('aks-ok'), { ...item('aks-bad'), cause: { kind: 'nope', id: 'x' } } as unknown as EvaluationWorkItem];
    await assert.rejects(queue.enqueueMany(items), (error: unknown) => error instanceof InvalidWorkItemError && /items\[1\]: .*"cause.kind"/.test(error.message));
    await assert.rejects(queue.enqueue(item('aks-x'), { visibilityDelaySeconds: -1 }), /visibilityDelaySeconds must be a whole number from 0 to 604800/);
    assert.deepEqual(await drain(client), []);
  });

  it('reports per-item failures without stopping the rest', async () => {
    const ghost = new EvaluationQueue(QueueServiceClient.fromConnectionString(harness.azurite.connectionString).getQueueClient('no-such-queue'));
    const result = await ghost.enqueueMany([item('aks-g1'), item('aks-g2')]);
    assert.equal(result.enqueued, 0);
    assert.equal(result.failed, 2);
    assert.match(result.errors[0]?.message ?? '', /send message on no-such-queue ".*aks-g\d" failed \(404/);
  });
});
