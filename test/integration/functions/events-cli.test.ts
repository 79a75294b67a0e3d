// `aks-baseline-guard events inspect|replay`, run as the installed command would be (a child process): one
// decision per event, malformed events reported with their exact problem, dead-letter blobs read, and replay
// going through the same intake as onResourceEvent against a real Azurite.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type Azurite } from '../../../dev/azurite.js';
import { QUEUE_NAMES } from '../../../src/names.js';
import { APP_IDENTITY, OTHER_IDENTITY } from '../../support/driver.js';
import { asCloudEvent, clusterWriteEvent, EVENT_FIXTURES, fixtureEvent } from '../../support/events.js';

const CLI = path.resolve('dist/src/cli/main.js');
const SUBSCRIPTION = '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c';
const CLUSTER = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-payments-prod/providers/Microsoft.ContainerService/managedClusters/aks-payments-prod-01`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  // Only what the command needs: no storage or identity settings leak in from the environment running the tests.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...options.env };
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

interface Row {
  id: string | null;
  type: string | null;
  accepted: boolean;
  clusterId: string | null;
  reason: string;
  outcome?: string;
}

/** A dead-letter blob: the events as Event Grid delivered them, with its delivery metadata added. */
function deadLetter(events: Record<string, unknown>[]): Record<string, unknown>[] {
  return events.map((event) => ({
    ...event,
    deadLetterReason: 'MaxDeliveryAttemptsExceeded',
    deliveryAttempts: 10,
    lastDeliveryOutcome: 'Probation',
    lastHttpStatusCode: 503,
    publishTime: '2026-01-15T10:00:01.0000000Z',
    lastDeliveryAttemptTime: '2026-01-15T13:58:12.0000000Z',
  }));
}

describe('events inspect', () => {
  let dir: string;
  const file = (name: string, content: unknown): string => {
    const target = path.join(dir, name);
    writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content));
    return target;
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'events-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one decision per event of a dead-letter blob, reading past malformed events', async () => {
    const noSource = asCloudEvent(clusterWriteEvent(CLUSTER, OTHER_IDENTITY, { id: 'cloud-no-source' }));
    delete noSource['source'];
    const oldSpec = { ...asCloudEvent(clusterWriteEvent(CLUSTER, OTHER_IDENTITY, { id: 'cloud-old-spec' })), specversion: '0.3' };
    const noTime = clusterWriteEvent(CLUSTER, OTHER_IDENTITY, { id: 'eg-no-time' });
    delete noTime['eventTime'];
    const blob = deadLetter([
      clusterWriteEvent(CLUSTER, OTHER_IDENTITY, { id: 'eg-cluster-write' }),
      noSource,
      fixtureEvent(EVENT_FIXTURES.extensionDelete),
      oldSpec,
      noTime,
      fixtureEvent('eventgrid/ResourceWriteSuccess.eventgrid-schema.docs.json'),
      asCloudEvent(clusterWriteEvent(CLUSTER, APP_IDENTITY, { id: 'cloud-own-write' })),
    ]);
    const result = await run(['events', 'inspect', file('dead-letter.json', blob), '--format', 'json'], { env: { AZURE_CLIENT_ID: APP_IDENTITY.appId } });
    assert.equal(result.code, 0, result.stderr);
    const rows = JSON.parse(result.stdout) as Row[];
    assert.equal(rows.length, 7);
    for (const row of rows) assert.deepEqual(Object.keys(row).sort(), ['accepted', 'clusterId', 'id', 'reason', 'type']);
    const [write, missingSource, extensionDelete, badSpec, missingTime, storage, own] = rows;
    assert.deepEqual(write, { id: 'eg-cluster-write', type: 'Microsoft.Resources.ResourceWriteSuccess', accepted: true, clusterId: write?.clusterId ?? null, reason: 'accepted: cluster write' });
    assert.equal(write?.clusterId?.toLowerCase(), CLUSTER.toLowerCase());
    assert.equal(missingSource?.accepted, false);
    assert.match(missingSource?.reason ?? '', /^malformed: .*'source'/);
    assert.equal(extensionDelete?.accepted, true);
    assert.match(extensionDelete?.clusterId ?? '', /\/managedClusters\/clustername1$/i, 'an extension event maps to its cluster');
    assert.equal(badSpec?.accepted, false);
    assert.match(badSpec?.reason ?? '', /^malformed: .*Cloud Event 1\.0/);
    assert.equal(missingTime?.accepted, false);
    assert.match(missingTime?.reason ?? '', /^malformed: .*'eventTime'/);
    assert.equal(storage?.accepted, false);
    assert.match(storage?.reason ?? '', /^ignored: operation Microsoft\.Storage\/storageAccounts\/write is not a managed cluster/);
    assert.equal(own?.accepted, true);
    assert.match(own?.reason ?? '', /own identity/);
  });

  it('prints a table by default, reads standard input, and accepts a single event', async () => {
    const single = await run(['events', 'inspect', '-'], { input: JSON.stringify(clusterWriteEvent(CLUSTER, OTHER_IDENTITY, { id: 'stdin-event' })) });
    assert.equal(single.code, 0, single.stderr);
    assert.match(single.stdout, /stdin-event/);
    assert.match(single.stdout, /1 event, 1 accepted/);
    const none = await run(['events', 'inspect', file('empty-array.json', [])]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no events/);
  });

  it('exits 2 on a file that cannot be read or is not JSON', async () => {
    const missing = await run(['events', 'inspect', path.join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json: cannot read: no such file/);
    const notJson = await run(['events', 'inspect', file('broken.json', '[{"id": ')]);
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /broken\.json: is not valid JSON/);
    const badFormat = await run(['events', 'inspect', file('ok.json', []), '--format', 'yaml']);
    assert.equal(badFormat.code, 2);
  });
});

describe('events replay', { timeout: 60_000 }, () => {
  let azurite: Azurite;
  let dir: string;
  let blobFile: string;
  const env = (): Record<string, string> => ({
    AZURE_CLIENT_ID: APP_IDENTITY.appId,
    SELF_PRINCIPAL_ID: APP_IDENTITY.objectId,
    TARGET_SUBSCRIPTION_IDS: SUBSCRIPTION,
    COALESCE_WINDOW_SECONDS: '1',
  });

  before(async () => {
    azurite = await startAzurite();
    dir = mkdtempSync(path.join(tmpdir(), 'events-replay-'));
    blobFile = path.join(dir, 'dead-letter.json');
    const other = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-search-dev/providers/Microsoft.ContainerService/managedClusters/aks-search-dev-02`;
    writeFileSync(
      blobFile,
      JSON.stringify(
        deadLetter([
          clusterWriteEvent(CLUSTER, OTHER_IDENTITY, { id: 'replay-1' }),
          clusterWriteEvent(CLUSTER, OTHER_IDENTITY, { id: 'replay-2' }),
          clusterWriteEvent(other, OTHER_IDENTITY, { id: 'replay-3' }),
          clusterWriteEvent(CLUSTER, APP_IDENTITY, { id: 'replay-own' }),
          fixtureEvent(EVENT_FIXTURES.clusterWrite),
        ]),
      ),
    );
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await azurite?.stop();
  });

  it('runs accepted events through the intake: enqueue, coalesce, confirm, ignore; a second replay finds duplicates', async () => {
    const first = await run(['events', 'replay', blobFile, '--format', 'json', '--storage-connection-string', azurite.connectionString], { env: env() });
    assert.equal(first.code, 0, first.stderr);
    const rows = JSON.parse(first.stdout) as Row[];
    assert.deepEqual(
      rows.map((row) => [row.id, row.outcome]),
      [
        ['replay-1', 'enqueued'],
        ['replay-2', 'coalesced'],
        ['replay-3', 'enqueued'],
        ['replay-own', 'confirmation'],
        ['44444444-4444-4444-4444-444444444444', 'ignored'],
      ],
    );
    assert.match(rows[4]?.reason ?? '', /not in TARGET_SUBSCRIPTION_IDS/);

    const queue = new QueueClient(azurite.connectionString, QUEUE_NAMES.evaluations);
    assert.equal((await queue.getProperties()).approximateMessagesCount, 2);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const received = await queue.receiveMessages({ numberOfMessages: 10 });
    const items = received.receivedMessageItems.map((message) => JSON.parse(Buffer.from(message.messageText, 'base64').toString('utf8')) as { clusterId: string; cause: { kind: string; id: string } });
    assert.deepEqual(items.map((item) => [item.cause.kind, item.cause.id]).sort(), [['event', 'replay-1'], ['event', 'replay-3']]);

    const second = await run(['events', 'replay', blobFile, '--format', 'json'], { env: { ...env(), AzureWebJobsStorage: azurite.connectionString } });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual((JSON.parse(second.stdout) as Row[]).map((row) => row.outcome), ['duplicate', 'duplicate', 'duplicate', 'duplicate', 'ignored']);
  });

  it('exits 2 naming the setting when no storage is configured', async () => {
    const result = await run(['events', 'replay', blobFile], { env: env() });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /AzureWebJobsStorage/);
  });
});
