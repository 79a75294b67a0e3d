// The built CLI, run as a user would: `scan` over the emulator's fleet (real HTTPS, injected 5xx and resets,
// ARM's throttling numbers) recording into Azurite, then checked against the emulator's and the store's state.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startAzurite, type Azurite } from '../../../dev/azurite.js';
import { EXEMPT_TAG, startEmulator, type EmulatorOptions, type RunningEmulator } from '../../../emulator/index.js';
import { createStorageClients, createTableComplianceStore } from '../../../src/azure/storage/index.js';
import { evaluateSnapshot, parseCluster, parseExtensions, validateBaseline, withExtensions, type Baseline } from '../../../src/core/index.js';
import type { ComplianceStore } from '../../../src/ports.js';
import { compiled } from '../../support/paths.js';
import { runChild, type FinishedChild } from '../../support/processes.js';

/** The CLI as `npm test` builds it (a lone `npx jest` uses whatever dist/ holds: build first). */
const CLI = compiled('src/cli/main.js');
/** Starting the emulator and Azurite (which gives up after 30 s by itself). */
const START_TIMEOUT = 60_000;
/** One scan of the fleet; the CLI is killed, and the test fails naming its output, past this. */
const RUN_TIMEOUT = 90_000;
const TEST_TIMEOUT = 120_000;

const BASELINE_DOCUMENT = {
  version: 1,
  rules: { managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'approval' }, workloadIdentity: { mode: 'auto' } },
  requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' }],
  excludeTags: { [EXEMPT_TAG.name]: EXEMPT_TAG.value },
};

/** The environment of the tests without their ARM and storage settings, plus `env`. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(ARM_|AzureWebJobsStorage)/.test(name)));
  return { ...clean, ...env };
}

/** Runs the CLI to its end. */
function runCli(args: string[], env: Record<string, string>): Promise<FinishedChild> {
  return runChild(process.execPath, [CLI, ...args], { env: cliEnv(env), timeoutMs: RUN_TIMEOUT });
}

/**
 * Runs the CLI and sends it SIGINT as soon as `interruptWhen` resolves, if it is still running. `interruptWhen` gets a
 * signal that aborts when the CLI has exited, so it can stop waiting. Rejects (and kills the CLI) past RUN_TIMEOUT.
 */
function runCliInterrupted(args: string[], env: Record<string, string>, interruptWhen: (exited: AbortSignal) => Promise<void>): Promise<FinishedChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new AbortController();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`\`scan\` did not exit within ${RUN_TIMEOUT} ms\nstderr: ${stderr}`));
    }, RUN_TIMEOUT);
    interruptWhen(exited.signal).then(
      () => {
        if (!exited.signal.aborted) child.kill('SIGINT');
      },
      (error: unknown) => {
        child.kill('SIGKILL');
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      exited.abort();
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The exit code; a mismatch shows what the CLI printed on stderr. */
function expectExitCode(run: FinishedChild, code: number): void {
  expect({ code: run.code, stderr: run.stderr }).toStrictEqual(expect.objectContaining({ code }));
}

/** Starts the emulator and Azurite side by side; when either cannot start, stops the other and throws why. */
async function startBoth(options: EmulatorOptions): Promise<{ emulator: RunningEmulator; azurite: Azurite }> {
  const [emulator, azurite] = await Promise.allSettled([startEmulator(options), startAzurite()]);
  if (emulator.status === 'fulfilled' && azurite.status === 'fulfilled') return { emulator: emulator.value, azurite: azurite.value };
  await Promise.all([emulator.status === 'fulfilled' ? emulator.value.stop() : undefined, azurite.status === 'fulfilled' ? azurite.value.stop() : undefined]);
  throw emulator.status === 'rejected' ? emulator.reason : azurite.status === 'rejected' ? azurite.reason : new Error('unreachable');
}

interface JsonStep {
  id: string;
  ruleId: string;
  mode: string;
  outcome: string;
  reason?: string;
}
interface JsonCluster {
  id: string;
  name: string;
  status: string;
  initialStatus?: string;
  results: { ruleId: string; status: string; reason: string; message: string }[];
  plan: JsonStep[];
}
interface JsonReport {
  summary: {
    scanId: string;
    elapsedMs: number;
    interrupted: boolean;
    clusters: number;
    byStatus: Record<string, number>;
    steps: Record<string, number>;
    armRequests: { requests: Record<string, number>; throttled: number; serverErrors: number; connectionErrors: number };
    errors: unknown[];
  };
  clusters: JsonCluster[];
}

type Transition = Awaited<ReturnType<ComplianceStore['listHistory']>>[number];

async function allStates(store: ComplianceStore): Promise<Awaited<ReturnType<ComplianceStore['listStates']>>['items']> {
  const states = [];
  let continuationToken: string | undefined;
  do {
    const page = await store.listStates({ pageSize: 1000, ...(continuationToken ? { continuationToken } : {}) });
    states.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return states;
}

/** Evaluates a cluster from the emulator's own state, independently of what the CLI reported. */
function evaluateFromEmulator(emulator: RunningEmulator, clusterId: string, baseline: Baseline): string {
  const snapshot = withExtensions(parseCluster(emulator.state.cluster(clusterId)), parseExtensions(emulator.state.extensions(clusterId)));
  return evaluateSnapshot(snapshot, baseline, { now: new Date() }).status;
}

// A missing build fails every test at once, saying so.
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: build first (\`npm run build\`, which \`npm test\` runs before Jest)`);
});

describe('aks-baseline-guard scan (built CLI, emulator fleet, Azurite)', () => {
  let emulator: RunningEmulator;
  let azurite: Azurite;
  let workDir: string | undefined;
  let baselineFile: string;
  let env: Record<string, string>;
  const baseline = validateBaseline(BASELINE_DOCUMENT);

  beforeAll(async () => {
    ({ emulator, azurite } = await startBoth({ fleet: { clusters: 200, subscriptions: 4, seed: 4 }, faultRate: 0.1, throttleFactor: 1, lroDurationMs: 100 }));
    workDir = await mkdtemp(path.join(tmpdir(), 'scan-cli-'));
    baselineFile = path.join(workDir, 'baseline.json');
    await writeFile(baselineFile, JSON.stringify(BASELINE_DOCUMENT));
    env = { ARM_ENDPOINT: emulator.endpoint, ARM_CA_FILE: emulator.caFile, ARM_TOKEN: emulator.token, AzureWebJobsStorage: azurite.connectionString };
  }, START_TIMEOUT);

  afterAll(async () => {
    await Promise.all([emulator?.stop(), azurite?.stop(), workDir ? rm(workDir, { recursive: true, force: true }) : undefined]);
  });

  test(
    'scan --apply --record fixes every auto-fixable cluster, leaves the rest with reasons, and records every transition',
    async () => {
      // Act
      const run = await runCli(
        ['scan', '--apply', '--record', '--baseline', baselineFile, '--format', 'json', '--concurrency', '16', '--poll-interval', '0.05', '--busy-delay', '1.5'],
        env,
      );

      // Assess: the run itself
      expect(run.stderr).not.toMatch(/unexpected error|Unhandled|TypeError|at .*\.js:\d+/);
      const report = JSON.parse(run.stdout) as JsonReport;
      const { summary } = report;
      expect(summary.clusters).toBe(200);
      // 0 unhandled errors.
      expect(summary.errors).toStrictEqual([]);
      expect(summary.byStatus['Error']).toBeUndefined();
      expect(summary.elapsedMs).toBeGreaterThan(0);
      expect(summary.armRequests.requests['read']).toBeGreaterThan(200);
      expect(summary.armRequests.requests['write']).toBeGreaterThan(0);
      expect(summary.armRequests.requests['lro-poll']).toBeGreaterThan(0);
      expect(typeof summary.armRequests.throttled).toBe('number');
      // The injected faults were met and ridden out.
      expect(summary.armRequests.serverErrors + summary.armRequests.connectionErrors).toBeGreaterThan(0);
      expect(summary.steps['failed']).toBe(0);
      // Busy clusters were fixed in a later round.
      expect(summary.steps['try-later']).toBe(0);
      expect(summary.steps['applied']).toBeGreaterThan(0);

      // Assess: every cluster left NonCompliant waits for approval, and each of its findings has a step that awaits
      // approval or is blocked, with a reason...
      const nonCompliant = report.clusters.filter((cluster) => cluster.status === 'NonCompliant');
      expect(nonCompliant.filter((cluster) => !cluster.plan.some((step) => step.outcome === 'awaiting-approval')).map((cluster) => cluster.name)).toStrictEqual([]);
      for (const cluster of nonCompliant) {
        for (const result of cluster.results.filter((r) => r.status === 'NonCompliant')) {
          const step = cluster.plan.find((s) => s.ruleId === result.ruleId);
          expect({ cluster: cluster.name, rule: result.ruleId, step }).toStrictEqual({
            cluster: cluster.name,
            rule: result.ruleId,
            step: expect.objectContaining({ outcome: expect.stringMatching(/^(awaiting-approval|blocked)$/), reason: expect.stringMatching(/./) }),
          });
        }
      }
      // ...every other cluster ended Compliant, NotApplicable or Exempt, with a reason and a message for each rule...
      const others = report.clusters.filter((cluster) => cluster.status !== 'NonCompliant');
      expect(others.filter((cluster) => !['Compliant', 'NotApplicable', 'Exempt'].includes(cluster.status)).map((cluster) => [cluster.name, cluster.status])).toStrictEqual([]);
      expect(others.flatMap((cluster) => cluster.results.filter((result) => !result.reason || !result.message).map((result) => [cluster.name, result.ruleId]))).toStrictEqual([]);
      // ...and the emulator agrees, read independently of the CLI.
      expect(report.clusters.map((cluster) => [cluster.name, evaluateFromEmulator(emulator, cluster.id, baseline)])).toStrictEqual(
        report.clusters.map((cluster) => [cluster.name, cluster.status]),
      );
      // Some clusters were fixed, the fleet has exempt clusters, and every operation started was waited for.
      expect(report.clusters.some((c) => c.initialStatus === 'NonCompliant' && c.status === 'Compliant')).toBe(true);
      expect(summary.byStatus['Exempt'] ?? 0).toBeGreaterThan(0);
      expect(emulator.state.runningOperations).toBe(0);

      // Assess: the store holds the state of every cluster...
      const store = createTableComplianceStore(createStorageClients({ connectionString: azurite.connectionString }));
      const states = await allStates(store);
      expect(states).toHaveLength(200);
      const recorded = new Map(states.map((state) => [state.clusterId.toLowerCase(), state.status]));
      expect(report.clusters.map((cluster) => [cluster.name, recorded.get(cluster.id.toLowerCase())])).toStrictEqual(report.clusters.map((cluster) => [cluster.name, cluster.status]));
      // ...and its history: first seen as its initial status, every transition caused by this scan...
      const histories = new Map<string, Transition[]>();
      for (const cluster of report.clusters) histories.set(cluster.id, await store.listHistory(cluster.id, { limit: 1000 }));
      const historyOf = (cluster: JsonCluster): Transition[] => histories.get(cluster.id) ?? [];
      const overallOf = (cluster: JsonCluster): Transition[] => historyOf(cluster).filter((t) => t.ruleId === undefined);
      for (const cluster of report.clusters) {
        expect(overallOf(cluster)).toContainEqual(expect.objectContaining({ from: null, to: cluster.initialStatus }));
        expect(historyOf(cluster).filter((t) => t.cause.kind !== 'cli' || t.cause.id !== summary.scanId)).toStrictEqual([]);
      }
      // ...with the change of each cluster the scan changed...
      for (const cluster of report.clusters.filter((c) => c.initialStatus !== c.status)) {
        expect(overallOf(cluster)).toContainEqual(expect.objectContaining({ from: cluster.initialStatus, to: cluster.status }));
      }
      // ...and for every step applied, a Succeeded row, its rule's NonCompliant -> Compliant, and no intent row left open.
      for (const cluster of report.clusters.filter((c) => c.plan.some((step) => step.outcome === 'applied'))) {
        const rows = await store.listRemediations(cluster.id, { limit: 100 });
        for (const step of cluster.plan.filter((s) => s.outcome === 'applied')) {
          expect(rows).toContainEqual(expect.objectContaining({ stepId: step.id, status: 'Succeeded' }));
          expect(historyOf(cluster)).toContainEqual(expect.objectContaining({ ruleId: step.ruleId, from: 'NonCompliant', to: 'Compliant' }));
        }
        expect(rows.filter((row) => row.status === 'Started')).toStrictEqual([]);
      }
    },
    TEST_TIMEOUT,
  );

  test(
    'prints its time, requests by kind and 429s as a table, and exits 1 while approvals are pending',
    async () => {
      const run = await runCli(['scan', '--baseline', baselineFile], env);

      expectExitCode(run, 1);
      expect(run.stdout).toMatch(/^Time: \d+\.\d s/m);
      expect(run.stdout).toMatch(/Reads.*Writes.*Deletes.*LRO polls.*429s/);
      expect(run.stdout).toMatch(/Clusters by status/);
      expect(run.stdout).toMatch(/Findings by rule/);
      expect(run.stdout).toMatch(/Awaiting approval/);
      expect(run.stdout).toMatch(/awaiting-approval: rule managed-identity needs approval/);
    },
    TEST_TIMEOUT,
  );

  test(
    'applies approved steps and exits 0 once every cluster passes',
    async () => {
      const run = await runCli(
        ['scan', '--apply', '--approve', 'managed-identity', '--approve', 'no-pod-identity', '--baseline', baselineFile, '--format', 'json', '--concurrency', '16', '--poll-interval', '0.05'],
        env,
      );

      expectExitCode(run, 0);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.summary.byStatus['NonCompliant']).toBeUndefined();
      // The emulator agrees with every status reported.
      expect(report.clusters.map((cluster) => [cluster.name, evaluateFromEmulator(emulator, cluster.id, baseline)])).toStrictEqual(
        report.clusters.map((cluster) => [cluster.name, cluster.status]),
      );
    },
    TEST_TIMEOUT,
  );

  test(
    'rejects bad input before any request, with exit code 2 and a message naming the input',
    async () => {
      // Prepare
      const cases: [string[], RegExp][] = [
        [['scan', '--subscription', 'not-a-guid'], /--subscription: "not-a-guid" is not a subscription id/],
        [['scan', '--resource-group', '..'], /--resource-group: resource group name "\.\." is not valid: must be 1-90 letters/],
        [['scan', '--concurrency', '0'], /--concurrency: must be a whole number from 1 to 64/],
        [['scan', '--baseline', path.join(workDir ?? '', 'missing.json')], /missing\.json: cannot read/],
        [['scan', '--arm-endpoint', 'http://127.0.0.1:1'], /--arm-endpoint: must be an https:\/\/ URL/],
        [['scan', '--format', 'xml'], /format/],
        [['scan', '--no-wait'], /--no-wait: only means something with --apply/],
      ];
      // A copy: the emulator's counters are live.
      const before = { ...emulator.state.requests };

      // Act
      const outcomes = [];
      for (const [args] of cases) {
        const run = await runCli(args, env);
        outcomes.push({ command: args.join(' '), code: run.code, stderr: run.stderr });
      }
      const recordWithoutStore = await runCli(['scan', '--record'], { ARM_ENDPOINT: emulator.endpoint, ARM_CA_FILE: emulator.caFile, ARM_TOKEN: emulator.token });

      // Assess: exit code 2 and the message, without a stack trace
      expect(outcomes).toStrictEqual(cases.map(([args, message]) => ({ command: args.join(' '), code: 2, stderr: expect.stringMatching(message) })));
      for (const outcome of outcomes) expect(outcome.stderr).not.toMatch(/\n\s+at /);
      expectExitCode(recordWithoutStore, 2);
      expect(recordWithoutStore.stderr).toMatch(/--record: needs Table Storage: set AzureWebJobsStorage/);
      // No ARM request was made.
      expect({ ...emulator.state.requests }).toStrictEqual(before);
    },
    TEST_TIMEOUT,
  );
});

describe('aks-baseline-guard scan, interrupted', () => {
  let emulator: RunningEmulator;
  let azurite: Azurite;
  let workDir: string | undefined;
  let baselineFile: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    // A slow fleet (latency on every response), so the interrupt lands mid-scan
    ({ emulator, azurite } = await startBoth({ fleet: { clusters: 60, subscriptions: 2, seed: 11 }, latencyMs: 40, lroDurationMs: 300 }));
    workDir = await mkdtemp(path.join(tmpdir(), 'scan-int-'));
    baselineFile = path.join(workDir, 'baseline.json');
    await writeFile(baselineFile, JSON.stringify(BASELINE_DOCUMENT));
    env = { ARM_ENDPOINT: emulator.endpoint, ARM_CA_FILE: emulator.caFile, ARM_TOKEN: emulator.token, AzureWebJobsStorage: azurite.connectionString };
  }, START_TIMEOUT);

  afterAll(async () => {
    await Promise.all([emulator?.stop(), azurite?.stop(), workDir ? rm(workDir, { recursive: true, force: true }) : undefined]);
  });

  test(
    'stops on Ctrl-C with exit code 130 and leaves no half-written records',
    async () => {
      // Prepare: interrupt once a few clusters are recorded (mid-scan, whatever the machine's speed)
      const store = createTableComplianceStore(createStorageClients({ connectionString: azurite.connectionString }));
      const someRecorded = async (exited: AbortSignal): Promise<void> => {
        while (!exited.aborted) {
          const page = await store.listStates({ pageSize: 10 }).catch(() => ({ items: [] }));
          if (page.items.length >= 3) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };

      // Act
      const run = await runCliInterrupted(['scan', '--apply', '--record', '--baseline', baselineFile, '--format', 'json', '--concurrency', '4', '--poll-interval', '0.05'], env, someRecorded);

      // Assess
      expectExitCode(run, 130);
      expect(run.stderr).toMatch(/Interrupted: finishing the records in flight/);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.summary.interrupted).toBe(true);
      // It stopped before the end.
      expect(report.summary.clusters).toBeLessThan(60);
      // Some clusters were recorded before the interrupt, each state with its history and no intent row left open.
      const states = await allStates(store);
      expect(states.length).toBeGreaterThan(0);
      for (const state of states) {
        const history = await store.listHistory(state.clusterId);
        expect([state.clusterName, history.filter((t) => t.ruleId === undefined).map((t) => t.to)]).toStrictEqual([state.clusterName, expect.arrayContaining([state.status])]);
        const rows = await store.listRemediations(state.clusterId);
        expect(rows.filter((row) => row.status === 'Started').map((row) => [state.clusterName, row.stepId])).toStrictEqual([]);
      }
    },
    TEST_TIMEOUT,
  );
});
