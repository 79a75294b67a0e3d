// `aks-baseline-guard events inspect|replay`, run as the installed command would be (a child process): one
// decision per event, malformed events reported with their exact problem, dead-letter blobs read, and replay
// going through the same intake as onResourceEvent against a real Azurite.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type Azurite } from '../../../dev/azurite.js';
import { QUEUE_NAMES } from '../../../src/names.js';
import { APP_IDENTITY, OTHER_IDENTITY } from '../../support/driver.js';
import { asCloudEvent, clusterWriteEvent, EVENT_FIXTURES, fixtureEvent } from '../../support/events.js';
import { compiled } from '../../support/paths.js';
import { runChild, type FinishedChild } from '../../support/processes.js';

/** The command as `npm test` builds it (a lone `npx jest` uses whatever dist/ holds: build first). */
const CLI = compiled('src/cli/main.js');
const SUBSCRIPTION = '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c';
const CLUSTER = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-payments-prod/providers/Microsoft.ContainerService/managedClusters/aks-payments-prod-01`;
/** One run of the command; it is killed, and the test fails naming its output, past this. */
const RUN_TIMEOUT = 30_000;
/** A test that runs the command several times. */
const TEST_TIMEOUT = 60_000;
/** Azurite gives up after 30 s by itself. */
const START_TIMEOUT = 45_000;

/** Runs the command with only the settings it needs: no storage or identity settings leak in from the environment running the tests. */
function run(args: string[], options: { env?: Record<string, string> } = {}): Promise<FinishedChild> {
  return runChild(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...options.env }, timeoutMs: RUN_TIMEOUT });
}

/** The same with `input` on its standard input (runChild gives the child none). */
function runWithInput(args: string[], input: string): Promise<FinishedChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`\`${args.join(' ')}\` did not exit within ${RUN_TIMEOUT} ms\nstderr: ${stderr}\nstdout: ${stdout}`));
    }, RUN_TIMEOUT);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A child that exits without reading its input closes the pipe; its exit code tells what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The exit code; a mismatch shows what the command printed on stderr. */
function expectExitCode(finished: FinishedChild, code: number): void {
  expect({ code: finished.code, stderr: finished.stderr }).toStrictEqual(expect.objectContaining({ code }));
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

// A missing build fails every test at once, saying so.
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: build first (\`npm run build\`, which \`npm test\` runs before Jest)`);
});

describe('events inspect', () => {
  let dir: string;
  const file = (name: string, content: unknown): string => {
    const target = path.join(dir, name);
    writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content));
    return target;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'events-cli-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('prints one decision per event of a dead-letter blob, reading past malformed events', async () => {
    // Prepare: a dead-letter blob with good, malformed, foreign and own events, in both schemas
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

    // Act
    const result = await run(['events', 'inspect', file('dead-letter.json', blob), '--format', 'json'], { env: { AZURE_CLIENT_ID: APP_IDENTITY.appId } });

    // Assess
    expectExitCode(result, 0);
    const rows = JSON.parse(result.stdout) as Row[];
    expect(rows).toHaveLength(7);
    for (const row of rows) expect(Object.keys(row).sort()).toStrictEqual(['accepted', 'clusterId', 'id', 'reason', 'type']);
    const [write, missingSource, extensionDelete, badSpec, missingTime, storage, own] = rows;
    expect(write).toStrictEqual({ id: 'eg-cluster-write', type: 'Microsoft.Resources.ResourceWriteSuccess', accepted: true, clusterId: write?.clusterId ?? null, reason: 'accepted: cluster write' });
    expect(write?.clusterId?.toLowerCase()).toBe(CLUSTER.toLowerCase());
    expect(missingSource?.accepted).toBe(false);
    expect(missingSource?.reason).toMatch(/^malformed: .*'source'/);
    expect(extensionDelete?.accepted).toBe(true);
    // An extension event maps to its cluster.
    expect(extensionDelete?.clusterId).toMatch(/\/managedClusters\/clustername1$/i);
    expect(badSpec?.accepted).toBe(false);
    expect(badSpec?.reason).toMatch(/^malformed: .*Cloud Event 1\.0/);
    expect(missingTime?.accepted).toBe(false);
    expect(missingTime?.reason).toMatch(/^malformed: .*'eventTime'/);
    expect(storage?.accepted).toBe(false);
    expect(storage?.reason).toMatch(/^ignored: operation Microsoft\.Storage\/storageAccounts\/write is not a managed cluster/);
    expect(own?.accepted).toBe(true);
    expect(own?.reason).toMatch(/own identity/);
  });

  test(
    'prints a table by default, reads standard input, and accepts a single event',
    async () => {
      // Act
      const single = await runWithInput(['events', 'inspect', '-'], JSON.stringify(clusterWriteEvent(CLUSTER, OTHER_IDENTITY, { id: 'stdin-event' })));
      const none = await run(['events', 'inspect', file('empty-array.json', [])]);

      // Assess
      expectExitCode(single, 0);
      expect(single.stdout).toMatch(/stdin-event/);
      expect(single.stdout).toMatch(/1 event, 1 accepted/);
      expectExitCode(none, 0);
      expect(none.stdout).toMatch(/no events/);
    },
    TEST_TIMEOUT,
  );

  test(
    'exits 2 on a file that cannot be read or is not JSON',
    async () => {
      // Act
      const missing = await run(['events', 'inspect', path.join(dir, 'nope.json')]);
      const notJson = await run(['events', 'inspect', file('broken.json', '[{"id": ')]);
      const badFormat = await run(['events', 'inspect', file('ok.json', []), '--format', 'yaml']);

      // Assess
      expectExitCode(missing, 2);
      expect(missing.stderr).toMatch(/nope\.json: cannot read: no such file/);
      expectExitCode(notJson, 2);
      expect(notJson.stderr).toMatch(/broken\.json: is not valid JSON/);
      expectExitCode(badFormat, 2);
    },
    TEST_TIMEOUT,
  );
});

describe('events replay', () => {
  let azurite: Azurite | undefined;
  let dir: string | undefined;
  let blobFile: string;
  const env = (): Record<string, string> => ({
    AZURE_CLIENT_ID: APP_IDENTITY.appId,
    SELF_PRINCIPAL_ID: APP_IDENTITY.objectId,
    TARGET_SUBSCRIPTION_IDS: SUBSCRIPTION,
    COALESCE_WINDOW_SECONDS: '1',
  });
  const connectionString = (): string => {
    if (!azurite) throw new Error('Azurite is not running');
    return azurite.connectionString;
  };

  beforeAll(async () => {
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
  }, START_TIMEOUT);

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await azurite?.stop();
  });

  test(
    'runs accepted events through the intake: enqueue, coalesce, confirm, ignore; a second replay finds duplicates',
    async () => {
      // Act: the first replay, with the connection string as a flag
      const first = await run(['events', 'replay', blobFile, '--format', 'json', '--storage-connection-string', connectionString()], { env: env() });

      // Assess
      expectExitCode(first, 0);
      const rows = JSON.parse(first.stdout) as Row[];
      expect(rows.map((row) => [row.id, row.outcome])).toStrictEqual([
        ['replay-1', 'enqueued'],
        ['replay-2', 'coalesced'],
        ['replay-3', 'enqueued'],
        ['replay-own', 'confirmation'],
        ['44444444-4444-4444-4444-444444444444', 'ignored'],
      ]);
      expect(rows[4]?.reason).toMatch(/not in TARGET_SUBSCRIPTION_IDS/);
      // Two work items on the events lane, visible at once (the first event of a cluster is never delayed).
      const queue = new QueueClient(connectionString(), QUEUE_NAMES.events);
      expect((await queue.getProperties()).approximateMessagesCount).toBe(2);
      const received = await queue.receiveMessages({ numberOfMessages: 10 });
      const items = received.receivedMessageItems.map(
        (message) => JSON.parse(Buffer.from(message.messageText, 'base64').toString('utf8')) as { clusterId: string; cause: { kind: string; id: string } },
      );
      expect(items.map((item) => [item.cause.kind, item.cause.id]).sort()).toStrictEqual([
        ['event', 'replay-1'],
        ['event', 'replay-3'],
      ]);

      // Act: the same blob again, with the connection string as the app setting
      const second = await run(['events', 'replay', blobFile, '--format', 'json'], { env: { ...env(), AzureWebJobsStorage: connectionString() } });

      // Assess
      expectExitCode(second, 0);
      expect((JSON.parse(second.stdout) as Row[]).map((row) => row.outcome)).toStrictEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'ignored']);
    },
    TEST_TIMEOUT,
  );

  test('exits 2 naming the setting when no storage is configured', async () => {
    const result = await run(['events', 'replay', blobFile], { env: env() });

    expectExitCode(result, 2);
    expect(result.stderr).toMatch(/AzureWebJobsStorage/);
  });
});
