// `aks-baseline-guard rollout status|approve|halt|resume`, run as the installed command would be (a child process)
// against a real Azurite: the same record the app keeps, the caller recorded, refusals with exit code 1 and a rollout
// the baseline does not have with exit code 2.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startAzurite, type Azurite } from '../../../dev/azurite.js';
import { createStorageClients, createTableComplianceStore, ensureTables } from '../../../src/azure/storage/index.js';
import { loadConfig } from '../../../src/config.js';
import type { RolloutStatusView } from '../../../src/pipeline/rollouts.js';
import { compiled } from '../../support/paths.js';
import { runChild, type FinishedChild } from '../../support/processes.js';

const CLI = compiled('src/cli/main.js');
const SUBSCRIPTION = '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c';
const clusterId = (name: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-payments/providers/Microsoft.ContainerService/managedClusters/${name}`;
const RUN_TIMEOUT = 30_000;
const TEST_TIMEOUT = 90_000;
/** Who the command records when --by is not given. */
const ME = `cli:${userInfo().username}`;
const START_TIMEOUT = 45_000;

const BASELINE = {
  version: 1,
  rules: { managedIdentity: { mode: 'approval' } },
  rollouts: [{ name: 'mi-migration', actions: ['enable-managed-identity'], waves: [{ name: 'canary', match: { tags: { ring: 'canary' } } }], maxFailures: '10%' }],
};

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: build first (\`npm run build\`, which \`npm test\` runs before Jest)`);
});

describe('rollout status|approve|halt|resume', () => {
  let azurite: Azurite;
  let dir: string;
  let baselineFile: string;

  const run = (args: string[]): Promise<FinishedChild> =>
    runChild(process.execPath, [CLI, 'rollout', ...args, '--baseline', baselineFile], {
      env: { PATH: process.env.PATH ?? '', AzureWebJobsStorage: azurite.connectionString },
      timeoutMs: RUN_TIMEOUT,
    });
  const json = (finished: FinishedChild): RolloutStatusView => JSON.parse(finished.stdout) as RolloutStatusView;

  beforeAll(async () => {
    azurite = await startAzurite();
    dir = mkdtempSync(path.join(tmpdir(), 'rollout-cli-'));
    baselineFile = path.join(dir, 'baseline.json');
    writeFileSync(baselineFile, JSON.stringify(BASELINE));
  }, START_TIMEOUT);
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await azurite?.stop();
  });

  test(
    'shows a rollout, approves its waiting wave once as the caller, halts and resumes it, and refuses what cannot be done',
    async () => {
      const notStarted = await run(['status', 'mi-migration', '--format', 'json']);
      expect(notStarted.code).toBe(0);
      expect(json(notStarted)).toMatchObject({ status: 'NotStarted', waves: [{ name: 'canary', clusters: 0 }, { name: 'remaining', clusters: 0 }] });
      const tooEarly = await run(['approve', 'mi-migration']);
      expect({ code: tooEarly.code, stderr: tooEarly.stderr }).toStrictEqual({ code: 2, stderr: expect.stringContaining('has not started') });
      const unknown = await run(['status', 'mi-elsewhere']);
      expect({ code: unknown.code, stderr: unknown.stderr }).toStrictEqual({ code: 2, stderr: expect.stringContaining('the baseline has no rollout "mi-elsewhere"; it has mi-migration') });

      // The app's worker has found two clusters: the record and its members, as the app writes them.
      const config = loadConfig({ AzureWebJobsStorage: azurite.connectionString });
      const clients = createStorageClients(config.storage);
      await ensureTables(clients);
      const store = createTableComplianceStore(clients);
      await store.createRollout({ rolloutId: 'mi-migration', status: 'Running', createdAt: '2026-03-02T01:00:00.000Z', waves: [{ name: 'canary' }, { name: 'remaining' }] });
      await store.putMember('mi-migration', { clusterId: clusterId('aks-canary'), wave: 0, status: 'Pending', registeredAt: '2026-03-02T01:00:00.000Z' });
      await store.putMember('mi-migration', { clusterId: clusterId('aks-pay'), wave: 1, status: 'Pending', registeredAt: '2026-03-02T01:00:00.000Z' });

      const approved = await run(['approve', 'mi-migration', '--by', 'alex.kim@contoso.com', '--format', 'json']);
      expect({ code: approved.code, stderr: approved.stderr }).toStrictEqual({ code: 0, stderr: 'wave canary approved by alex.kim@contoso.com\n' });
      expect(json(approved).waves[0]).toMatchObject({ name: 'canary', approvedBy: 'alex.kim@contoso.com', open: true, pending: 1 });
      const again = await run(['approve', 'mi-migration']);
      expect({ code: again.code, stderr: again.stderr }).toStrictEqual({ code: 1, stderr: expect.stringContaining('wave canary is already approved and running') });

      const halted = await run(['halt', 'mi-migration', '--reason', 'change freeze']);
      expect(halted.code).toBe(0);
      expect(halted.stdout).toContain('Halted at');
      expect(halted.stdout).toContain(`by ${ME}: change freeze`);
      expect((await run(['halt', 'mi-migration'])).code).toBe(1);

      const resumed = await run(['resume', 'mi-migration', '--format', 'json']);
      expect(resumed.code).toBe(0);
      expect(json(resumed)).toMatchObject({ status: 'Running', resume: { by: ME, failuresBefore: 0 } });
      expect((await run(['resume', 'mi-migration'])).code).toBe(1);

      const table = await run(['status', 'mi-migration']);
      expect(table.stdout).toContain('Rollout mi-migration: Running, current wave canary');
      expect(table.stdout).toMatch(/canary\s*│ 1\s*│ 1\s*│ 0\s*│ 0\s*│ 0\s*│ running\s*│ alex\.kim@contoso\.com/);
    },
    TEST_TIMEOUT,
  );
});
