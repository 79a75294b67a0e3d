// Renders the compliance report as ONE self-contained HTML file: inline CSS, Chart.js inlined from node_modules, the
// chart data embedded as JSON, every table as markup. It opens from disk with no network, and a Content-Security-
// Policy that allows nothing external (and only our two scripts) makes sure of it even if something slipped in.
// Long tables are paged in the page (all rows are in the markup; without scripts they all show).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { REMEDIATION_OUTCOMES, REPORT_STATUSES, type Counts, type ReportData, type ReportRollout, type ReportStatus, type RolloutWaveRow } from '../model.js';
import { CLIENT_SCRIPT } from './client.js';
import { formatBucketLabel, formatCount, formatDuration, formatOffset, formatPercent, formatSpan, formatTime, percentile } from './format.js';
import { attr, escapeHtml, jsonForScriptBlock } from './html.js';
import { OUTCOME_LABELS, STATUS_LABELS } from './palette.js';
import { REPORT_CSS } from './styles.js';
import { assertValidReportData } from './validate.js';

/** The `data-section` of every section, in page order; `reactions` only when the data has them. */
export const REPORT_SECTIONS = ['summary', 'fleet', 'history', 'rules', 'subscriptions', 'timeline', 'approvals', 'failures', 'blocked', 'rollouts', 'exemptions', 'reactions', 'about'] as const;
/** Canvas ids of the charts; `chart-reactions` only when the data has reactions. */
export const REPORT_CHARTS = ['chart-fleet', 'chart-history', 'chart-rules', 'chart-timeline', 'chart-reactions'] as const;

/** Rows per page of a paged table. */
const PAGE_SIZE = 25;
const APPROVAL_PAGE_SIZE = 10;

/** The sections this data gives, in page order (what a browser check should find). */
export function sectionsOf(data: Pick<ReportData, 'reactions' | 'rollouts'>): string[] {
  return REPORT_SECTIONS.filter((section) => (section !== 'reactions' || data.reactions !== undefined) && (section !== 'rollouts' || data.rollouts !== undefined));
}

/** The charts this data gives. */
export function chartsOf(data: Pick<ReportData, 'reactions'>): string[] {
  return REPORT_CHARTS.filter((chart) => chart !== 'chart-reactions' || data.reactions !== undefined);
}

let policyCache: string | undefined;

/** The page's Content-Security-Policy: only our two inline scripts run, nothing is fetched. Also sent as a header by GET /api/report. */
export function reportContentSecurityPolicy(): string {
  if (policyCache !== undefined) return policyCache;
  const hashes = [chartJsSource(), CLIENT_SCRIPT].map((script) => `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`).join(' ');
  policyCache = `default-src 'none'; script-src ${hashes}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  return policyCache;
}

/** Returns the whole HTML document. Throws, naming the field, if the data is malformed. */
export function renderReport(data: ReportData): string {
  assertValidReportData(data);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"${attr('content', reportContentSecurityPolicy())}>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="aks-baseline-guard report">
<title>${escapeHtml(data.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${renderHeader(data)}
<main class="wrap">
${renderFleet(data)}
${renderHistory(data)}
${renderRules(data)}
${renderSubscriptions(data)}
${renderTimeline(data)}
${renderApprovals(data)}
${renderFailures(data)}
${renderBlocked(data)}
${data.rollouts ? renderRollouts(data.rollouts) : ''}
${renderExemptions(data)}
${data.reactions ? renderReactions(data.reactions) : ''}
</main>
${renderFooter(data)}
<script type="application/json" id="report-data">${jsonForScriptBlock(chartData(data))}</script>
<script id="chartjs-library">${chartJsSource()}</script>
<script id="report-charts">${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

/** What the charts draw, and nothing else (the tables are markup): labels are formatted here, once. */
function chartData(data: ReportData) {
  const { bucketMs } = data.window;
  const cumulative = (values: number[]): number[] => {
    let total = 0;
    return values.map((value) => (total += value));
  };
  const buckets = data.remediations.buckets;
  return {
    statuses: REPORT_STATUSES,
    fleet: data.fleet.counts,
    history: { labels: data.history.points.map((point) => formatBucketLabel(point.at, bucketMs)), points: data.history.points.map((point) => point.counts) },
    rules: { ids: data.byRule.map((row) => row.ruleId), counts: data.byRule.map((row) => row.counts) },
    timeline: {
      labels: buckets.map((bucket) => formatBucketLabel(bucket.at, bucketMs)),
      started: cumulative(buckets.map((bucket) => bucket.started)),
      ended: Object.fromEntries(['Succeeded', 'Failed', 'Skipped'].map((outcome) => [outcome, cumulative(buckets.map((bucket) => bucket.ended[outcome] ?? 0))])),
    },
    ...(data.reactions ? { reactions: { rows: data.reactions.rows } } : {}),
  };
}

function count(counts: Counts, status: string): number {
  return counts[status] ?? 0;
}

function shownStatuses(list: Counts[], always: readonly ReportStatus[]): ReportStatus[] {
  return REPORT_STATUSES.filter((status) => always.includes(status) || list.some((counts) => count(counts, status) > 0));
}

function kpi(label: string, value: number, testId: string, tone = '', note = ''): string {
  return `<div class="kpi${tone ? ` ${tone}` : ''}"${attr('data-testid', testId)}${attr('data-count', value)}><div class="label">${escapeHtml(label)}</div><div class="value">${formatCount(value)}</div>${note ? `<div class="note">${escapeHtml(note)}</div>` : ''}</div>`;
}

function time(iso: string): string {
  return `<time${attr('datetime', iso)}>${escapeHtml(formatTime(iso))}</time>`;
}

/** A table that pages in the browser when it has more rows than one page. */
function pagedTable(head: string, rows: string[], options: { pageSize?: number; caption?: string; className?: string; foot?: string } = {}): string {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  return `<div class="table-scroll">
<table${options.className ? attr('class', options.className) : ''}${rows.length > pageSize ? attr('data-page-size', pageSize) : ''}>
${options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : ''}
<thead>${head}</thead>
<tbody>
${rows.join('\n')}
</tbody>${options.foot ? `\n<tfoot>${options.foot}</tfoot>` : ''}
</table>
</div>`;
}

function omittedNote(omitted: number, what: string, how: string): string {
  return omitted > 0 ? `<p class="note">${formatCount(omitted)} more ${escapeHtml(what)} are counted above but not listed (the report lists ${escapeHtml(how)}).</p>` : '';
}

function renderHeader(data: ReportData): string {
  const { fleet } = data;
  const compliant = count(fleet.counts, 'Compliant');
  const succeeded = count(data.remediations.byStatus, 'Succeeded');
  const sweep = fleet.lastSweep;
  return `<header class="page" data-section="summary">
<div class="wrap">
<h1>${escapeHtml(data.title)}</h1>
<ul class="meta" aria-label="Report details">
  <li>Store <b>${escapeHtml(data.store)}</b></li>
  <li>Baseline <b>${escapeHtml(data.baseline.label)}</b> (${formatCount(data.baseline.rules.length)} rules)</li>
  <li>Period <b>${escapeHtml(formatSpan(Date.parse(data.window.until) - Date.parse(data.window.since)))}</b> from ${time(data.window.since)}</li>
  <li>Generated <b>${time(data.generatedAt)}</b></li>
  ${sweep ? `<li>Last sweep <b>${time(sweep.startedAt)}</b> (${escapeHtml(sweep.trigger)}, ${escapeHtml(sweep.status)}${sweep.clustersEnqueued !== undefined ? `, ${formatCount(sweep.clustersEnqueued)} clusters` : ''})</li>` : '<li>No sweep recorded</li>'}
</ul>
<div class="kpis">
  ${kpi('Clusters', fleet.clusters, 'clusters', '', `in ${formatCount(fleet.subscriptions)} subscriptions`)}
  ${kpi('Compliant now', compliant, 'kpi-compliant', 'good', `${formatPercent(compliant, fleet.clusters)} of the clusters`)}
  ${kpi('Awaiting approval', fleet.awaitingApproval, 'kpi-awaiting-approval', fleet.awaitingApproval > 0 ? 'warn' : '', 'clusters')}
  ${kpi('Remediation failed', data.failures.findings, 'kpi-remediation-failed', data.failures.findings > 0 ? 'bad' : '', `findings on ${formatCount(data.failures.clusters)} clusters`)}
  ${kpi('Remediations succeeded', succeeded, 'kpi-remediations-succeeded', '', `in the last ${formatSpan(Date.parse(data.window.until) - Date.parse(data.window.since))}`)}
  ${kpi('Exemptions ending soon', data.exemptions.rows.length, 'kpi-exemptions-expiring', data.exemptions.rows.length > 0 ? 'warn' : '', `within ${data.exemptions.noticeDays} days`)}
</div>
</div>
</header>`;
}

function renderFleet(data: ReportData): string {
  const { counts, clusters } = data.fleet;
  const shown = shownStatuses([counts], ['Compliant', 'NonCompliant']);
  const total = REPORT_STATUSES.reduce((sum, status) => sum + count(counts, status), 0);
  const tiles = shown
    .map((status) => {
      const n = count(counts, status);
      return `<div class="tile status-${status}"${attr('data-testid', `fleet-${status}`)}${attr('data-count', n)}><div class="label"><span class="dot" aria-hidden="true"></span>${escapeHtml(STATUS_LABELS[status])}</div><div class="value">${formatCount(n)}<span class="share">${formatPercent(n, total)}</span></div></div>`;
    })
    .join('\n');
  const evaluated =
    data.fleet.oldestEvaluation && data.fleet.newestEvaluation
      ? `<p class="note">Every cluster was last evaluated between ${time(data.fleet.oldestEvaluation)} and ${time(data.fleet.newestEvaluation)}.</p>`
      : '';
  return `<section class="card" data-section="fleet" aria-labelledby="h-fleet">
<h2 id="h-fleet">Fleet status now</h2>
<p class="lede">Each cluster's status as last recorded. ${formatCount(data.fleet.awaitingApproval)} of the non-compliant clusters wait for a person to approve a change; a cluster whose fixes reached the attempt limit is <i>Remediation failed</i>.</p>
<div class="tiles">
${tiles}
</div>
<div class="chart-box" style="height: 230px">
<canvas id="chart-fleet" role="img"${attr('aria-label', `Clusters by status: ${describeCounts(counts)}.`)}>${escapeHtml(describeCounts(counts))}</canvas>
</div>
${clusters === 0 ? '<p class="empty">The store holds no cluster yet: the app records a cluster when it first evaluates it (a sweep, an event or an HTTP call).</p>' : evaluated}
</section>`;
}

function renderHistory(data: ReportData): string {
  const { points, transitions, ruleTransitions, incomplete } = data.history;
  const first = points[0]?.counts ?? {};
  const last = points[points.length - 1]?.counts ?? {};
  const shown = shownStatuses([first, last, ...points.map((point) => point.counts)], ['Compliant', 'NonCompliant']);
  const rows = shown.map((status) => `<tr><th scope="row"><span class="status-${status}"><span class="dot" aria-hidden="true"></span></span>${escapeHtml(STATUS_LABELS[status])}</th><td class="num">${formatCount(count(first, status))}</td><td class="num">${formatCount(count(last, status))}</td></tr>`);
  return `<section class="card" data-section="history" aria-labelledby="h-history">
<h2 id="h-history">Compliance over time</h2>
<p class="lede">Clusters by status over the last ${escapeHtml(formatSpan(Date.parse(data.window.until) - Date.parse(data.window.since)))}, in steps of ${escapeHtml(formatSpan(data.window.bucketMs))}, from the recorded status changes (<span${attr('data-testid', 'history-transitions')}${attr('data-count', transitions)}>${formatCount(transitions)}</span> cluster transitions and ${formatCount(ruleTransitions)} rule transitions in the period). Clusters first recorded during the period join the chart when they were first seen.</p>
<div class="chart-box" style="height: 300px">
<canvas id="chart-history" role="img"${attr('aria-label', `Clusters by status over time. At the start: ${describeCounts(first)}. Now: ${describeCounts(last)}.`)}>At the start: ${escapeHtml(describeCounts(first))}. Now: ${escapeHtml(describeCounts(last))}.</canvas>
</div>
${incomplete ? '<p class="note warn">The recorded history does not add up with the current states (rows are missing, or were written with a clock far off), so the chart is an estimate.</p>' : ''}
${pagedTable('<tr><th scope="col">Status</th><th scope="col" class="num">At the start</th><th scope="col" class="num">Now</th></tr>', rows, { caption: 'Clusters per status at the start of the period and now' })}
</section>`;
}

function renderRules(data: ReportData): string {
  const rows = data.byRule;
  const shown = shownStatuses(rows.map((row) => row.counts), []).filter((status) => status !== 'Deleted');
  const height = Math.max(200, 90 + rows.length * 34);
  const header = `<tr><th scope="col">Rule</th><th scope="col">Mode</th>${shown.map((status) => `<th scope="col" class="num status-head status-${status}">${escapeHtml(STATUS_LABELS[status])}</th>`).join('')}<th scope="col" class="num status-head status-AwaitingApproval">Awaiting approval</th></tr>`;
  const body = rows.map((row) => {
    const cells = shown.map((status) => `<td class="num"${attr('data-testid', `rule-${row.ruleId}-${status}`)}${attr('data-count', count(row.counts, status))}>${formatCount(count(row.counts, status))}</td>`).join('');
    return `<tr><th scope="row" class="nowrap"><code>${escapeHtml(row.ruleId)}</code></th><td>${row.mode ? `<code>${escapeHtml(row.mode)}</code>` : '<span class="sub">not in this baseline</span>'}</td>${cells}<td class="num"${attr('data-testid', `rule-${row.ruleId}-AwaitingApproval`)}${attr('data-count', row.awaitingApproval)}>${formatCount(row.awaitingApproval)}</td></tr>`;
  });
  return `<section class="card" data-section="rules" aria-labelledby="h-rules">
<h2 id="h-rules">Status by rule</h2>
<p class="lede">For each rule, the clusters in each status as last recorded (deleted clusters left out). A rule the baseline no longer has still shows while clusters carry a result for it.</p>
${rows.length === 0 ? '<p class="empty">No rule result is recorded yet.</p>' : ''}
<div class="chart-box"${attr('style', `height: ${height}px`)}>
<canvas id="chart-rules" role="img"${attr('aria-label', `Stacked bars of rule results per status for ${rows.length} rules. The table below has the same numbers.`)}>The table below has the same numbers.</canvas>
</div>
${pagedTable(header, body, { caption: 'Rule results per status' })}
</section>`;
}

function renderSubscriptions(data: ReportData): string {
  const { rows, others } = data.bySubscription;
  const all = [...rows.map((row) => row.counts), ...(others ? [others.counts] : [])];
  const shown = shownStatuses(all, ['Compliant', 'NonCompliant']).filter((status) => status !== 'Deleted');
  const header = `<tr><th scope="col">Subscription</th><th scope="col" class="num">Clusters</th>${shown.map((status) => `<th scope="col" class="num status-head status-${status}">${escapeHtml(STATUS_LABELS[status])}</th>`).join('')}</tr>`;
  const line = (clusters: number, counts: Counts, testId: string): string =>
    `<td class="num"${attr('data-testid', testId)}${attr('data-count', clusters)}>${formatCount(clusters)}</td>${shown.map((status) => `<td class="num">${formatCount(count(counts, status))}</td>`).join('')}`;
  const body = rows.map((row) => `<tr><th scope="row"><code>${escapeHtml(row.subscriptionId)}</code></th>${line(row.clusters, row.counts, `subscription-${row.subscriptionId}`)}</tr>`);
  const foot = others ? `<tr class="others"><th scope="row">${formatCount(others.subscriptions)} more subscriptions</th>${line(others.clusters, others.counts, 'subscription-others')}</tr>` : undefined;
  return `<section class="card" data-section="subscriptions" aria-labelledby="h-subscriptions">
<h2 id="h-subscriptions">Status by subscription</h2>
<p class="lede">Clusters per status in each subscription (<span${attr('data-testid', 'subscriptions')}${attr('data-count', data.fleet.subscriptions)}>${formatCount(data.fleet.subscriptions)}</span>), those with the most non-compliant, failed or unknown clusters first.</p>
${rows.length === 0 ? '<p class="empty">No subscription has a recorded cluster.</p>' : pagedTable(header, body, { ...(foot ? { foot } : {}) })}
</section>`;
}

function renderTimeline(data: ReportData): string {
  const { remediations } = data;
  const stats = REMEDIATION_OUTCOMES.map((outcome) => {
    const n = count(remediations.byStatus, outcome);
    return `<div class="kpi outcome-${outcome}"${attr('data-testid', `remediations-${outcome}`)}${attr('data-count', n)}><div class="label">${escapeHtml(OUTCOME_LABELS[outcome])}</div><div class="value">${formatCount(n)}</div></div>`;
  }).join('\n');
  const byRuleHead = `<tr><th scope="col">Rule</th>${REMEDIATION_OUTCOMES.map((outcome) => `<th scope="col" class="num status-head outcome-${outcome}">${escapeHtml(outcome)}</th>`).join('')}</tr>`;
  const byRule = remediations.byRule.map((row) => `<tr><th scope="row"><code>${escapeHtml(row.ruleId)}</code></th>${REMEDIATION_OUTCOMES.map((outcome) => `<td class="num">${formatCount(count(row.counts, outcome))}</td>`).join('')}</tr>`);
  const recentHead = '<tr><th scope="col">Started</th><th scope="col">Cluster</th><th scope="col">Step</th><th scope="col" class="num">Attempt</th><th scope="col">Outcome</th><th scope="col">Ended</th><th scope="col">Cause</th></tr>';
  const recent = remediations.recent.map(
    (row) => `<tr>
<td class="nowrap">${time(row.startedAt)}</td>
<td>${clusterCell(row.clusterName, row.clusterId)}</td>
<td><code>${escapeHtml(row.stepId)}</code></td>
<td class="num">${formatCount(row.attempt)}</td>
<td><span class="pill outcome-${escapeHtml(row.status)}">${escapeHtml(row.status)}</span>${row.errorCode ? `<span class="sub"><code>${escapeHtml(row.errorCode)}</code>${row.errorMessage ? ` ${escapeHtml(row.errorMessage)}` : ''}</span>` : ''}</td>
<td class="nowrap">${row.completedAt ? time(row.completedAt) : '–'}</td>
<td>${escapeHtml(row.causeKind)}</td>
</tr>`,
  );
  return `<section class="card" data-section="timeline" aria-labelledby="h-timeline">
<h2 id="h-timeline">Remediation timeline</h2>
<p class="lede">Every ARM write the app made in the period (${formatCount(remediations.rows)}), by how it ended. A write is recorded before it is sent (Started), Accepted once ARM took it, then Succeeded, Failed or Skipped (the resource was busy, ARM throttled, or the fix was no longer needed).</p>
<div class="stats">
${stats}
</div>
<div class="chart-box" style="height: 300px">
<canvas id="chart-timeline" role="img"${attr('aria-label', `Cumulative remediation writes over the period: ${REMEDIATION_OUTCOMES.map((outcome) => `${count(remediations.byStatus, outcome)} ${outcome.toLowerCase()}`).join(', ')}.`)}>${escapeHtml(REMEDIATION_OUTCOMES.map((outcome) => `${outcome}: ${count(remediations.byStatus, outcome)}`).join('; '))}</canvas>
</div>
${remediations.rows === 0 ? '<p class="empty">No remediation was started in the period.</p>' : `<h3>By rule</h3>
${pagedTable(byRuleHead, byRule)}
<h3>Newest writes</h3>
${pagedTable(recentHead, recent)}
${omittedNote(remediations.omitted, 'writes', `the newest ${formatCount(remediations.recent.length)}`)}`}
</section>`;
}

/** What an approval runs: the steps (more than one when the rule is approved by its id), each with what it disrupts. */
function stepsCell(approve: string, steps: ReportData['approvals']['byRule'][number]['steps'], folded: boolean): string {
  const named = steps.length === 1 && approve.endsWith(`:${steps[0]?.action ?? ''}`);
  const disruption = (text: string | null | undefined): string => {
    if (text === undefined) return '';
    if (text === null) return '<span class="sub">Disrupts nothing its documentation names.</span>';
    return folded ? `<details class="disrupts"><summary>What it disrupts</summary>${escapeHtml(text)}</details>` : `<span class="disrupts">Disrupts: ${escapeHtml(text)}</span>`;
  };
  return steps.map((step) => `${named ? '' : `<span class="sub">may run <code>${escapeHtml(step.action)}</code></span>`}${disruption(step.disrupts)}`).join('');
}

function renderApprovals(data: ReportData): string {
  const { approvals } = data;
  const byRule = approvals.byRule.map(
    (row) => `<tr><th scope="row"><code>${escapeHtml(row.ruleId)}</code></th><td class="num">${formatCount(row.clusters)}</td><td><code>${escapeHtml(row.approve)}</code></td><td>${stepsCell(row.approve, row.steps, false)}</td></tr>`,
  );
  const rows = approvals.rows.map(
    (row) => `<tr>
<td>${clusterCell(row.clusterName, row.clusterId)}</td>
<td><code>${escapeHtml(row.ruleId)}</code><span class="sub">approve <code>${escapeHtml(row.approve)}</code></span>${stepsCell(row.approve, row.steps, true)}</td>
<td><p class="cmd-label">HTTP</p><pre class="cmd"><code>${escapeHtml(row.httpCall)}</code></pre><p class="cmd-label">CLI</p><pre class="cmd"><code>${escapeHtml(row.cliCommand)}</code></pre></td>
</tr>`,
  );
  return `<section class="card" data-section="approvals" aria-labelledby="h-approvals">
<h2 id="h-approvals">Clusters awaiting approval <span class="badge"${attr('data-testid', 'approvals-clusters')}${attr('data-count', approvals.clusters)}>(${formatCount(approvals.clusters)})</span></h2>
<p class="lede">Non-compliant rules in <code>approval</code> mode: the app planned their fix but waits for a person. Run either command to approve it on that cluster (the HTTP call needs the app's function key); click a command once to select all of it. The CLI scans the cluster's resource group and applies the approved fix to every cluster there that plans it. A rule that may be fixed in more than one way is approved by its rule id, which approves whichever of its steps the plan holds.</p>
${
  approvals.rules === 0
    ? '<p class="empty">Nothing waits for approval.</p>'
    : `<p class="legend-note"><span${attr('data-testid', 'approvals-rules')}${attr('data-count', approvals.rules)}>${formatCount(approvals.rules)}</span> rules waiting on ${formatCount(approvals.clusters)} clusters.</p>
<h3>By rule</h3>
${pagedTable('<tr><th scope="col">Rule</th><th scope="col" class="num">Clusters</th><th scope="col">Approve</th><th scope="col">What it disrupts</th></tr>', byRule)}
<h3>Per cluster</h3>
${pagedTable('<tr><th scope="col">Cluster</th><th scope="col">Rule and steps</th><th scope="col">Approve it</th></tr>', rows, { pageSize: APPROVAL_PAGE_SIZE, className: 'approvals', caption: 'Rules awaiting approval, with the commands that approve them' })}
${omittedNote(approvals.omitted, 'waiting rules', `the first ${formatCount(approvals.rows.length)}; GET /api/compliance?status=NonCompliant pages through every non-compliant cluster`)}`
}
</section>`;
}

function renderFailures(data: ReportData): string {
  const { failures } = data;
  const byCode = failures.byCode.map((row) => `<tr><th scope="row"><code>${escapeHtml(row.code)}</code></th><td class="num">${formatCount(row.findings)}</td></tr>`);
  const rows = failures.rows.map(
    (row) => `<tr>
<td>${clusterCell(row.clusterName, row.clusterId)}</td>
<td><code>${escapeHtml(row.ruleId)}</code></td>
<td class="num">${row.attempts === undefined ? '–' : formatCount(row.attempts)}</td>
<td><code>${escapeHtml(row.code)}</code>${row.message ? `<span class="sub">${escapeHtml(row.message)}</span>` : ''}</td>
<td class="nowrap">${time(row.evaluatedAt)}</td>
</tr>`,
  );
  return `<section class="card" data-section="failures" aria-labelledby="h-failures">
<h2 id="h-failures">Remediation failed <span class="badge"${attr('data-testid', 'failures-findings')}${attr('data-count', failures.findings)}>(${formatCount(failures.findings)})</span></h2>
<p class="lede">Rules whose fixes reached the attempt limit (MAX_REMEDIATION_ATTEMPTS): the app stopped trying. Each shows ARM's error code and message from the last attempt (credential-like text and request bodies masked). Fix the cause, then name the step in <code>approve</code> on the remediate route to try again.</p>
${
  failures.findings === 0
    ? '<p class="empty">No remediation has failed for good.</p>'
    : `<h3>By ARM error code</h3>
${pagedTable('<tr><th scope="col">Error code</th><th scope="col" class="num">Findings</th></tr>', byCode)}
<h3>Findings</h3>
${pagedTable('<tr><th scope="col">Cluster</th><th scope="col">Rule</th><th scope="col" class="num">Attempts</th><th scope="col">Last ARM error</th><th scope="col">Evaluated</th></tr>', rows)}
${omittedNote(failures.omitted, 'findings', `the first ${formatCount(failures.rows.length)}`)}`
}
</section>`;
}

function renderBlocked(data: ReportData): string {
  const { blocked } = data;
  const byReason = blocked.byReason.map((row) => `<tr><th scope="row"><code>${escapeHtml(row.reason)}</code></th><td class="num"${attr('data-testid', `blocked-${row.reason}`)}${attr('data-count', row.findings)}>${formatCount(row.findings)}</td></tr>`);
  const rows = blocked.rows.map((row) => `<tr><td>${clusterCell(row.clusterName, row.clusterId)}</td><td><code>${escapeHtml(row.ruleId)}</code></td><td><code>${escapeHtml(row.reason)}</code><span class="sub">${escapeHtml(row.message)}</span>${row.fixes.map((fix) => `<span class="sub">Fix: <code>${escapeHtml(fix)}</code></span>`).join('')}</td></tr>`);
  return `<section class="card" data-section="blocked" aria-labelledby="h-blocked">
<h2 id="h-blocked">Blocked steps <span class="badge"${attr('data-testid', 'blocked-findings')}${attr('data-count', blocked.findings)}>(${formatCount(blocked.findings)})</span></h2>
<p class="lede">Fixes that cannot run now whatever their mode (<code>blockedBy</code>): a stopped cluster, an extension AKS manages, a setting that needs the extension deleted and created again, a missing prerequisite. Each says what a person can do.</p>
${
  blocked.findings === 0
    ? '<p class="empty">No recorded rule result carries a blocked step.</p>'
    : `<h3>By reason</h3>
${pagedTable('<tr><th scope="col">Reason</th><th scope="col" class="num">Findings</th></tr>', byReason)}
<h3>Findings</h3>
${pagedTable('<tr><th scope="col">Cluster</th><th scope="col">Rule</th><th scope="col">Why, and what to do</th></tr>', rows)}
${omittedNote(blocked.omitted, 'findings', `the first ${formatCount(blocked.rows.length)}`)}`
}
</section>`;
}

const WAVE_STATE_LABELS: Record<RolloutWaveRow['state'], string> = {
  completed: 'completed',
  running: 'running',
  halted: 'halted',
  'awaiting-approval': 'waiting for approval',
  soaking: 'soaking',
  waiting: 'waiting for earlier waves',
};
const ROLLOUT_STATE_LABELS: Record<ReportRollout['state'], string> = {
  'not-started': 'not started',
  running: 'running',
  'awaiting-approval': 'waiting for approval',
  soaking: 'soaking',
  waiting: 'waiting',
  halted: 'halted',
  completed: 'completed',
};

function renderRollouts(section: NonNullable<ReportData['rollouts']>): string {
  const blocks = section.rows.map((rollout) => {
    const id = rollout.rolloutId;
    const facts = [
      rollout.createdAt ? `started ${time(rollout.createdAt)}` : 'no cluster has needed one of its steps yet',
      rollout.currentWave !== undefined ? `current wave <code>${escapeHtml(rollout.currentWave)}</code>` : '',
      rollout.approvalPerWave === undefined ? '' : rollout.approvalPerWave ? 'each wave needs a person\'s approval' : 'waves follow one another by themselves',
      rollout.budget !== undefined
        ? `failures <span${attr('data-testid', `rollout-${id}-failures`)}${attr('data-count', rollout.countedFailures ?? rollout.failures)}>${formatCount(rollout.countedFailures ?? rollout.failures)}</span> of a budget of ${formatCount(rollout.budget)} (maxFailures ${escapeHtml(rollout.maxFailures ?? '')})${rollout.countedFailures !== undefined && rollout.countedFailures !== rollout.failures ? `; ${formatCount(rollout.failures)} in all, counted since the last resume` : ''}`
        : `${formatCount(rollout.failures)} failed`,
    ].filter((fact) => fact !== '');
    const halt = rollout.halt ? `<p class="note"${attr('data-testid', `rollout-${id}-halt`)}>Halted ${time(rollout.halt.at)} by <strong>${escapeHtml(rollout.halt.by)}</strong>: ${escapeHtml(rollout.halt.reason)}. Nothing new starts until someone resumes it (<code>aks-baseline-guard rollout resume ${escapeHtml(id)}</code>).</p>` : '';
    const resume = rollout.resume ? `<p class="note">Last resumed ${time(rollout.resume.at)} by ${escapeHtml(rollout.resume.by)}.</p>` : '';
    const rows = rollout.waves.map(
      (wave) => `<tr${attr('data-testid', `rollout-${id}-wave-${wave.index}`)}${attr('data-state', wave.state)}>
<th scope="row"><code>${escapeHtml(wave.name)}</code>${wave.maxConcurrent !== undefined ? `<span class="sub">at most ${formatCount(wave.maxConcurrent)} at a time</span>` : ''}</th>
<td>${escapeHtml(WAVE_STATE_LABELS[wave.state])}${wave.state === 'soaking' && wave.soakUntil ? `<span class="sub">until ${time(wave.soakUntil)}</span>` : ''}</td>
<td class="num">${formatCount(wave.clusters)}</td>
<td class="num">${formatCount(wave.running + wave.succeeded + wave.failed)}</td>
<td class="num">${formatCount(wave.succeeded)}</td>
<td class="num">${formatCount(wave.failed)}</td>
<td>${wave.approvedBy ? `${escapeHtml(wave.approvedBy)}${wave.approvedAt ? `<span class="sub">${time(wave.approvedAt)}</span>` : ''}` : '–'}</td>
<td class="nowrap">${wave.completedAt ? time(wave.completedAt) : '–'}</td>
</tr>`,
    );
    return `<h3>Rollout <code>${escapeHtml(id)}</code> <span class="badge"${attr('data-testid', `rollout-${id}-state`)}${attr('data-state', rollout.state)}>${escapeHtml(ROLLOUT_STATE_LABELS[rollout.state])}</span></h3>
${rollout.inBaseline ? '' : '<p class="note">The baseline no longer has this rollout: its waves are as recorded, without progress.</p>'}
<p>${facts.join('; ')}.</p>
${halt}${resume}
${pagedTable('<tr><th scope="col">Wave</th><th scope="col">State</th><th scope="col" class="num">Clusters</th><th scope="col" class="num">Started</th><th scope="col" class="num">Succeeded</th><th scope="col" class="num">Failed</th><th scope="col">Approved by</th><th scope="col">Completed</th></tr>', rows)}`;
  });
  return `<section class="card" data-section="rollouts" aria-labelledby="h-rollouts">
<h2 id="h-rollouts">Rollouts <span class="badge"${attr('data-testid', 'rollouts-total')}${attr('data-count', section.total)}>(${formatCount(section.total)})</span></h2>
<p class="lede">The baseline's rollout policies (<code>rollouts</code>) and any rollout recorded in the store: per wave, in order, its clusters, how many started, succeeded and failed, where it stands and who approved it. A wave opens when the ones before it completed and soaked, and, when a rule it governs is in approval mode, when a person approved it.</p>
${section.total === 0 ? '<p class="empty">The baseline has no rollouts and none is recorded.</p>' : blocks.join('\n')}
${omittedNote(section.omitted, 'rollouts', `the first ${formatCount(section.rows.length)}`)}
</section>`;
}

function renderExemptions(data: ReportData): string {
  const { exemptions } = data;
  const now = Date.parse(data.generatedAt);
  const rows = exemptions.rows.map((row) => {
    const days = Math.max(0, (Date.parse(row.expiry) - now) / 86_400_000);
    return `<tr>
<td>${row.clusterName ? clusterCell(row.clusterName, row.clusterId) : `<code class="id">${escapeHtml(row.clusterId)}</code><span class="sub">not in the store</span>`}</td>
<td><code>${escapeHtml(row.ruleId)}</code></td>
<td>${escapeHtml(row.reason)}</td>
<td class="nowrap">${escapeHtml(row.expires)}<span class="sub">ends ${time(row.expiry)}, in ${escapeHtml(days < 1 ? `${Math.max(1, Math.round(days * 24))} h` : `${Math.floor(days)} d`)}</span></td>
<td>${row.status ? escapeHtml(row.status) : '–'}</td>
</tr>`;
  });
  return `<section class="card" data-section="exemptions" aria-labelledby="h-exemptions">
<h2 id="h-exemptions">Exemptions ending within ${formatCount(exemptions.noticeDays)} days <span class="badge"${attr('data-testid', 'exemptions-expiring')}${attr('data-count', exemptions.rows.length)}>(${formatCount(exemptions.rows.length)})</span></h2>
<p class="lede">From the baseline's <code>exemptions</code>. When one ends, the rule is checked again on that cluster, and fixed if its mode says so. Extend it in the baseline, or let it end. The status is the one recorded now.</p>
${exemptions.rows.length === 0 ? '<p class="empty">No exemption ends within the notice period.</p>' : pagedTable('<tr><th scope="col">Cluster</th><th scope="col">Rule</th><th scope="col">Reason</th><th scope="col">Expires</th><th scope="col">Status now</th></tr>', rows)}
</section>`;
}

function renderReactions(section: NonNullable<ReportData['reactions']>): string {
  const rows = section.rows;
  const values = rows.map((row) => row.reactionMs);
  const p50 = percentile(values, 50);
  const max = percentile(values, 100);
  const fixed = rows.filter((row) => row.fixedAtMs !== undefined).length;
  const stat = (label: string, testId: string, ms: number | undefined): string =>
    `<div class="kpi"${attr('data-testid', testId)}${ms === undefined ? '' : attr('data-ms', ms)}><div class="label">${escapeHtml(label)}</div><div class="value">${ms === undefined ? '–' : escapeHtml(formatDuration(ms))}</div></div>`;
  const body = rows.map(
    (row) => `<tr>
<td>${clusterCell(row.clusterName, row.clusterId)}</td>
<td>${escapeHtml(row.drift)}</td>
<td><code class="id">${escapeHtml(row.eventId)}</code></td>
<td class="num">${escapeHtml(formatOffset(row.changedAtMs))}</td>
<td class="num">${escapeHtml(formatOffset(row.recordedAtMs))}</td>
<td class="num">${row.fixedAtMs === undefined ? 'not fixed' : escapeHtml(formatOffset(row.fixedAtMs))}</td>
<td class="num"><b>${escapeHtml(formatDuration(row.reactionMs))}</b></td>
</tr>`,
  );
  const height = Math.max(200, 80 + rows.length * 26);
  return `<section class="card" data-section="reactions" aria-labelledby="h-reactions">
<h2 id="h-reactions">${escapeHtml(section.title)}</h2>
<p class="lede">${escapeHtml(section.lede)}</p>
<div class="stats">
${stat('Median (p50)', 'reaction-p50', p50)}
${stat('Slowest (max)', 'reaction-max', max)}
${stat('Change → recorded (p50)', 'reaction-recorded-p50', percentile(rows.map((row) => row.recordedMs), 50))}
${stat('Change → fixed (p50)', 'reaction-fixed-p50', percentile(rows.flatMap((row) => (row.fixedMs === undefined ? [] : [row.fixedMs])), 50))}
<div class="kpi"${attr('data-testid', 'reaction-fixed')}${attr('data-count', fixed)}><div class="label">Drifts fixed</div><div class="value">${formatCount(fixed)} <small>of ${formatCount(rows.length)}</small></div></div>
</div>
<div class="chart-box"${attr('style', `height: ${height}px`)}>
<canvas id="chart-reactions" role="img"${p50 === undefined ? '' : attr('data-p50', p50)}${max === undefined ? '' : attr('data-max', max)}${attr('aria-label', rows.length === 0 ? 'No drift was made in this run.' : `Reaction time per drifted cluster; median ${formatDuration(p50 ?? 0)}, slowest ${formatDuration(max ?? 0)}.`)}>Median ${escapeHtml(formatDuration(p50 ?? 0))}, slowest ${escapeHtml(formatDuration(max ?? 0))}.</canvas>
</div>
${
  rows.length === 0
    ? '<p class="empty">No drift was made in this run.</p>'
    : pagedTable('<tr><th scope="col">Cluster</th><th scope="col">Drift</th><th scope="col">Event id</th><th scope="col" class="num">Changed at</th><th scope="col" class="num">Recorded at</th><th scope="col" class="num">Fixed at</th><th scope="col" class="num">Reaction</th></tr>', body)
}
${renderPhases(section)}
</section>`;
}

function renderPhases(section: NonNullable<ReportData['reactions']>): string {
  if (section.phases.length === 0) return '';
  const end = Math.max(section.durationMs, ...section.phases.map((phase) => phase.endedAtMs));
  const phases = [...section.phases].sort((a, b) => a.startedAtMs - b.startedAtMs);
  const share = (ms: number): string => (end > 0 ? ((100 * ms) / end).toFixed(3) : '0');
  let cursor = 0;
  const segments: string[] = [];
  for (const phase of phases) {
    const start = Math.max(cursor, phase.startedAtMs);
    if (start > cursor) segments.push(`<div class="phase gap"${attr('style', `width: ${share(start - cursor)}%`)}></div>`);
    const width = Math.max(0, phase.endedAtMs - start);
    segments.push(`<div class="phase"${attr('style', `width: ${share(width)}%`)}${attr('title', `${phase.name} (${formatDuration(phase.endedAtMs - phase.startedAtMs)})`)}>${escapeHtml(phase.name)}</div>`);
    cursor = Math.max(cursor, phase.endedAtMs);
  }
  const rows = phases.map(
    (phase) => `<tr><th scope="row">${escapeHtml(phase.name)}</th><td class="num">${escapeHtml(formatOffset(phase.startedAtMs))}</td><td class="num">${escapeHtml(formatOffset(phase.endedAtMs))}</td><td class="num">${escapeHtml(formatDuration(phase.endedAtMs - phase.startedAtMs))}</td></tr>`,
  );
  return `<h3>Phases</h3>
<div class="phases" role="presentation">
${segments.join('\n')}
</div>
${pagedTable('<tr><th scope="col">Phase</th><th scope="col" class="num">Started at</th><th scope="col" class="num">Ended at</th><th scope="col" class="num">Took</th></tr>', rows)}`;
}

function renderFooter(data: ReportData): string {
  return `<footer class="page" data-section="about">
<div class="wrap">
${
  data.rerun
    ? `<h2>Run it again</h2>
<p>${escapeHtml(data.rerun.note)}</p>
<pre class="cmd"><code>${escapeHtml(data.rerun.command)}</code></pre>`
    : ''
}
<p>Made by <code>aks-baseline-guard report</code> (or <code>GET /api/report</code>) from the app's Table store. Everything is in this one file: styles, the chart data (the <code>report-data</code> JSON block of the page source) and Chart.js ${escapeHtml(chartJsVersion())} (MIT licence), so it opens offline. Tables longer than ${formatCount(data.maxRows)} rows are counted, not listed; times are UTC.</p>
</div>
</footer>`;
}

function describeCounts(counts: Counts): string {
  const parts = REPORT_STATUSES.filter((status) => count(counts, status) > 0).map((status) => `${count(counts, status)} ${STATUS_LABELS[status].toLowerCase()}`);
  return parts.length > 0 ? parts.join(', ') : 'no clusters';
}

/** The cluster name, with where it lives underneath; the full resource id is in the tooltip. */
function clusterCell(name: string, id: string): string {
  const parts = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id);
  const where = parts ? `${parts[2] ?? ''} · ${(parts[1] ?? '').slice(0, 8)}…` : id;
  return `<span${attr('title', id)}>${escapeHtml(name)}</span><span class="sub"${attr('title', id)}>${escapeHtml(where)}</span>`;
}

let chartJsCache: string | undefined;

function chartJsVersion(): string {
  return /Chart\.js v(\d+\.\d+\.\d+)/.exec(chartJsSource())?.[1] ?? '';
}

/** The Chart.js UMD build, read from node_modules once per process (its package exports only the ESM/CJS entries). */
function chartJsSource(): string {
  if (chartJsCache !== undefined) return chartJsCache;
  const require = createRequire(import.meta.url);
  let file: string;
  try {
    file = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  } catch (err) {
    throw new Error(`Cannot render the report: the chart.js package is not installed (${(err as Error).message}). Run npm install.`);
  }
  const source = readFileSync(file, 'utf8');
  // Inlined as-is, so it must not be able to close or comment out its own <script> element.
  if (/<\/script|<!--/i.test(source)) throw new Error(`Cannot inline ${file}: it contains "</script" or "<!--".`);
  chartJsCache = source;
  return source;
}
