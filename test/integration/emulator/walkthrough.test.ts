// The "done when": `npm run emulator -- --clusters 200 --subscriptions 4` and the plain SDK
// walkthrough script against it, as a user would run them; plus the same walkthrough in process.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runWalkthrough } from '../../../emulator/examples/sdk-walkthrough.js';
import { startEmulator } from '../../../emulator/index.js';

const MAIN = fileURLToPath(new URL('../../../emulator/main.js', import.meta.url));
const WALKTHROUGH = fileURLToPath(new URL('../../../emulator/examples/sdk-walkthrough.js', import.meta.url));

async function firstLines(child: ChildProcess, count: number): Promise<string[]> {
  let text = '';
  for await (const chunk of child.stdout ?? []) {
    text += String(chunk);
    if (text.split('\n').length > count) break;
  }
  return text.split('\n').slice(0, count);
}

describe('the SDK walkthrough', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('runs against `emulator/main.js --clusters 200 --subscriptions 4`, which then stops cleanly on SIGTERM', async () => {
    const emulator = spawn(process.execPath, [MAIN, '--clusters', '200', '--subscriptions', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(emulator);
    const lines = await firstLines(emulator, 5);
    assert.match(lines[0] ?? '', /^ARM_ENDPOINT=https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(lines[1] ?? '', /^ARM_CA_FILE=.+\.pem$/);
    assert.match(lines[2] ?? '', /^ARM_TOKEN=\S+$/);
    assert.match(lines[3] ?? '', /^ARM_SUBSCRIPTION_IDS=([0-9a-f-]{36},){3}[0-9a-f-]{36}$/);
    assert.match(lines[4] ?? '', /^# ARM emulator: 200 clusters .* in 4 subscriptions/);
    const environment = Object.fromEntries(lines.slice(0, 4).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

    const script = spawn(process.execPath, [WALKTHROUGH], { env: { ...process.env, ...environment }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(script);
    let output = '';
    script.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    script.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(script, 'exit')) as [number];
    assert.equal(code, 0, output);
    assert.match(output, /listed 200 clusters in 4 subscriptions/);
    assert.match(output, /enabled managed identity on \S+: identity SystemAssigned/);
    assert.match(output, /got HTTP 412/);
    assert.match(output, /event Microsoft\.Resources\.ResourceWriteSuccess \(Microsoft\.ContainerService\/managedClusters\/write\)/);
    assert.match(output, /event Microsoft\.Resources\.ResourceWriteSuccess \(Microsoft\.KubernetesConfiguration\/extensions\/write\)/);

    emulator.kill('SIGTERM');
    const [exitCode] = (await once(emulator, 'exit')) as [number];
    assert.equal(exitCode, 0);
    assert.ok(!existsSync(environment['ARM_CA_FILE'] ?? ''), 'the certificate file is removed on stop');
  });

  it('exits 2 with one line on a bad flag', async () => {
    const child = spawn(process.execPath, [MAIN, '--clusters', 'many'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 2);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /--clusters.*'many'/);
  });

  it('returns what each step saw when run in process', async () => {
    const emulator = await startEmulator({ fleet: { clusters: 200, subscriptions: 4, seed: 12 }, lroDurationMs: 30 });
    try {
      const result = await runWalkthrough(
        { endpoint: emulator.endpoint, ca: emulator.ca, token: emulator.token, subscriptionIds: emulator.state.subscriptions() },
        () => undefined,
      );
      assert.equal(result.clustersListed, 200);
      assert.equal(result.pagesRead, 4);
      assert.equal(result.identityAfter, 'SystemAssigned');
      assert.equal(result.staleETagStatus, 412);
      assert.equal((emulator.state.cluster(result.inspectedCluster)?.['identity'] as { type: string }).type, 'SystemAssigned');
      assert.ok(emulator.state.extension(result.inspectedCluster, result.installedExtension));
      assert.deepEqual(
        result.events.map((event) => event.operationName),
        ['Microsoft.ContainerService/managedClusters/write', 'Microsoft.KubernetesConfiguration/extensions/write'],
      );
    } finally {
      await emulator.stop();
    }
  });
});
