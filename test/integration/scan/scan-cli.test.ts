// The built CLI, run as a user would: `scan` over the emulator's fleet (real HTTPS, injected 5xx and resets,
// ARM's throttling numbers) recording into Azurite, then checked against the emulator's and the store's state.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startAzurite, type Azurite } from '../../../dev/azurite.js';
import { EXEMPT_TAG, startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createStorageClients, createTableComplianceStore } from '../../../src/azure/storage/index.js';
import { evaluateCluster, parseCluster, parseExtensions, validateBaseline, withExtensions, type Baseline } from '../../../src/core/index.js';
import type { ComplianceStore } from '../../../src/ports.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/cli/main.js');

const BASELINE_DOCUMENT = {
  version: 1,
  rules: { managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'approval' }, workloadIdentity: { mode: 'auto' } },
  requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' }],
  excludeTags: { [EXEMPT_TAG.name]: EXEMPT_TAG.value },
};

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; with `interruptWhen`, sends SIGINT as soon as that promise resolves (if still running). */
function runCli(args: string[], env: Record<string, string>, options: { interruptWhen?: () => Promise<void> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(ARM_|AzureWebJobsStorage)/.test(name)));
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let finished = false;
    options.interruptWhen?.().then(
      () => {
        if (!finished) child.kill('SIGINT');
      },
      reject,
    );
    child.on('error', reject);
    child.on('close', (code, signal) => {
      finished = true;
      resolve({ code, signal, stdout, stderr });
    });
  });
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
  return evaluateCluster(snapshot, baseline, { now: new Date() }).status;
}

describe('aks-baseline-guard scan (built CLI, emulator fleet, Azurite)', () => {
  let emulator: RunningEmulator;
  let azurite: Azurite;
  let workDir: string;
  let baselineFile: string;
  let env: Record<string, string>;
  const baseline = validateBaseline(BASELINE_DOCUMENT);

  before(async () => {
    [emulator, azurite] = await Promise.all([
      startEmulator({ fleet: { clusters: 200, subscriptions: 4, seed: 4 }, faultRate: 0.1, throttleFactor: 1, lroDurationMs: 100 }),
      startAzurite(),
    ]);
    workDir = await mkdtemp(path.join(tmpdir(), 'scan-cli-'));
    baselineFile = path.join(workDir, 'baseline.json');
    await writeFile(baselineFile, JSON.stringify(BASELINE_DOCUMENT));
    env = { ARM_ENDPOINT: emulator.endpoint, ARM_CA_FILE: emulator.caFile, ARM_TOKEN: emulator.token, AzureWebJobsStorage: azurite.connectionString };
  });
  after(async () => {
    await Promise.all([emulator.stop(), azurite.stop(), rm(workDir, { recursive: true, force: true })]);
  });

  it('scan --apply --record fixes every auto-fixable cluster, leaves the rest with reasons, and records every transition', async () => {
    // Act
    const run = await runCli(
      ['scan', '--apply', '--record', '--baseline', baselineFile, '--format', 'json', '--concurrency', '16', '--poll-interval', '0.05', '--busy-delay', '1.5'],
      env,
    );

    // Assess: the run itself
    assert.doesNotMatch(run.stderr, /unexpected error|Unhandled|TypeError|at .*\.js:\d+/, run.stderr);
    const report = JSON.parse(run.stdout) as JsonReport;
    const { summary } = report;
    assert.equal(summary.clusters, 200);
    assert.deepEqual(summary.errors, [], '0 unhandled errors');
    assert.equal(summary.byStatus['Error'], undefined);
    assert.ok(summary.elapsedMs > 0);
    assert.ok(summary.armRequests.requests['read']! > 200 && summary.armRequests.requests['write']! > 0 && summary.armRequests.requests['lro-poll']! > 0);
    assert.equal(typeof summary.armRequests.throttled, 'number');
    assert.ok(summary.armRequests.serverErrors + summary.armRequests.connectionErrors > 0, 'the injected faults were met and ridden out');
    assert.equal(summary.steps['failed'], 0);
    assert.equal(summary.steps['try-later'], 0, 'busy clusters were fixed in a later round');
    assert.ok(summary.steps['applied']! > 0);

    // Every cluster whose fixes are all automatic is Compliant; every other one waits for approval, with reasons.
    for (const cluster of report.clusters) {
      const needsApproval = cluster.plan.some((step) => step.outcome === 'awaiting-approval');
      if (cluster.status === 'NonCompliant') {
        assert.ok(needsApproval, `${cluster.name} is NonCompliant without waiting for approval: ${JSON.stringify(cluster.plan)}`);
        for (const result of cluster.results.filter((r) => r.status === 'NonCompliant')) {
          const step = cluster.plan.find((s) => s.ruleId === result.ruleId);
          assert.ok(step && ['awaiting-approval', 'blocked'].includes(step.outcome) && step.reason, `${cluster.name} ${result.ruleId}: ${JSON.stringify(step)}`);
        }
      } else {
        assert.ok(['Compliant', 'NotApplicable', 'Exempt'].includes(cluster.status), `${cluster.name} ended ${cluster.status}`);
        for (const result of cluster.results) assert.ok(result.reason && result.message, `${cluster.name} ${result.ruleId} has a reason`);
      }
      // ...and the emulator agrees, read independently of the CLI.
      assert.equal(evaluateFromEmulator(emulator, cluster.id, baseline), cluster.status, `${cluster.name} as the emulator holds it`);
    }
    assert.ok(report.clusters.some((c) => c.initialStatus === 'NonCompliant' && c.status === 'Compliant'), 'some clusters were fixed');
    assert.ok((summary.byStatus['Exempt'] ?? 0) > 0, 'the fleet has exempt clusters');
    assert.equal(emulator.state.runningOperations, 0, 'every operation started was waited for');

    // The store holds the state of every cluster and every transition, and a finished row for every write.
    const store = createTableComplianceStore(createStorageClients({ connectionString: azurite.connectionString }));
    const states = await allStates(store);
    assert.equal(states.length, 200);
    for (const cluster of report.clusters) {
      const state = states.find((s) => s.clusterId.toLowerCase() === cluster.id.toLowerCase());
      assert.equal(state?.status, cluster.status, `${cluster.name} recorded as ${cluster.status}`);
      const history = await store.listHistory(cluster.id, { limit: 1000 });
      const overall = history.filter((t) => t.ruleId === undefined);
      assert.ok(overall.some((t) => t.from === null && t.to === cluster.initialStatus), `${cluster.name}: first seen as ${cluster.initialStatus}`);
      if (cluster.initialStatus !== cluster.status) {
        assert.ok(overall.some((t) => t.from === cluster.initialStatus && t.to === cluster.status), `${cluster.name}: ${cluster.initialStatus} -> ${cluster.status} recorded`);
      }
      assert.ok(history.every((t) => t.cause.kind === 'cli' && t.cause.id === summary.scanId));
      const applied = cluster.plan.filter((step) => step.outcome === 'applied');
      if (applied.length > 0) {
        const rows = await store.listRemediations(cluster.id, { limit: 100 });
        for (const step of applied) assert.ok(rows.some((row) => row.stepId === step.id && row.status === 'Succeeded'), `${cluster.name} ${step.id} logged as Succeeded`);
        for (const step of applied) {
          assert.ok(
            history.some((t) => t.ruleId === step.ruleId && t.from === 'NonCompliant' && t.to === 'Compliant'),
            `${cluster.name}: ${step.ruleId} NonCompliant -> Compliant recorded`,
          );
        }
        assert.ok(rows.every((row) => row.status !== 'Started'), 'no intent row was left open');
      }
    }
  });

  it('prints its time, requests by kind and 429s as a table, and exits 1 while approvals are pending', async () => {
    const run = await runCli(['scan', '--baseline', baselineFile], env);

    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^Time: \d+\.\d s/m);
    assert.match(run.stdout, /Reads.*Writes.*Deletes.*LRO polls.*429s/);
    assert.match(run.stdout, /Clusters by status/);
    assert.match(run.stdout, /Findings by rule/);
    assert.match(run.stdout, /Awaiting approval/);
    assert.match(run.stdout, /awaiting-approval: rule managed-identity needs approval/);
  });

  it('applies approved steps and exits 0 once every cluster is settled', async () => {
    const run = await runCli(
      ['scan', '--apply', '--approve', 'managed-identity', '--approve', 'no-pod-identity', '--baseline', baselineFile, '--format', 'json', '--concurrency', '16', '--poll-interval', '0.05'],
      env,
    );

    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.equal(report.summary.byStatus['NonCompliant'], undefined);
    for (const cluster of report.clusters) assert.equal(evaluateFromEmulator(emulator, cluster.id, baseline), cluster.status);
  });

  it('rejects bad input before any request, with exit code 2 and a message naming the input', async () => {
    const cases: [string[], RegExp][] = [
      [['scan', '--subscription', 'not-a-guid'], /--subscription: "not-a-guid" is not a subscription id/],
      [['scan', '--concurrency', '0'], /--concurrency: must be a whole number from 1 to 64/],
      [['scan', '--baseline', path.join(workDir, 'missing.json')], /missing\.json: cannot read/],
      [['scan', '--arm-endpoint', 'http://127.0.0.1:1'], /--arm-endpoint: must be an https:\/\/ URL/],
      [['scan', '--format', 'xml'], /format/],
      [['scan', '--no-wait'], /--no-wait: only means something with --apply/],
    ];
    const before = emulator.state.requests;
    for (const [args, message] of cases) {
      const run = await runCli(args, env);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
    const recordWithoutStore = await runCli(['scan', '--record'], { ARM_ENDPOINT: emulator.endpoint, ARM_CA_FILE: emulator.caFile, ARM_TOKEN: emulator.token });
    assert.equal(recordWithoutStore.code, 2);
    assert.match(recordWithoutStore.stderr, /--record: needs Table Storage: set AzureWebJobsStorage/);
    assert.deepEqual(emulator.state.requests, before, 'no ARM request was made');
  });
});

describe('aks-baseline-guard scan, interrupted', () => {
  it('stops on Ctrl-C with exit code 130 and leaves no half-written records', async () => {
    // Prepare: a slow fleet (latency on every response), so the interrupt lands mid-scan
    const [emulator, azurite] = await Promise.all([
      startEmulator({ fleet: { clusters: 60, subscriptions: 2, seed: 11 }, latencyMs: 40, lroDurationMs: 300 }),
      startAzurite(),
    ]);
    const workDir = await mkdtemp(path.join(tmpdir(), 'scan-int-'));
    try {
      const baselineFile = path.join(workDir, 'baseline.json');
      await writeFile(baselineFile, JSON.stringify(BASELINE_DOCUMENT));
      const env = { ARM_ENDPOINT: emulator.endpoint, ARM_CA_FILE: emulator.caFile, ARM_TOKEN: emulator.token, AzureWebJobsStorage: azurite.connectionString };

      const store = createTableComplianceStore(createStorageClients({ connectionString: azurite.connectionString }));
      // Interrupt once a few clusters are recorded: mid-scan, whatever the machine's speed.
      const someRecorded = async (): Promise<void> => {
        for (;;) {
          const page = await store.listStates({ pageSize: 10 }).catch(() => ({ items: [] }));
          if (page.items.length >= 3) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };

      // Act
      const run = await runCli(['scan', '--apply', '--record', '--baseline', baselineFile, '--format', 'json', '--concurrency', '4', '--poll-interval', '0.05'], env, {
        interruptWhen: someRecorded,
      });

      // Assess
      assert.equal(run.code, 130, run.stderr);
      assert.match(run.stderr, /Interrupted: finishing the records in flight/);
      const report = JSON.parse(run.stdout) as JsonReport;
      assert.equal(report.summary.interrupted, true);
      assert.ok(report.summary.clusters < 60, 'it stopped before the end');
      const states = await allStates(store);
      assert.ok(states.length > 0, 'some clusters were recorded before the interrupt');
      for (const state of states) {
        const history = await store.listHistory(state.clusterId);
        assert.ok(history.some((t) => t.ruleId === undefined && t.to === state.status), `${state.clusterName}: its state has its history`);
        const rows = await store.listRemediations(state.clusterId);
        assert.ok(rows.every((row) => row.status !== 'Started'), `${state.clusterName}: no intent row left open`);
      }
    } finally {
      await Promise.all([emulator.stop(), azurite.stop(), rm(workDir, { recursive: true, force: true })]);
    }
  });
});
