// The "done when": `npm run emulator -- --clusters 200 --subscriptions 4` and the plain SDK
// walkthrough script against it, as a user would run them (the compiled programs in dist/); plus the same
// walkthrough in process.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, test } from '@jest/globals';
import { runWalkthrough } from '../../../emulator/examples/sdk-walkthrough.js';
import { startEmulator } from '../../../emulator/index.js';
import { builtFile, runChild, startChild, type RunningChild } from '../../support/processes.js';

/** The last of the five lines the emulator prints once it listens. */
const EMULATOR_READY = /^# ARM emulator: .*\n/m;

describe('the SDK walkthrough', () => {
  const children: RunningChild[] = [];
  afterAll(async () => {
    // Only what a failed test left running; a passing test stops its own emulator.
    await Promise.all(children.map((running) => running.stop('SIGKILL')));
  });

  test('runs against `emulator/main.js --clusters 200 --subscriptions 4`, which then stops cleanly on SIGTERM', async () => {
    // Prepare: the compiled emulator, started as `npm run emulator` would, and the environment it prints
    const emulator = await startChild(process.execPath, [builtFile('emulator/main.js'), '--clusters', '200', '--subscriptions', '4'], {
      readyWhen: EMULATOR_READY,
      timeoutMs: 30_000,
    });
    children.push(emulator);
    const lines = emulator.output.stdout.split('\n').slice(0, 5);
    expect(lines[0]).toMatch(/^ARM_ENDPOINT=https:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toMatch(/^ARM_CA_FILE=.+\.pem$/);
    expect(lines[2]).toMatch(/^ARM_TOKEN=\S+$/);
    expect(lines[3]).toMatch(/^ARM_SUBSCRIPTION_IDS=([0-9a-f-]{36},){3}[0-9a-f-]{36}$/);
    expect(lines[4]).toMatch(/^# ARM emulator: 200 clusters .* in 4 subscriptions/);
    const environment = Object.fromEntries(lines.slice(0, 4).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

    // Act: the walkthrough script with that environment, then SIGTERM to the emulator
    const script = await runChild(process.execPath, [builtFile('emulator/examples/sdk-walkthrough.js')], {
      env: { ...process.env, ...environment },
      timeoutMs: 30_000,
    });
    const stopped = await emulator.stop('SIGTERM');

    // Assess: the script succeeded (its output is in the diff when it did not) and saw every step
    const output = script.stdout + script.stderr;
    expect({ code: script.code, output }).toMatchObject({ code: 0 });
    expect(output).toMatch(/listed 200 clusters in 4 subscriptions/);
    expect(output).toMatch(/enabled managed identity on \S+: identity SystemAssigned/);
    expect(output).toMatch(/got HTTP 412/);
    expect(output).toMatch(/event Microsoft\.Resources\.ResourceWriteSuccess \(Microsoft\.ContainerService\/managedClusters\/write\)/);
    expect(output).toMatch(/event Microsoft\.Resources\.ResourceWriteSuccess \(Microsoft\.KubernetesConfiguration\/extensions\/write\)/);
    expect(stopped).toStrictEqual({ code: 0, signal: null });
    // The certificate file is removed on stop.
    expect(existsSync(environment['ARM_CA_FILE'] ?? '')).toBe(false);
  }, 60_000);

  test('exits 2 with one line on a bad flag', async () => {
    const result = await runChild(process.execPath, [builtFile('emulator/main.js'), '--clusters', 'many'], { timeoutMs: 20_000 });

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--clusters.*'many'/);
  });

  test('returns what each step saw when run in process', async () => {
    // Prepare
    const emulator = await startEmulator({ fleet: { clusters: 200, subscriptions: 4, seed: 12 }, lroDurationMs: 30 });
    try {
      // Act
      const result = await runWalkthrough(
        { endpoint: emulator.endpoint, ca: emulator.ca, token: emulator.token, subscriptionIds: emulator.state.subscriptions() },
        () => undefined,
      );

      // Assess
      expect(result.clustersListed).toBe(200);
      expect(result.pagesRead).toBe(4);
      expect(result.identityAfter).toBe('SystemAssigned');
      expect(result.staleETagStatus).toBe(412);
      expect((emulator.state.cluster(result.inspectedCluster)?.['identity'] as { type: string }).type).toBe('SystemAssigned');
      expect(emulator.state.extension(result.inspectedCluster, result.installedExtension)).toBeTruthy();
      expect(result.events.map((event) => event.operationName)).toStrictEqual([
        'Microsoft.ContainerService/managedClusters/write',
        'Microsoft.KubernetesConfiguration/extensions/write',
      ]);
    } finally {
      await emulator.stop();
    }
  });
});
