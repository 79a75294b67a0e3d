// Turns what the run recorded into the report's data and the summary the demo prints last. Counts come from one
// place (the fleet outcome), so the JSON line, the summary table and the HTML tiles cannot disagree.
import { ruleIdsOf, type Baseline } from '../src/core/index.js';
import { approvalCliCommand, approvalHttpCall } from './approvals.js';
import type { DriftReaction } from './drift.js';
import type { FleetOutcome } from './outcomes.js';
import type { DemoOptions } from './options.js';
import { REPORT_STATUSES, type DemoSummary, type ReportData, type StatusCounts, type TimelineOutcome } from './report/types.js';

export interface PhaseRecord {
  name: string;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
}

export interface ReportInputs {
  options: DemoOptions;
  baseline: Baseline;
  /** As shown to people and used in commands. */
  baselineFile: string;
  /** Whether baselineFile is baselines/default.json itself (then commands need no --baseline). */
  baselineIsDefault: boolean;
  /** Epoch milliseconds. */
  startedAt: number;
  finishedAt: number;
  phases: PhaseRecord[];
  outcome: FleetOutcome;
  reactions: DriftReaction[];
  errors: number;
  reportPath: string;
}

function bump(counts: StatusCounts, status: string): void {
  counts[status] = (counts[status] ?? 0) + 1;
}

/** Keys in the order the report shows statuses, so the JSON reads the same way every run. */
function inReportOrder(counts: StatusCounts): StatusCounts {
  return Object.fromEntries(REPORT_STATUSES.filter((status) => (counts[status] ?? 0) > 0).map((status) => [status, counts[status] ?? 0]));
}

export function summaryOf(outcome: FleetOutcome, reportPath: string, errors: number): DemoSummary {
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
    before: inReportOrder(before),
    after: inReportOrder(after),
    remediationsApplied,
    awaitingApproval: after['AwaitingApproval'] ?? 0,
    errors,
  };
}

const TIMELINE_OF_STATUS: Partial<Record<string, TimelineOutcome>> = { Succeeded: 'succeeded', Failed: 'failed', Skipped: 'try-later' };

/** Milliseconds since the demo started, never negative (an ARM timestamp can round below the start). */
function offset(at: number, startedAt: number): number {
  return Math.max(0, at - startedAt);
}

export function reactionRows(reactions: readonly DriftReaction[], startedAt: number): ReportData['reactions'] {
  const rows: ReportData['reactions'] = [];
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

export function buildReportData(inputs: ReportInputs): ReportData {
  const { outcome, options, startedAt } = inputs;
  const summary = summaryOf(outcome, inputs.reportPath, inputs.errors);

  const ruleIds = ruleIdsOf(inputs.baseline);
  const byRule = ruleIds.map((ruleId) => {
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

  const timeline: ReportData['timeline'] = [];
  for (const cluster of outcome.clusters) {
    for (const row of cluster.remediations) {
      const base = { clusterId: cluster.clusterId, clusterName: cluster.clusterName, stepId: row.stepId, action: row.action };
      timeline.push({ ...base, atMs: offset(Date.parse(row.startedAt), startedAt), outcome: 'started' });
      const ended = TIMELINE_OF_STATUS[row.status];
      if (ended && row.completedAt) timeline.push({ ...base, atMs: offset(Date.parse(row.completedAt), startedAt), outcome: ended });
    }
  }
  timeline.sort((a, b) => a.atMs - b.atMs);

  const baselineFlag = inputs.baselineIsDefault ? undefined : inputs.baselineFile;
  const awaitingApproval = outcome.clusters.flatMap((cluster) =>
    cluster.awaitingSteps.map((step) => ({
      clusterId: cluster.clusterId,
      clusterName: cluster.clusterName,
      stepId: step.id,
      ruleId: step.ruleId,
      action: step.action,
      httpCall: approvalHttpCall(cluster.clusterId, step.id),
      cliCommand: approvalCliCommand(cluster.clusterId, step.id, baselineFlag),
    })),
  );

  return {
    title: `aks-baseline-guard demo: ${options.clusters} clusters in ${options.subscriptions} subscriptions`,
    generatedAt: new Date(inputs.finishedAt).toISOString(),
    fleet: { clusters: options.clusters, subscriptions: options.subscriptions, seed: options.seed, faultRate: options.faultRate, baseline: inputs.baselineFile },
    durationMs: inputs.finishedAt - startedAt,
    summary,
    byRule,
    timeline,
    awaitingApproval,
    reactions: reactionRows(inputs.reactions, startedAt),
    phases: inputs.phases.map((phase) => ({ name: phase.name, startedAtMs: offset(phase.startedAt, startedAt), endedAtMs: offset(phase.endedAt, startedAt) })),
  };
}
