// Two `scan --apply --record` of the built CLI started at once on one fleet (the emulator, Azurite): each cluster is
// evaluated under the worker's per-cluster lease, so no resource is written twice, and each report (and exit code)
// describes the state after the operations finished, which the emulator confirms.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startAzurite, type Azurite } from '../../../dev/azurite.js';
import { EXEMPT_TAG, startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { evaluateSnapshot, parseCluster, parseExtensions, validateBaseline, withExtensions, type Baseline } from '../../../src/core/index.js';
import { compiled } from '../../support/paths.js';
import { runChild, type FinishedChild } from '../../support/processes.js';

const CLI = compiled('src/cli/main.js');
const START_TIMEOUT = 60_000;
const RUN_TIMEOUT = 100_000;
const TEST_TIMEOUT = 120_000;
const CLUSTERS = 40;

const BASELINE_DOCUMENT = {
  version: 1,
  rules: { managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'approval' }, workloadIdentity: { mode: 'auto' } },
  requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' }],
  excludeTags: { [EXEMPT_TAG.name]: EXEMPT_TAG.value },
};

interface JsonReport {
  summary: { clusters: number; errors: unknown[]; steps: Record<string, number>; stillRunning: unknown[] };
  clusters: { id: string; name: string; status: string; plan: { id: string; outcome: string }[] }[];
}

function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(ARM_|AzureWebJobsStorage)/.test(name)));
  return { ...clean, ...env };
}

function runCli(args: string[], env: Record<string, string>): Promise<FinishedChild> {
  return runChild(process.execPath, [CLI, ...args], { env: cliEnv(env), timeoutMs: RUN_TIMEOUT });
}

function evaluateFromEmulator(emulator: RunningEmulator, clusterId: string, baseline: Baseline): string {
  const snapshot = withExtensions(parseCluster(emulator.state.cluster(clusterId)), parseExtensions(emulator.state.extensions(clusterId)));
  return evaluateSnapshot(snapshot, baseline, { now: new Date() }).status;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: build first (\`npm run build\`, which \`npm test\` runs before Jest)`);
});

describe('two scan --apply --record at once', () => {
  let emulator: RunningEmulator;
  let azurite: Azurite;
  let workDir: string | undefined;
  let baselineFile: string;
  let env: Record<string, string>;
  const baseline = validateBaseline(BASELINE_DOCUMENT);
  /** Writes ARM accepted, per resource (its events: one per accepted write). */
  const writes = new Map<string, number>();

  beforeAll(async () => {
    [emulator, azurite] = await Promise.all([startEmulator({ fleet: { clusters: CLUSTERS, subscriptions: 2, seed: 31 }, lroDurationMs: 400 }), startAzurite()]);
    emulator.onEvent((event) => {
      if (!event.eventType.endsWith('ResourceWriteSuccess')) return;
      const resource = event.subject.toLowerCase();
      writes.set(resource, (writes.get(resource) ?? 0) + 1);
    });
    workDir = await mkdtemp(path.join(tmpdir(), 'scan-concurrent-'));
    baselineFile = path.join(workDir, 'baseline.json');
    await writeFile(baselineFile, JSON.stringify(BASELINE_DOCUMENT));
    env = { ARM_ENDPOINT: emulator.endpoint, ARM_CA_FILE: emulator.caFile, ARM_TOKEN: emulator.token, AzureWebJobsStorage: azurite.connectionString };
  }, START_TIMEOUT);

  afterAll(async () => {
    await Promise.all([emulator?.stop(), azurite?.stop(), workDir ? rm(workDir, { recursive: true, force: true }) : undefined]);
  });

  test(
    'write no resource twice, and both reports match the final state',
    async () => {
      // Act
      const args = ['scan', '--apply', '--record', '--baseline', baselineFile, '--format', 'json', '--concurrency', '8', '--poll-interval', '0.05', '--busy-delay', '1'];
      const runs = await Promise.all([runCli(args, env), runCli(args, env)]);

      // Assess: each resource written at most once (each fix applied by one of the two), and something was written
      expect([...writes.entries()].filter(([, count]) => count > 1)).toStrictEqual([]);
      expect(writes.size).toBeGreaterThan(0);
      expect(emulator.state.runningOperations).toBe(0);
      const reports = runs.map((run) => {
        expect(run.stderr).not.toMatch(/unexpected error|Unhandled|TypeError|at .*\.js:\d+/);
        return JSON.parse(run.stdout) as JsonReport;
      });
      const applied = reports.flatMap((report) => report.clusters.flatMap((cluster) => cluster.plan.filter((step) => step.outcome === 'applied').map((step) => `${cluster.id} ${step.id}`)));
      // The steps the two applied together: each once, and as many as ARM accepted.
      expect(new Set(applied).size).toBe(applied.length);
      expect(applied).toHaveLength([...writes.values()].reduce((sum, count) => sum + count, 0));
      for (const [index, report] of reports.entries()) {
        expect(report.summary.clusters).toBe(CLUSTERS);
        expect(report.summary.errors).toStrictEqual([]);
        expect(report.summary.stillRunning).toStrictEqual([]);
        // Every cluster's status in the report is what the emulator holds now.
        expect(report.clusters.map((cluster) => [cluster.name, evaluateFromEmulator(emulator, cluster.id, baseline)])).toStrictEqual(
          report.clusters.map((cluster) => [cluster.name, cluster.status]),
        );
        // The exit code follows the report: 1 while approvals are pending (the fleet has pod identity and service principals).
        const passing = report.clusters.every((cluster) => ['Compliant', 'NotApplicable', 'Exempt'].includes(cluster.status));
        expect({ run: index, code: runs[index]?.code }).toStrictEqual({ run: index, code: passing ? 0 : 1 });
      }
    },
    TEST_TIMEOUT,
  );
});
