// The built demo, run as a user runs it (a child process, real Azurite, the HTTPS emulator, real Chromium): its
// last line is the JSON summary, the counts are what the pure core predicts for the generated fleet, the report
// opens offline with the same numbers, and nothing it started outlives it, also when interrupted.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { checkReportInBrowser } from '../../../demo/browserCheck.js';
import type { DemoSummary, StatusCounts } from '../../../demo/report/types.js';
import { generateFleet } from '../../../emulator/index.js';
import { loadBaselineFile } from '../../../src/core/baseline-file.js';
import { evaluateCluster, parseCluster, parseExtensions, withExtensions, type Baseline, type PlanStep } from '../../../src/core/index.js';

const run = promisify(execFile);
const DEMO = fileURLToPath(new URL('../../../demo/main.js', import.meta.url));
const REPO = path.resolve(path.dirname(DEMO), '..', '..');
const FLEET = { clusters: 24, subscriptions: 2, seed: 7 };

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
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]);
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

/** Runs the demo; `whenStderr` is called with each chunk so a test can act (e.g. interrupt) mid-run. */
function runDemo(args: string[], whenStderr?: (text: string, child: ChildProcess) => void): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const children = new Set<number>();
    const watch = setInterval(() => {
      if (child.pid !== undefined) void childrenOf(child.pid).then((pids) => pids.forEach((pid) => children.add(pid)));
    }, 100);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      whenStderr?.(stderr, child);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearInterval(watch);
      resolve({ code, signal, stdout, stderr, children: [...children] });
    });
  });
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
    const evaluation = evaluateCluster(withExtensions(parseCluster(cluster.body), parseExtensions(cluster.extensions)), baseline, { now: new Date() });
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

describe('npm run demo (built, as a child process)', { timeout: 60_000 }, () => {
  let out: string;
  let finished: Finished;
  let summary: DemoSummary;

  before(async () => {
    out = await mkdtemp(path.join(tmpdir(), 'demo-test-'));
    finished = await runDemo(['--clusters', String(FLEET.clusters), '--subscriptions', String(FLEET.subscriptions), '--seed', String(FLEET.seed), '--no-progress', '--out', out]);
    summary = JSON.parse(lastLine(finished.stdout)) as DemoSummary;
  });

  after(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('ends with exit code 0 and one JSON summary as its last stdout line', () => {
    assert.equal(finished.code, 0, finished.stderr.slice(-3000));
    assert.deepEqual(Object.keys(summary), ['report', 'clusters', 'before', 'after', 'remediationsApplied', 'awaitingApproval', 'errors']);
    assert.equal(summary.errors, 0);
    assert.equal(summary.clusters, FLEET.clusters);
    assert.equal(summary.report, path.join(out, 'report.html'));
    assert.ok(existsSync(summary.report), 'the report file exists');
  });

  it('reports what the pure core predicts: every auto-fixable cluster Compliant, the rest awaiting approval', async () => {
    const baseline = await loadBaselineFile(path.join(out, 'baseline.json'));
    const predicted = predict(baseline);
    assert.ok(predicted.autoFixable > 0, 'the fleet has clusters the service fixes on its own');
    assert.ok((predicted.after['AwaitingApproval'] ?? 0) > 0, 'the fleet has clusters that need a person');
    assert.deepEqual(nonZero(summary.before), nonZero(predicted.before));
    assert.deepEqual(nonZero(summary.after), nonZero(predicted.after));
    assert.equal(summary.after['NonCompliant'] ?? 0, 0, 'nothing is left NonCompliant that the service could fix');
    assert.equal(summary.awaitingApproval, predicted.after['AwaitingApproval']);
    assert.ok(summary.remediationsApplied >= predicted.autoFixable, `${summary.remediationsApplied} remediations for ${predicted.autoFixable} auto-fixable clusters`);
  });

  it('fixes the drift round through Event Grid and approves the rest through the HTTP route', () => {
    assert.match(finished.stderr, /someone else .*: flux extension deleted \(Event Grid event/);
    assert.match(finished.stderr, /required-extension\/flux Compliant again \d+\.\d s after the change/);
    assert.match(finished.stderr, /no-pod-identity recorded NonCompliant .*approval mode: waiting for a person/);
    assert.match(finished.stderr, /a person approves no-pod-identity:disable-pod-identity on .*\/remediate \{"approve":\["no-pod-identity:disable-pod-identity"\]\} -> 200/);
    assert.match(finished.stderr, /no-pod-identity Compliant again/);
  });

  it('writes a report that headless Chromium shows offline with the same counts and all four charts', async () => {
    const check = await checkReportInBrowser(summary.report, summary, { screenshotPath: path.join(out, 'check.png') });
    assert.deepEqual(check.problems, []);
    assert.deepEqual(check.consoleErrors, []);
    assert.ok(check.ok);
    assert.ok(existsSync(path.join(out, 'report.png')), 'the demo saved its own screenshot');
  });

  it('stops Azurite before it exits', () => {
    assert.ok(finished.children.length > 0, 'Azurite ran as a child process');
    assert.deepEqual(finished.children.filter(alive), []);
  });

  it('stops everything and exits 130 on Ctrl-C', async () => {
    const interruptedOut = path.join(out, 'interrupted');
    let sent = false;
    const interrupted = await runDemo(['--clusters', '24', '--subscriptions', '2', '--no-progress', '--out', interruptedOut], (stderr, child) => {
      if (!sent && stderr.includes('== Sweep ==')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    assert.ok(sent, 'the demo reached the sweep');
    assert.equal(interrupted.code, 130, interrupted.stderr.slice(-2000));
    assert.match(interrupted.stderr, /SIGINT: stopping Azurite and the ARM emulator/);
    assert.ok(!interrupted.stdout.includes('"errors"'), 'no summary after an interrupt');
    assert.ok(interrupted.children.length > 0);
    assert.deepEqual(interrupted.children.filter(alive), []);
  });

  it('rejects a bad flag with one line naming it and exit code 2', async () => {
    const bad = await runDemo(['--clusters', 'many']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr, 'demo: --clusters must be a whole number from 1 to 2000, got "many"\n');
    const unknown = await runDemo(['--colour']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^demo: unknown option '--colour'\n$/);
  });
});
