// The summary printed at the end of the demo: fleet status before and after, the same per rule, and what the run
// did (remediations, approvals, reaction times, ARM traffic, durations). Plain tables, no colour, so the output
// reads the same in a terminal, a CI log or a file.
import Table from 'cli-table3';
import { formatDuration, percentile } from './report/format.js';
import { REPORT_STATUSES, type ReportData, type StatusCounts } from './report/types.js';
import type { PipelineResult, RequestTally } from './pipeline.js';

const NO_COLOUR = { head: [] as string[], border: [] as string[] };

function shownStatuses(counts: StatusCounts[]): string[] {
  return REPORT_STATUSES.filter((status) => status === 'Compliant' || status === 'NonCompliant' || counts.some((c) => (c[status] ?? 0) > 0));
}

function requests(tally: RequestTally): string {
  return `${tally.reads} reads, ${tally.writes} writes, ${tally.deletes} deletes${tally.throttled > 0 ? `, ${tally.throttled} throttled (429)` : ''}`;
}

/** Issue 16's goal for an isolated change, event to state row (p95); the demo's changes are isolated ones. */
export const CHANGE_RECORDED_GOAL_MS = 1_000;

function timing(values: number[], goalMs?: number): string {
  const p50 = percentile(values, 50);
  const p95 = percentile(values, 95);
  const max = percentile(values, 100);
  if (p50 === undefined || p95 === undefined || max === undefined) return '-';
  const goal = goalMs === undefined ? '' : ` (goal p95 <= ${formatDuration(goalMs)}: ${p95 <= goalMs ? 'met' : 'missed'})`;
  return `p50 ${formatDuration(p50)}, p95 ${formatDuration(p95)}, max ${formatDuration(max)}${goal}`;
}

/** The drifts the service recorded but must not fix itself (a stopped cluster, an AKS-managed extension), by reason. */
function blockedDrifts(run: PipelineResult): string {
  const byReason = new Map<string, number>();
  for (const reaction of run.reactions) if (reaction.blocked) byReason.set(reaction.blocked.reason, (byReason.get(reaction.blocked.reason) ?? 0) + 1);
  return byReason.size === 0 ? 'none' : [...byReason].map(([reason, n]) => `${n} ${reason}`).join(', ');
}

export function renderSummary(data: ReportData, run: PipelineResult): string {
  const { summary } = data;
  const lines: string[] = [];

  const statuses = shownStatuses([summary.before, summary.after]);
  const fleet = new Table({ head: ['Clusters', 'Before', 'After'], style: NO_COLOUR, colAligns: ['left', 'right', 'right'] });
  for (const status of statuses) fleet.push([status, String(summary.before[status] ?? 0), String(summary.after[status] ?? 0)]);
  fleet.push(['Total', String(summary.clusters), String(summary.clusters)]);
  lines.push(fleet.toString());

  const ruleStatuses = shownStatuses(data.byRule.flatMap((row) => [row.before, row.after]));
  const rules = new Table({ head: ['Rule (before -> after)', ...ruleStatuses], style: NO_COLOUR, colAligns: ['left', ...ruleStatuses.map(() => 'right' as const)] });
  for (const row of data.byRule) rules.push([row.ruleId, ...ruleStatuses.map((status) => `${row.before[status] ?? 0} -> ${row.after[status] ?? 0}`)]);
  lines.push(rules.toString());

  const detected = run.reactions.flatMap((r) => (r.changedAt !== undefined && r.recordedAt !== undefined ? [r.recordedAt - r.changedAt] : []));
  const fixedAuto = run.reactions.flatMap((r) => (r.target.mode === 'auto' && r.changedAt !== undefined && r.fixedAt !== undefined ? [r.fixedAt - r.changedAt] : []));
  const fixedApproved = run.reactions.flatMap((r) => (r.approvedAt !== undefined && r.fixedAt !== undefined ? [r.fixedAt - r.approvedAt] : []));
  const approvalSteps = data.awaitingApproval.length;
  const intake = Object.entries(run.events.outcomes).sort(([a], [b]) => (a < b ? -1 : 1)).map(([outcome, n]) => `${n} ${outcome}`).join(', ');
  const activity = new Table({ head: ['What happened', ''], style: NO_COLOUR, wordWrap: true, colWidths: [30, 78] });
  activity.push(
    ['Remediations applied', `${summary.remediationsApplied} steps succeeded (${data.timeline.filter((e) => e.outcome === 'failed').length} failed, ${data.timeline.filter((e) => e.outcome === 'try-later').length} put off until later)`],
    ['Awaiting approval', `${summary.awaitingApproval} clusters, ${approvalSteps} steps (commands in the report)`],
    ['Drift happens', `${run.reactions.length} changes by someone else; ${run.reactions.filter((r) => r.fixedAt !== undefined).length} fixed`],
    ['  change -> recorded', timing(detected, CHANGE_RECORDED_GOAL_MS)],
    ['  change -> fixed (auto)', timing(fixedAuto)],
    ['  approval -> fixed', timing(fixedApproved)],
    ['  blocked, nothing written', blockedDrifts(run)],
    ['ARM requests (the app)', requests(run.requests.app)],
    ['ARM requests (someone else)', requests(run.requests.others)],
    ['ARM throttling', `${run.requests.total.throttled} requests answered 429`],
    ['Evaluations', `${run.evaluations} (queue: ${run.messages.processed} messages, ${run.messages.retried} retried, ${run.messages.poisoned} poison)`],
    ['Event Grid events', `${run.events.emitted} emitted; onResourceEvent: ${intake || 'none'}`],
    ['Duration', `${formatDuration(data.durationMs)} (${data.phases.map((phase) => `${phase.name.toLowerCase()} ${formatDuration(phase.endedAtMs - phase.startedAtMs)}`).join(', ')})`],
    ['Errors', String(summary.errors)],
  );
  lines.push(activity.toString());
  return `${lines.join('\n')}\n`;
}
