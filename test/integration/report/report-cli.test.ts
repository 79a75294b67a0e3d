// The built CLI's `report`, run as a user would, against a store in Azurite: rows written in the Table adapter's layout
// (a sample read back through the adapter proves it) plus a few through the adapter's own write paths, then the page
// written to a file (or stdout) and checked in headless Chromium against the rows; bad input gets one line and exit 2.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { checkReportInBrowser } from '../../../demo/browserCheck.js';
import type { ComplianceStore } from '../../../src/ports.js';
import { compiled } from '../../support/paths.js';
import { runChild, type FinishedChild } from '../../support/processes.js';
import { expectationFor, generateFleet, seedTables, type GeneratedFleet } from '../../support/report-fleet.js';
import { STORE_START_TIMEOUT_MS, startStoreHarness, type StoreHarness } from '../../support/store.js';

/** The CLI as `npm test` builds it (a lone `npx jest` uses whatever dist/ holds: build first). */
const CLI = compiled('src/cli/main.js');
const RUN_TIMEOUT = 60_000;
const BROWSER_TIMEOUT = 60_000;

/** The environment of the tests without their storage and app settings, plus `env`. */
function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AzureWebJobsStorage|BASELINE_PATH|ENTRA_AUTH_REQUIRED|EXEMPTION_EXPIRY_NOTICE_DAYS)/.test(name)));
  return { ...clean, ...env };
}

function report(args: string[], env: Record<string, string> = {}): Promise<FinishedChild> {
  return runChild(process.execPath, [CLI, 'report', ...args], { env: cliEnv(env), timeoutMs: RUN_TIMEOUT });
}

/** The exit code; a mismatch shows what the CLI printed on stderr. */
function expectExitCode(run: FinishedChild, code: number): void {
  expect({ code: run.code, stderr: run.stderr }).toStrictEqual(expect.objectContaining({ code }));
}

describe('aks-baseline-guard report (built, against Azurite)', () => {
  let harness: StoreHarness;
  let store: ComplianceStore;
  let fleet: GeneratedFleet;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: build first (\`npm run build\`, which \`npm test\` runs before Jest)`);
    harness = await startStoreHarness();
    store = harness.store;
    dir = await mkdtemp(path.join(tmpdir(), 'abg-report-cli-'));
    // Prepare: 300 clusters over the last 30 days, and the last sweep through the adapter itself
    fleet = generateFleet({ clusters: 300, subscriptions: 3, seed: 21, now: new Date() });
    await seedTables(harness.clients, fleet);
    await store.startSweep({ sweepId: fleet.sweep.sweepId, trigger: 'timer', now: new Date(fleet.sweep.startedAt) });
    await store.finishSweep(fleet.sweep.sweepId, { clustersEnqueued: fleet.expected.clusters, subscriptions: [], errors: [], now: new Date(fleet.sweep.finishedAt ?? fleet.sweep.startedAt) });
  }, STORE_START_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    await harness?.azurite.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the seeded rows read back through the adapter as generated', async () => {
    const sample = [fleet.clusters[0], ...fleet.clusters.filter((cluster) => cluster.scenario === 'remediationFailed').slice(0, 2), ...fleet.clusters.filter((cluster) => cluster.scenario === 'fixed').slice(0, 2)];

    for (const cluster of sample) {
      if (!cluster) continue;
      const { clusterId } = cluster.state;
      expect(await store.getState(clusterId)).toStrictEqual(cluster.state);
      expect(await store.listHistory(clusterId, { limit: 1000 })).toStrictEqual([...cluster.history].reverse());
      const rows = await store.listRemediations(clusterId, { limit: 1000 });
      expect(rows.map(({ ref: _ref, ...row }) => row)).toStrictEqual([...cluster.remediations].reverse());
      for (const { ruleId, attempts } of cluster.attempts) expect(await store.getAttempts(clusterId, ruleId)).toStrictEqual(attempts);
    }
  });

  test(
    'writes the report of the store to --out, which Chromium shows with the counts the rows hold',
    async () => {
      // Act
      const out = path.join(dir, 'report.html');
      const run = await report(['--connection-string', harness.azurite.connectionString, '--since', '30d', '--out', out, '--app-url', 'https://func-abg.azurewebsites.net/']);

      // Assess
      expectExitCode(run, 0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(new RegExp(`^Report written to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${fleet.expected.clusters} clusters, \\d+ transitions and \\d+ remediations since .*; \\d+ KB, store read in \\d+\\.\\d s, rendered in \\d+ ms\\n$`));
      const html = await readFile(out, 'utf8');
      expect(html).toContain('devstoreaccount1 at http://127.0.0.1:');
      expect(html).not.toContain('AccountKey');
      expect(html).toContain('curl -X POST https://func-abg.azurewebsites.net/api/clusters/');
      expect(html).toContain('Last sweep');
      const check = await checkReportInBrowser(out, expectationFor(fleet, {}));
      expect(check.problems).toStrictEqual([]);
      expect(check.consoleErrors).toStrictEqual([]);
    },
    RUN_TIMEOUT + BROWSER_TIMEOUT,
  );

  test(
    'writes to stdout with --out -, reads the store from AzureWebJobsStorage, and caps the tables with --max-rows',
    async () => {
      const run = await report(['--out', '-', '--max-rows', '5', '--since', new Date(fleet.since.getTime() + 86_400_000).toISOString()], { AzureWebJobsStorage: harness.azurite.connectionString });

      expectExitCode(run, 0);
      expect(run.stdout).toMatch(/^<!doctype html>/);
      expect(run.stdout).toContain(`${fleet.expected.awaitingApprovalRules - 5} more waiting rules are counted above but not listed`);
      expect(run.stderr).toMatch(/^Report written to stdout: /);
    },
    RUN_TIMEOUT,
  );

  test(
    'refuses bad input with one line naming it and exit code 2',
    async () => {
      const cases: [string[], Record<string, string>, RegExp][] = [
        [['--since', 'yesterday'], { AzureWebJobsStorage: harness.azurite.connectionString }, /^aks-baseline-guard: --since: "yesterday" is neither a duration/],
        [['--storage-account', 'stabg', '--connection-string', 'UseDevelopmentStorage=true'], {}, /^aks-baseline-guard: --storage-account: give either --storage-account or --connection-string, not both\n$/],
        [['--storage-account', 'Not_An_Account'], {}, /^aks-baseline-guard: --storage-account: "Not_An_Account" is not a storage account name/],
        [[], {}, /^aks-baseline-guard: --storage-account: name the store: --storage-account NAME/],
        [['--connection-string', 'https://example.invalid'], {}, /^aks-baseline-guard: --connection-string: is not a storage connection string/],
        [['--max-rows', 'many'], { AzureWebJobsStorage: harness.azurite.connectionString }, /^aks-baseline-guard: --max-rows: must be a whole number from 0 to 10000, got "many"\n$/],
        [['--baseline', path.join(dir, 'missing.json')], { AzureWebJobsStorage: harness.azurite.connectionString }, /missing\.json: cannot read: no such file\n$/],
      ];
      for (const [args, env, message] of cases) {
        const run = await report(['--out', path.join(dir, 'never.html'), ...args], env);
        expectExitCode(run, 2);
        expect(run.stderr).toMatch(message);
        expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      }
      expect(existsSync(path.join(dir, 'never.html'))).toBe(false);
    },
    7 * RUN_TIMEOUT,
  );

  test(
    'says which table is missing when the account is not the app\'s store',
    async () => {
      // Prepare: a store whose tables were never created (a fresh Azurite)
      const empty = await startStoreHarnessWithoutTables();
      try {
        const run = await report(['--connection-string', empty.connectionString, '--out', path.join(dir, 'none.html')]);

        expectExitCode(run, 2);
        expect(run.stderr).toMatch(/report failed: .*(ClusterState|ClusterHistory|Remediations|Sweeps)/);
      } finally {
        await empty.stop();
      }
    },
    RUN_TIMEOUT + STORE_START_TIMEOUT_MS,
  );
});

async function startStoreHarnessWithoutTables(): Promise<{ connectionString: string; stop(): Promise<void> }> {
  const { startAzurite } = await import('../../../dev/azurite.js');
  return startAzurite({ startTimeoutInMs: 20_000 });
}
