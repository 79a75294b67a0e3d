// What the run recorded, for the demo's own output: the JSON summary line, the tables it prints, and the two sections
// it adds to the compliance report (reaction times of the drift round, the command that reruns it). The report itself
// is made from the Azurite store by src/report, the same code as `aks-baseline-guard report`. Counts of the summary
// come from one place (the fleet outcome), so the JSON line and the tables cannot disagree.
import { ruleIdsOf, type Baseline } from '../src/core/index.js';
import type { ReactionSection, ReportData } from '../src/report/index.js';
import type { DriftReaction } from './drift.js';
import type { FleetOutcome } from './outcomes.js';
import type { DemoOptions } from './options.js';
import { DEMO_STATUSES, type DemoSummary, type StatusCounts } from './types.js';

export interface PhaseRecord {
  name: string;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
}

/** What the printed tables show: the summary, per rule before and after, the steps, and where the time went. */
export interface DemoTables {
  summary: DemoSummary;
  byRule: { ruleId: string; before: StatusCounts; after: StatusCounts }[];
  /** Approval steps still waiting, over every cluster. */
  approvalSteps: number;
  /** Remediation rows of the run by how they ended. */
  steps: { succeeded: number; failed: number; tryLater: number };
  durationMs: number;
  phases: { name: string; startedAtMs: number; endedAtMs: number }[];
}

function bump(counts: StatusCounts, status: string): void {
  counts[status] = (counts[status] ?? 0) + 1;
}

/** Keys in the order the demo shows statuses, so the JSON reads the same way every run. */
function inDemoOrder(counts: StatusCounts): StatusCounts {
  return Object.fromEntries(DEMO_STATUSES.filter((status) => (counts[status] ?? 0) > 0).map((status) => [status, counts[status] ?? 0]));
}

export function summaryOf(outcome: FleetOutcome, reportPath: string, errors: number, besideFleet: StatusCounts): DemoSummary {
  const before: StatusCounts = {};
  const after: StatusCounts = {};
  let remediationsApplied = 0;
  for (const cluster of outcome.clusters) {
    bump(before, cluster.before ?? 'Unknown');
    bump(after, cluster.after);
    remediationsApplied += cluster.remediations.filter((row) => row.status === 'Succeeded').length;
  }
  return {
    report: reportPath,
    clusters: outcome.clusters.length,
    before: inDemoOrder(before),
    after: inDemoOrder(after),
    besideFleet: inDemoOrder(besideFleet),
    remediationsApplied,
    awaitingApproval: after['AwaitingApproval'] ?? 0,
    errors,
  };
}

/** Milliseconds since the demo started, never negative (an ARM timestamp can round below the start). */
function offset(at: number, startedAt: number): number {
  return Math.max(0, at - startedAt);
}

function phaseOffsets(phases: readonly PhaseRecord[], startedAt: number): DemoTables['phases'] {
  return phases.map((phase) => ({ name: phase.name, startedAtMs: offset(phase.startedAt, startedAt), endedAtMs: offset(phase.endedAt, startedAt) }));
}

export function demoTables(inputs: { outcome: FleetOutcome; baseline: Baseline; reportPath: string; errors: number; besideFleet: StatusCounts; startedAt: number; finishedAt: number; phases: readonly PhaseRecord[] }): DemoTables {
  const { outcome } = inputs;
  const byRule = ruleIdsOf(inputs.baseline).map((ruleId) => {
    const before: StatusCounts = {};
    const after: StatusCounts = {};
    for (const cluster of outcome.clusters) {
      const first = cluster.beforeRules.get(ruleId);
      const last = cluster.afterRules.get(ruleId);
      if (first) bump(before, first);
      if (last) bump(after, last);
    }
    return { ruleId, before, after };
  });
  const rows = outcome.clusters.flatMap((cluster) => cluster.remediations);
  return {
    summary: summaryOf(outcome, inputs.reportPath, inputs.errors, inputs.besideFleet),
    byRule,
    approvalSteps: outcome.clusters.reduce((sum, cluster) => sum + cluster.awaitingSteps.length, 0),
    steps: { succeeded: rows.filter((row) => row.status === 'Succeeded').length, failed: rows.filter((row) => row.status === 'Failed').length, tryLater: rows.filter((row) => row.status === 'Skipped').length },
    durationMs: inputs.finishedAt - inputs.startedAt,
    phases: phaseOffsets(inputs.phases, inputs.startedAt),
  };
}

export function reactionRows(reactions: readonly DriftReaction[], startedAt: number): ReactionSection['rows'] {
  const rows: ReactionSection['rows'] = [];
  for (const reaction of reactions) {
    const { target, eventId, changedAt, recordedAt, fixedAt } = reaction;
    if (eventId === undefined || changedAt === undefined || recordedAt === undefined) continue;
    const how = target.mode === 'approval' ? (reaction.approvedAt !== undefined ? ' (approval mode: approved through the HTTP route, then fixed)' : ' (approval mode: waiting for a person)') : target.mode === 'audit' ? ' (audit mode: recorded only)' : '';
    rows.push({
      clusterId: target.clusterId,
      clusterName: target.clusterName,
      drift: `${target.description}${how}`,
      eventId,
      changedAtMs: offset(changedAt, startedAt),
      recordedAtMs: offset(recordedAt, startedAt),
      ...(fixedAt !== undefined ? { fixedAtMs: offset(fixedAt, startedAt) } : {}),
      recordedMs: Math.max(0, recordedAt - changedAt),
      ...(fixedAt !== undefined ? { fixedMs: Math.max(0, fixedAt - changedAt) } : {}),
      reactionMs: Math.max(0, (fixedAt ?? recordedAt) - changedAt),
    });
  }
  return rows;
}

/** The command that reproduces a run of the demo with the same fleet. */
export function rerunCommand(options: Pick<DemoOptions, 'clusters' | 'subscriptions' | 'seed' | 'faultRate'>, baselineFile: string): string {
  return [
    'npm run demo --',
    `--clusters ${options.clusters}`,
    `--subscriptions ${options.subscriptions}`,
    `--seed ${options.seed}`,
    `--fault-rate ${options.faultRate}`,
    `--baseline ${/^[\w./:@=-]+$/.test(baselineFile) ? baselineFile : `'${baselineFile.replace(/'/g, `'\\''`)}'`}`,
  ].join(' ');
}

/** The sections only the demo can add to the report: its drift round's reaction times, and how to run it again. */
export function demoExtras(inputs: { options: DemoOptions; baselineFile: string; startedAt: number; finishedAt: number; reactions: readonly DriftReaction[]; phases: readonly PhaseRecord[] }): Pick<ReportData, 'reactions' | 'rerun'> {
  return {
    reactions: {
      title: 'Reaction times: the “drift happens” round',
      lede: "Someone changed compliant clusters behind the service's back. Each change raised an Event Grid event; this is how long the service took to notice and react. Times are seconds since the demo started.",
      durationMs: inputs.finishedAt - inputs.startedAt,
      rows: reactionRows(inputs.reactions, inputs.startedAt),
      phases: phaseOffsets(inputs.phases, inputs.startedAt),
    },
    rerun: {
      command: rerunCommand(inputs.options, inputs.baselineFile),
      note: `This report was made from the Azurite store of a demo run (${inputs.options.clusters} clusters in ${inputs.options.subscriptions} subscriptions, seed ${inputs.options.seed}). The seed fixes the generated fleet and the injected faults, so this command replays the same scenario against a fresh ARM emulator and Azurite:`,
    },
  };
}
