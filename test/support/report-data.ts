// Builds a realistic ReportData for a generated fleet, the way the demo would after a full run: every count is
// derived from per-cluster outcomes, so summary, byRule, timeline and approval rows agree with each other.
import type { DemoSummary, ReportData, StatusCounts } from '../../demo/report/types.js';

export interface ReportDataOptions {
  clusters?: number;
  subscriptions?: number;
  seed?: number;
  faultRate?: number;
  /** Display names to give the first clusters (e.g. hostile strings); the rest are generated. */
  clusterNames?: string[];
  reportPath?: string;
}

type Scenario = 'compliant' | 'autoFix' | 'needsApproval' | 'exempt' | 'unsupportedRegion' | 'updating' | 'fixFails';

const RULES = ['managed-identity', 'pod-identity-disabled', 'workload-identity', 'required-extension/flux'] as const;
type RuleId = (typeof RULES)[number];

const REGIONS = ['eastus', 'westeurope', 'northeurope', 'eastus2', 'uksouth', 'southeastasia'];
const TEAMS = ['payments', 'search', 'identity', 'data', 'platform', 'edge'];
const ENVS = ['prod', 'staging', 'dev'];
const FUNCTIONS_URL = 'http://127.0.0.1:7071';

/** Deterministic PRNG (mulberry32) so a seed always yields the same report. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function guid(next: () => number): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

function pick<T>(next: () => number, list: readonly T[]): T {
  const item = list[Math.floor(next() * list.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function scenarioFor(roll: number): Scenario {
  if (roll < 0.34) return 'compliant';
  if (roll < 0.7) return 'autoFix';
  if (roll < 0.82) return 'needsApproval';
  if (roll < 0.87) return 'exempt';
  if (roll < 0.93) return 'unsupportedRegion';
  if (roll < 0.97) return 'updating';
  return 'fixFails';
}

function bump(counts: StatusCounts, status: string): void {
  counts[status] = (counts[status] ?? 0) + 1;
}

export function buildReportData(options: ReportDataOptions = {}): ReportData {
  const clusterCount = options.clusters ?? 200;
  const subscriptionCount = options.subscriptions ?? 4;
  const seed = options.seed ?? 42;
  const faultRate = options.faultRate ?? 0.1;
  const next = random(seed);
  const subscriptions = Array.from({ length: subscriptionCount }, () => guid(next));

  const phases = [
    { name: 'Seed fleet', startedAtMs: 0, endedAtMs: 1_400 },
    { name: 'First sweep', startedAtMs: 1_400, endedAtMs: 9_800 },
    { name: 'Remediate', startedAtMs: 9_800, endedAtMs: 41_500 },
    { name: 'Verify', startedAtMs: 41_500, endedAtMs: 47_200 },
    { name: 'Drift happens', startedAtMs: 47_200, endedAtMs: 63_900 },
  ];
  const remediateStart = 9_800;
  const remediateSpan = 28_000;

  const before: StatusCounts = {};
  const after: StatusCounts = {};
  const byRule = new Map<RuleId, { before: StatusCounts; after: StatusCounts }>(RULES.map((r) => [r, { before: {}, after: {} }]));
  const timeline: ReportData['timeline'] = [];
  const awaitingApproval: ReportData['awaitingApproval'] = [];
  const fixedClusters: { clusterId: string; clusterName: string }[] = [];
  let remediationsApplied = 0;
  let clustersAwaiting = 0;

  for (let i = 0; i < clusterCount; i++) {
    const subscriptionId = subscriptions[i % subscriptionCount] ?? '';
    const team = pick(next, TEAMS);
    const env = pick(next, ENVS);
    const region = pick(next, REGIONS);
    const generatedName = `aks-${team}-${env}-${region}-${String(i + 1).padStart(3, '0')}`;
    const clusterName = options.clusterNames?.[i] ?? generatedName;
    const clusterId = `/subscriptions/${subscriptionId}/resourceGroups/rg-${team}-${env}/providers/Microsoft.ContainerService/managedClusters/${generatedName}`;
    const scenario = scenarioFor(next());

    // Per-rule statuses before and after, from which the cluster's overall status follows.
    const ruleBefore: Record<RuleId, string> = { 'managed-identity': 'Compliant', 'pod-identity-disabled': 'Compliant', 'workload-identity': 'Compliant', 'required-extension/flux': 'Compliant' };
    const ruleAfter = { ...ruleBefore };
    let clusterBefore = 'Compliant';
    let clusterAfter = 'Compliant';
    const autoSteps: { ruleId: RuleId; action: string }[] = [];

    switch (scenario) {
      case 'compliant':
        break;
      case 'autoFix': {
        clusterBefore = 'NonCompliant';
        const fixWorkload = next() < 0.55;
        const fixFlux = !fixWorkload || next() < 0.4;
        if (fixWorkload) {
          ruleBefore['workload-identity'] = 'NonCompliant';
          autoSteps.push({ ruleId: 'workload-identity', action: 'enable-workload-identity' });
        }
        if (fixFlux) {
          ruleBefore['required-extension/flux'] = 'NonCompliant';
          autoSteps.push({ ruleId: 'required-extension/flux', action: next() < 0.7 ? 'install-extension' : 'repair-extension' });
        }
        break;
      }
      case 'needsApproval': {
        clusterBefore = 'NonCompliant';
        clusterAfter = 'AwaitingApproval';
        clustersAwaiting++;
        const steps: { ruleId: RuleId; action: string }[] = [{ ruleId: 'managed-identity', action: 'enable-managed-identity' }];
        if (next() < 0.3) steps.push({ ruleId: 'pod-identity-disabled', action: 'disable-pod-identity' });
        for (const step of steps) {
          ruleBefore[step.ruleId] = 'NonCompliant';
          ruleAfter[step.ruleId] = 'AwaitingApproval';
          const stepId = `${step.ruleId}:${step.action}`;
          awaitingApproval.push({
            clusterId,
            clusterName,
            stepId,
            ruleId: step.ruleId,
            action: step.action,
            httpCall: `curl -sS -X POST '${FUNCTIONS_URL}/api/remediateCluster?code=<function-key>' -H 'Content-Type: application/json' -d '{"clusterId":"${clusterId}","approve":["${stepId}"]}'`,
            cliCommand: `npx aks-baseline-guard scan --subscription ${subscriptionId} --resource-group rg-${team}-${env} --apply --approve ${stepId}`,
          });
        }
        break;
      }
      case 'exempt':
        clusterBefore = clusterAfter = 'Exempt';
        for (const r of RULES) ruleBefore[r] = ruleAfter[r] = 'Exempt';
        break;
      case 'unsupportedRegion':
        clusterBefore = clusterAfter = 'NotApplicable';
        ruleBefore['required-extension/flux'] = ruleAfter['required-extension/flux'] = 'NotApplicable';
        break;
      case 'updating':
        clusterBefore = clusterAfter = 'Unknown';
        ruleBefore['workload-identity'] = ruleAfter['workload-identity'] = 'Unknown';
        break;
      case 'fixFails':
        clusterBefore = 'NonCompliant';
        clusterAfter = 'RemediationFailed';
        ruleBefore['required-extension/flux'] = 'NonCompliant';
        ruleAfter['required-extension/flux'] = 'RemediationFailed';
        break;
    }

    // Timeline: auto steps start during the remediation phase; some get "try later" first (injected faults).
    let at = remediateStart + Math.floor(next() * remediateSpan * 0.7);
    for (const step of autoSteps) {
      const stepId = `${step.ruleId}:${step.action}`;
      const base = { clusterId, clusterName, stepId, action: step.action };
      timeline.push({ ...base, atMs: at, outcome: 'started' });
      if (next() < faultRate) {
        at += 400 + Math.floor(next() * 1_500);
        timeline.push({ ...base, atMs: at, outcome: 'try-later' });
        at += 2_000 + Math.floor(next() * 3_000);
        timeline.push({ ...base, atMs: at, outcome: 'started' });
      }
      at += 600 + Math.floor(next() * 4_000);
      timeline.push({ ...base, atMs: at, outcome: 'succeeded' });
      remediationsApplied++;
      ruleAfter[step.ruleId] = 'Compliant';
    }
    if (scenario === 'fixFails') {
      const base = { clusterId, clusterName, stepId: 'required-extension/flux:repair-extension', action: 'repair-extension' };
      timeline.push({ ...base, atMs: at, outcome: 'started' });
      timeline.push({ ...base, atMs: at + 2_500 + Math.floor(next() * 3_000), outcome: 'failed' });
    }
    if (clusterAfter === 'Compliant') fixedClusters.push({ clusterId, clusterName });

    bump(before, clusterBefore);
    bump(after, clusterAfter);
    for (const r of RULES) {
      const row = byRule.get(r);
      if (row === undefined) throw new Error(`no row for ${r}`);
      bump(row.before, ruleBefore[r]);
      bump(row.after, ruleAfter[r]);
    }
  }
  timeline.sort((a, b) => a.atMs - b.atMs);

  // The drift round: a dozen compliant clusters are changed out of band; most are fixed automatically.
  const drifts = ['workload identity disabled', 'flux extension deleted', 'OIDC issuer disabled', 'flux release train set to Preview'];
  const reactions: ReportData['reactions'] = fixedClusters.slice(0, Math.min(12, fixedClusters.length)).map((c, k) => {
    const changedAtMs = 48_000 + k * 1_200 + Math.floor(next() * 400);
    const recordedAtMs = changedAtMs + 350 + Math.floor(next() * 1_400);
    const fixed = k !== 5;
    const fixedAtMs = fixed ? recordedAtMs + 900 + Math.floor(next() * 3_500) : undefined;
    return {
      ...c,
      drift: fixed ? pick(next, drifts) : 'pod identity enabled (approval mode: recorded, not fixed)',
      eventId: guid(next),
      changedAtMs,
      recordedAtMs,
      ...(fixedAtMs === undefined ? {} : { fixedAtMs }),
      recordedMs: recordedAtMs - changedAtMs,
      ...(fixedAtMs === undefined ? {} : { fixedMs: fixedAtMs - changedAtMs }),
      reactionMs: (fixedAtMs ?? recordedAtMs) - changedAtMs,
    };
  });

  const summary: DemoSummary = {
    report: options.reportPath ?? 'out/demo-report.html',
    clusters: clusterCount,
    before,
    after,
    remediationsApplied,
    awaitingApproval: clustersAwaiting,
    errors: 0,
  };
  return {
    title: `AKS baseline compliance: demo fleet of ${clusterCount} clusters`,
    generatedAt: '2025-06-12T09:41:07.412Z',
    fleet: { clusters: clusterCount, subscriptions: subscriptionCount, seed, faultRate, baseline: 'baselines/default.json' },
    durationMs: 64_310,
    summary,
    byRule: RULES.map((ruleId) => ({ ruleId, ...(byRule.get(ruleId) ?? { before: {}, after: {} }) })),
    timeline,
    awaitingApproval,
    reactions,
    phases,
  };
}
