// The built demo, run as a user runs it (a child process, real Azurite, the HTTPS emulator, real Chromium): its
// last line is the JSON summary, the counts are what the pure core predicts for the generated fleet, the report
// opens offline with the same numbers, and nothing it started outlives it, also when interrupted.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EventGridDeserializer } from '@azure/eventgrid';
import { checkReportInBrowser } from '../../../demo/browserCheck.js';
import type { DemoSummary, StatusCounts } from '../../../demo/types.js';
import { REPORT_CHARTS, REPORT_SECTIONS } from '../../../src/report/index.js';
import { generateFleet } from '../../../emulator/index.js';
import { loadBaselineFile } from '../../../src/baseline-file.js';
import { evaluateSnapshot, parseCluster, parseExtensions, withExtensions, type Baseline, type PlanStep } from '../../../src/core/index.js';
import { compiled, REPO_ROOT } from '../../support/paths.js';
import { runChild, type FinishedChild } from '../../support/processes.js';

const run = promisify(execFile);
/** The demo as `npm test` builds it (a lone `npx jest` uses whatever dist/ holds: build first). */
const DEMO = compiled('demo/main.js');
const FLEET = { clusters: 24, subscriptions: 2, seed: 7 };
/** One whole demo run (Azurite, the emulator, the fleet, the drift round, the report and its screenshot). */
const DEMO_TIMEOUT = 90_000;
/** A run that stops at a bad flag. */
const QUICK_TIMEOUT = 20_000;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Child processes the demo started (Azurite), seen while it ran. */
  children: number[];
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)], { timeout: 5_000 });
    return stdout.split('\n').map((line) => Number(line.trim())).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the demo from the checkout's root; `whenStderr` is called with each chunk so a test can act (e.g. interrupt)
 * mid-run. Rejects, and kills the demo, when it has not exited within DEMO_TIMEOUT, naming what it printed.
 */
function runDemo(args: string[], whenStderr?: (text: string, child: ChildProcess) => void): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const children = new Set<number>();
    const watch = setInterval(() => {
      if (child.pid !== undefined) void childrenOf(child.pid).then((pids) => pids.forEach((pid) => children.add(pid)));
    }, 100);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo did not exit within ${DEMO_TIMEOUT} ms\nstderr: ${stderr.slice(-3000)}`));
    }, DEMO_TIMEOUT);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      whenStderr?.(stderr, child);
    });
    child.once('error', (error) => {
      clearInterval(watch);
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearInterval(watch);
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, children: [...children] });
    });
  });
}

/** The exit code; a mismatch shows the end of what the demo printed on stderr. */
function expectExitCode(finished: FinishedChild, code: number): void {
  expect({ code: finished.code, stderr: finished.stderr.slice(-3000) }).toStrictEqual(expect.objectContaining({ code }));
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1] ?? '';
}

function bump(counts: StatusCounts, status: string): void {
  counts[status] = (counts[status] ?? 0) + 1;
}

function nonZero(counts: StatusCounts): StatusCounts {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

/**
 * What the pure core predicts for the generated fleet: "before" is each cluster's first evaluation; "after", every
 * cluster the baseline can fix on its own is Compliant, and one with any approval step waits for a person. The
 * drift round changes only fully compliant clusters and must leave them Compliant.
 */
function predict(baseline: Baseline): { before: StatusCounts; after: StatusCounts; autoFixable: number } {
  const before: StatusCounts = {};
  const after: StatusCounts = {};
  let autoFixable = 0;
  for (const cluster of generateFleet(FLEET).clusters) {
    const evaluation = evaluateSnapshot(withExtensions(parseCluster(cluster.body), parseExtensions(cluster.extensions)), baseline, { now: new Date() });
    bump(before, evaluation.status);
    if (evaluation.status !== 'NonCompliant') {
      bump(after, evaluation.status);
      continue;
    }
    const byId = new Map(evaluation.plan.map((step) => [step.id, step]));
    const runsAlone = (step: PlanStep): boolean => step.mode === 'auto' && step.dependsOn.every((id) => !byId.has(id) || runsAlone(byId.get(id) as PlanStep));
    const fixable = new Set(evaluation.plan.filter(runsAlone).map((step) => step.ruleId));
    const broken = evaluation.results.filter((result) => result.status === 'NonCompliant');
    if (evaluation.plan.some((step) => step.mode === 'approval')) bump(after, 'AwaitingApproval');
    else if (broken.every((result) => fixable.has(result.ruleId))) {
      bump(after, 'Compliant');
      autoFixable += 1;
    } else bump(after, 'NonCompliant');
  }
  return { before, after, autoFixable };
}

describe('npm run demo (built, as a child process)', () => {
  let out: string | undefined;
  let finished: Finished;
  let summary: DemoSummary;
  /** The folder the demo wrote into. */
  const outDir = (): string => {
    if (!out) throw new Error('no output folder');
    return out;
  };

  beforeAll(async () => {
    if (!existsSync(DEMO)) throw new Error(`${DEMO} does not exist: build first (\`npm run build\`, which \`npm test\` runs before Jest)`);
    out = await mkdtemp(path.join(tmpdir(), 'demo-test-'));
    finished = await runDemo(['--clusters', String(FLEET.clusters), '--subscriptions', String(FLEET.subscriptions), '--seed', String(FLEET.seed), '--no-progress', '--out', out]);
    try {
      summary = JSON.parse(lastLine(finished.stdout)) as DemoSummary;
    } catch {
      throw new Error(`the demo's last stdout line is not its JSON summary (exit code ${finished.code}, signal ${finished.signal})\nstderr: ${finished.stderr.slice(-3000)}`);
    }
  }, DEMO_TIMEOUT + 10_000);

  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  test('ends with exit code 0 and one JSON summary as its last stdout line', () => {
    expectExitCode(finished, 0);
    expect(Object.keys(summary)).toStrictEqual(['report', 'clusters', 'before', 'after', 'besideFleet', 'remediationsApplied', 'awaitingApproval', 'errors']);
    expect(summary.errors).toBe(0);
    expect(summary.clusters).toBe(FLEET.clusters);
    expect(summary.report).toBe(path.join(outDir(), 'report.html'));
    // The report file exists.
    expect(existsSync(summary.report)).toBe(true);
  });

  test('reports what the pure core predicts: every auto-fixable cluster Compliant, the rest awaiting approval', async () => {
    // Prepare: the prediction, from the baseline the demo wrote
    const baseline = await loadBaselineFile(path.join(outDir(), 'baseline.json'));
    const predicted = predict(baseline);
    // The fleet has clusters the service fixes on its own, and clusters that need a person.
    expect(predicted.autoFixable).toBeGreaterThan(0);
    expect(predicted.after['AwaitingApproval'] ?? 0).toBeGreaterThan(0);

    // Assess
    expect(nonZero(summary.before)).toStrictEqual(nonZero(predicted.before));
    expect(nonZero(summary.after)).toStrictEqual(nonZero(predicted.after));
    // Nothing is left NonCompliant that the service could fix.
    expect(summary.after['NonCompliant'] ?? 0).toBe(0);
    expect(summary.awaitingApproval).toBe(predicted.after['AwaitingApproval']);
    // At least one remediation per auto-fixable cluster.
    expect(summary.remediationsApplied).toBeGreaterThanOrEqual(predicted.autoFixable);
  });

  test('fixes the drift round through Event Grid and approves the rest through the HTTP route', () => {
    expect(finished.stderr).toMatch(/someone else .*: flux extension deleted \(Event Grid event/);
    expect(finished.stderr).toMatch(/required-extension\/flux Compliant again \d+\.\d s after the change/);
    expect(finished.stderr).toMatch(/no-pod-identity recorded NonCompliant .*approval mode: waiting for a person/);
    expect(finished.stderr).toMatch(/a person approves no-pod-identity:disable-pod-identity on .*\/remediate \{"approve":\["no-pod-identity:disable-pod-identity"\]\} -> 200/);
    expect(finished.stderr).toMatch(/no-pod-identity Compliant again/);
  });

  test('the drift round shows a stopped cluster and an AKS-managed extension recorded, blocked and never written', () => {
    expect(finished.stderr).toMatch(/cluster stopped with workload identity off, then started again: the service recorded workload-identity and wrote nothing: blocked \(ClusterStopped\): .*az aks start/);
    expect(finished.stderr).toMatch(/extension taken over by AKS on another release train: the service recorded required-extension\/flux and wrote nothing: blocked \(ManagedByAks\)/);
    expect(finished.stdout).toMatch(/blocked, nothing written\s+│ 1 ClusterStopped, 1 ManagedByAks/);
  });

  test('lists the extension prerequisites a person must fix on clusters beside the fleet, with their commands (issue 15)', () => {
    const findings = finished.stdout.split('\n').filter((line) => line.includes('blocked, PrerequisiteMissing'));
    const installs = findings.filter((line) => line.includes('(install-extension)'));

    // Three of the five types, each with its prerequisite partly missing, each with the az command that fixes it.
    expect(installs).toStrictEqual(expect.arrayContaining([
      expect.stringMatching(/aks-prereq-unregistered: dapr \(install-extension\) blocked, PrerequisiteMissing provider-registered:Microsoft\.KubernetesConfiguration: .* Fix: az provider register --namespace Microsoft\.KubernetesConfiguration --subscription \S+ --wait$/),
      expect.stringMatching(/aks-prereq-no-kubelet: azureml \(install-extension\) blocked, PrerequisiteMissing kubelet-identity: .* Fix: az aks nodepool add /),
      expect.stringMatching(/aks-prereq-no-snapshots: azure-aks-backup \(install-extension\) blocked, PrerequisiteMissing csi-snapshot-controller: .* Fix: az aks update .* --enable-snapshot-controller$/),
      expect.stringMatching(/aks-prereq-westeurope: azure-aks-backup \(install-extension\) blocked, PrerequisiteMissing storage-account: .*aksbkwesteurope/),
    ]));
    expect(findings.filter((line) => line.includes('(manual-role-assignment)'))).toStrictEqual(expect.arrayContaining([expect.stringMatching(/Fix: az role assignment create .*--role "Storage Blob Data Contributor"/)]));
    expect(finished.stdout).toMatch(/Prerequisites missing\s+│ \d+ blocked steps on 4 clusters beside the fleet, 3 extension types/);
  });

  test('writes the report from its store, which headless Chromium shows offline with the run\'s counts and every chart', async () => {
    // Prepare: the store records a cluster that only waits for approval as NonCompliant, and holds the clusters
    // beside the fleet (extension prerequisites) too
    const { AwaitingApproval: waiting = 0, ...after } = summary.after;
    const besideFleet = Object.values(summary.besideFleet).reduce((sum, n) => sum + n, 0);
    const counts: Record<string, number> = { clusters: summary.clusters + besideFleet, 'kpi-awaiting-approval': summary.awaitingApproval, 'kpi-remediations-succeeded': summary.remediationsApplied };
    for (const [status, n] of Object.entries(after)) counts[`fleet-${status}`] = n + (summary.besideFleet[status] ?? 0);
    for (const [status, n] of Object.entries(summary.besideFleet)) counts[`fleet-${status}`] ??= n;
    counts['fleet-NonCompliant'] = (after['NonCompliant'] ?? 0) + waiting + (summary.besideFleet['NonCompliant'] ?? 0);

    // Act
    const check = await checkReportInBrowser(summary.report, { sections: REPORT_SECTIONS, charts: REPORT_CHARTS, counts, tileFamilies: ['fleet-'] }, { screenshotPath: path.join(outDir(), 'check.png') });

    // Assess
    expect(check.problems).toStrictEqual([]);
    expect(check.consoleErrors).toStrictEqual([]);
    expect(check.ok).toBe(true);
    // The demo saved its own screenshot, and said where the report came from.
    expect(existsSync(path.join(outDir(), 'report.png'))).toBe(true);
    expect(finished.stderr).toMatch(/report written to .*report\.html from the Azurite store/);
  }, 60_000);

  test('prints the compliance events it published, one per recorded change, and keeps them as received', async () => {
    // Prepare: what the receiver got, read back as a subscriber would
    const received = await readFile(path.join(outDir(), 'events.json'), 'utf8');

    // Act
    const events = await new EventGridDeserializer().deserializeCloudEvents(received);

    // Assess: each cluster's rules first seen once, an approval request per approval-mode finding, no id twice
    const kinds = (kind: string) => events.filter((event) => event.type === `AksBaselineGuard.${kind}`);
    const rules = new Set(kinds('ComplianceChanged').map((event) => `${event.subject ?? ''}|${(event.data as { ruleId: string }).ruleId}`));
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    expect(new Set(kinds('ComplianceChanged').map((event) => event.subject)).size).toBe(FLEET.clusters);
    expect(kinds('ComplianceChanged').filter((event) => (event.data as { from: string | null }).from === null)).toHaveLength(rules.size);
    expect(kinds('ApprovalRequested').length).toBeGreaterThanOrEqual(summary.awaitingApproval);
    expect(finished.stdout).toMatch(new RegExp(`Compliance events published to the Event Grid topic \\(stand-in\\): ${events.length} \\(${kinds('ComplianceChanged').length} ComplianceChanged, ${kinds('ApprovalRequested').length} ApprovalRequested\\); publisher: ${events.length} sent, 0 requests retried, 0 failed, 0 dropped, 0 pending`));
    expect(finished.stdout).toMatch(/"type": "AksBaselineGuard\.ApprovalRequested"/);
    expect(received).not.toMatch(/AccountKey|Bearer|eyJ[\w-]{10,}|"caller"/);
  });

  test('stops Azurite before it exits', () => {
    // Azurite ran as a child process, and none is left.
    expect(finished.children.length).toBeGreaterThan(0);
    expect(finished.children.filter(alive)).toStrictEqual([]);
  });

  test(
    'stops everything and exits 130 on Ctrl-C',
    async () => {
      // Prepare
      const interruptedOut = path.join(outDir(), 'interrupted');
      let sent = false;

      // Act: SIGINT once the demo reaches the sweep
      const interrupted = await runDemo(['--clusters', '24', '--subscriptions', '2', '--no-progress', '--out', interruptedOut], (stderr, child) => {
        if (!sent && stderr.includes('== Sweep ==')) {
          sent = true;
          child.kill('SIGINT');
        }
      });

      // Assess: the demo reached the sweep, stopped what it started and printed no summary
      expect(sent).toBe(true);
      expectExitCode(interrupted, 130);
      expect(interrupted.stderr).toMatch(/SIGINT: stopping Azurite and the ARM emulator/);
      expect(interrupted.stdout).not.toContain('"errors"');
      expect(interrupted.children.length).toBeGreaterThan(0);
      expect(interrupted.children.filter(alive)).toStrictEqual([]);
    },
    DEMO_TIMEOUT + 10_000,
  );

  test(
    'rejects a bad flag with one line naming it and exit code 2',
    async () => {
      // Act
      const bad = await runChild(process.execPath, [DEMO, '--clusters', 'many'], { cwd: REPO_ROOT, timeoutMs: QUICK_TIMEOUT });
      const unknown = await runChild(process.execPath, [DEMO, '--colour'], { cwd: REPO_ROOT, timeoutMs: QUICK_TIMEOUT });

      // Assess
      expectExitCode(bad, 2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toBe('demo: --clusters must be a whole number from 1 to 2000, got "many"\n');
      expectExitCode(unknown, 2);
      expect(unknown.stderr).toMatch(/^demo: unknown option '--colour'\n$/);
    },
    2 * QUICK_TIMEOUT + 5_000,
  );
});
