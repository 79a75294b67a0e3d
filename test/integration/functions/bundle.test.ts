// The deployment bundle (scripts/bundle.mjs, package.json "main") works as the host runs it: laid out as the package
// is (package.json and baselines/ at the root, the bundle in dist/app, applicationinsights installed beside it), loaded
// in a fresh Node process with nothing but app settings, against Azurite and the ARM emulator. An event handed to the
// bundled onResourceEvent is enqueued on the events lane; the bundled evaluateChangedCluster takes that message, reads
// the cluster through the bundled ARM SDKs (imported on first use) and writes its state row, with telemetry on.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startAzurite, type Azurite } from '../../../dev/azurite.js';
import { APP_IDENTITY, OTHER_IDENTITY } from '../../../dev/local-app.js';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createStorageClients, createTableComplianceStore, ensureQueues, ensureTables, type StorageClients } from '../../../src/azure/storage/index.js';
import { loadConfig } from '../../../src/config.js';
import { EMULATOR_START_TIMEOUT_MS } from '../../support/emulator.js';
import { clusterWriteEvent, NO_DRIFT } from '../../support/events.js';
import { repoPath } from '../../support/paths.js';

/** Runs one bundled handler in a fresh Node process; resolves with what it returned. */
function runBundled(packageDir: string, functionName: string, input: unknown, settings: Record<string, string>): Promise<Record<string, unknown>> {
  const script = `
    import { pathToFileURL } from 'node:url';
    const module = await import(pathToFileURL(process.env.BUNDLE_ENTRY).href);
    const log = () => undefined;
    const context = { invocationId: 'bundle-test', functionName: process.env.BUNDLE_FUNCTION, triggerMetadata: { dequeueCount: 1 }, log, trace: log, debug: log, info: log, warn: log, error: (...args) => console.error(...args) };
    const result = await module[process.env.BUNDLE_FUNCTION](JSON.parse(process.env.BUNDLE_INPUT), context);
    process.stdout.write(JSON.stringify(result));
    process.exit(0);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageDir,
      env: {
        PATH: process.env['PATH'] ?? '',
        ...settings,
        BUNDLE_ENTRY: path.join(packageDir, 'dist', 'app', 'functions', `${functionName}.js`),
        BUNDLE_FUNCTION: functionName,
        BUNDLE_INPUT: JSON.stringify(input),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as Record<string, unknown>);
      else reject(new Error(`bundled ${functionName} failed (exit ${String(code)}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

describe('the deployment bundle', () => {
  let packageDir: string;
  let azurite: Azurite;
  let emulator: RunningEmulator;
  let storage: StorageClients;
  let settings: Record<string, string>;

  beforeAll(async () => {
    packageDir = mkdtempSync(path.join(tmpdir(), 'abg-bundle-'));
    const { bundleApp } = (await import(repoPath('scripts', 'bundle.mjs'))) as { bundleApp: (outdir: string) => Promise<string[]> };
    await bundleApp(path.join(packageDir, 'dist', 'app'));
    cpSync(repoPath('package.json'), path.join(packageDir, 'package.json'));
    cpSync(repoPath('baselines'), path.join(packageDir, 'baselines'), { recursive: true });
    // What stays outside the bundle is installed beside it, as npm ci --omit=dev does in the package.
    symlinkSync(repoPath('node_modules'), path.join(packageDir, 'node_modules'), 'dir');

    azurite = await startAzurite();
    emulator = await startEmulator({ throttleFactor: 0, fleet: { clusters: 1, subscriptions: 1, seed: 16, drift: NO_DRIFT } });
    settings = {
      AzureWebJobsStorage: azurite.connectionString,
      AZURE_CLIENT_ID: APP_IDENTITY.appId,
      SELF_PRINCIPAL_ID: APP_IDENTITY.objectId,
      ARM_ENDPOINT: emulator.endpoint,
      ARM_CA_FILE: emulator.caFile,
      ARM_TOKEN: emulator.tokenFor(APP_IDENTITY),
      TARGET_SUBSCRIPTION_IDS: emulator.fleet?.subscriptions.map((subscription) => subscription.subscriptionId).join(',') ?? '',
      ENTRA_AUTH_REQUIRED: 'false',
      // Telemetry on, so the installed applicationinsights loads beside the bundle; nothing listens at that endpoint.
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/',
    };
    storage = createStorageClients(loadConfig(settings).storage);
    await ensureTables(storage);
    await ensureQueues(storage);
  }, EMULATOR_START_TIMEOUT_MS);

  afterAll(async () => {
    await emulator?.stop();
    await azurite?.stop();
    if (packageDir) rmSync(packageDir, { recursive: true, force: true });
  });

  test('an event goes through the bundled intake and worker to the state row', async () => {
    // Prepare: a change by someone else on the fleet's one cluster
    const clusterId = emulator.fleet?.clusters[0]?.id ?? '';
    const event = clusterWriteEvent(clusterId, OTHER_IDENTITY);

    // Act: the intake, then the worker on the message it enqueued
    const intake = await runBundled(packageDir, 'onResourceEvent', event, settings);
    const received = await storage.eventQueue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 });
    const message = received.receivedMessageItems[0];
    const outcome = message ? await runBundled(packageDir, 'evaluateChangedCluster', message.messageText, settings) : undefined;

    // Assert
    expect(intake['outcome']).toBe('enqueued');
    expect(outcome?.['kind']).toBe('evaluated');
    const state = await createTableComplianceStore(storage).getState(clusterId);
    expect(state?.status).toBe('Compliant');
  });
});
