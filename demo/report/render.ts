// Renders the demo's compliance report as ONE self-contained HTML file: inline CSS, Chart.js inlined from
// node_modules, the data embedded as JSON. It opens from disk with no network, and a Content-Security-Policy
// that allows nothing external makes sure of it even if something slipped in.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CLIENT_SCRIPT } from './client.js';
import { formatCount, formatDuration, formatOffset, formatPercent, percentile } from './format.js';
import { attr, escapeHtml, jsonForScriptBlock } from './html.js';
import { OUTCOME_LABELS, STATUS_LABELS } from './palette.js';
import { REPORT_CSS } from './styles.js';
import { REPORT_STATUSES, TIMELINE_OUTCOMES, type ReportData, type ReportStatus, type StatusCounts } from './types.js';
import { assertValidReportData } from './validate.js';

/** The `data-section` of every section, in page order; the browser check looks for each. */
export const REPORT_SECTIONS = ['summary', 'compliance', 'rules', 'timeline', 'approvals', 'reactions', 'rerun'] as const;

/** Canvas ids of the four charts. */
export const REPORT_CHARTS = ['chart-compliance', 'chart-rules', 'chart-timeline', 'chart-reactions'] as const;

/** The command that reproduces a run of the demo with the same fleet. */
export function rerunCommand(fleet: ReportData['fleet']): string {
  return [
    'npm run demo --',
    `--clusters ${fleet.clusters}`,
    `--subscriptions ${fleet.subscriptions}`,
    `--seed ${fleet.seed}`,
    `--fault-rate ${fleet.faultRate}`,
    `--baseline ${shellQuote(fleet.baseline)}`,
  ].join(' ');
}

/** Returns the whole HTML document. Throws, naming the field, if the data is malformed. */
export function renderReport(data: ReportData): string {
  assertValidReportData(data);
  const chartJs = chartJsSource();
  const inlineScripts = [chartJs, CLIENT_SCRIPT];
  const scriptHashes = inlineScripts.map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`).join(' ');
  // Only our two inline scripts may run, and nothing may be fetched.
  const csp = `default-src 'none'; script-src ${scriptHashes}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"${attr('content', csp)}>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="aks-baseline-guard demo">
<title>${escapeHtml(data.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${renderHeader(data)}
<main class="wrap">
${renderCompliance(data)}
${renderRules(data)}
${renderTimeline(data)}
${renderApprovals(data)}
${renderReactions(data)}
</main>
${renderFooter(data)}
<script type="application/json" id="report-data">${jsonForScriptBlock(data)}</script>
<script id="chartjs-library">${chartJs}</script>
<script id="report-charts">${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

function renderHeader(data: ReportData): string {
  const { fleet, summary } = data;
  const compliantAfter = count(summary.after, 'Compliant');
  return `<header class="page" data-section="summary">
<div class="wrap">
<h1>${escapeHtml(data.title)}</h1>
<ul class="meta" aria-label="Run details">
  <li>Fleet <b>${formatCount(fleet.clusters)} clusters</b> in <b>${formatCount(fleet.subscriptions)} subscriptions</b></li>
  <li>Baseline <b>${escapeHtml(fleet.baseline)}</b></li>
  <li>Seed <b>${escapeHtml(fleet.seed)}</b></li>
  <li>Injected faults <b>${escapeHtml(formatPercent(fleet.faultRate, 1))}</b></li>
  <li>Duration <b>${escapeHtml(formatDuration(data.durationMs))}</b></li>
  <li>Generated <b><time${attr('datetime', data.generatedAt)}>${escapeHtml(data.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time></b></li>
</ul>
<div class="kpis">
  ${kpi('Clusters evaluated', summary.clusters, 'clusters')}
  ${kpi('Compliant after', compliantAfter, 'kpi-compliant-after', 'good', `of ${formatCount(summary.clusters)} (${formatPercent(compliantAfter, summary.clusters)})`)}
  ${kpi('Remediations applied', summary.remediationsApplied, 'remediations-applied')}
  ${kpi('Awaiting approval', summary.awaitingApproval, 'kpi-awaiting-approval', summary.awaitingApproval > 0 ? 'warn' : '')}
  ${kpi('Errors', summary.errors, 'errors', summary.errors > 0 ? 'bad' : '')}
</div>
</div>
</header>`;
}

function kpi(label: string, value: number, testId: string, tone = '', note = ''): string {
  return `<div class="kpi${tone ? ` ${tone}` : ''}"${attr('data-testid', testId)}${attr('data-count', value)}><div class="label">${escapeHtml(label)}</div><div class="value">${formatCount(value)}</div>${note ? `<div class="note">${escapeHtml(note)}</div>` : ''}</div>`;
}

function renderCompliance(data: ReportData): string {
  const { before, after } = data.summary;
  const shown = statusesShown([before, after], ['Compliant', 'NonCompliant']);
  const tiles = (moment: 'before' | 'after', counts: StatusCounts): string => {
    const total = sumCounts(counts);
    return shown
      .map((status) => {
        const n = count(counts, status);
        return `<div class="tile status-${status}"${attr('data-testid', `${moment}-${status}`)}${attr('data-count', n)}><div class="label"><span class="dot" aria-hidden="true"></span>${escapeHtml(STATUS_LABELS[status])}</div><div class="value">${formatCount(n)}<span class="share">${formatPercent(n, total)}</span></div></div>`;
      })
      .join('\n');
  };
  return `<section class="card" data-section="compliance" aria-labelledby="h-compliance">
<h2 id="h-compliance">Fleet compliance before and after</h2>
<p class="lede">Every cluster's overall status when the demo first evaluated the fleet, and after remediation finished.</p>
<h3>Before remediation</h3>
<div class="tiles">
${tiles('before', before)}
</div>
<h3>After remediation</h3>
<div class="tiles">
${tiles('after', after)}
</div>
<div class="chart-box" style="height: 210px">
<canvas id="chart-compliance" role="img"${attr('aria-label', `Stacked bars of cluster status before and after remediation. Before: ${describeCounts(before)}. After: ${describeCounts(after)}.`)}>Before: ${escapeHtml(describeCounts(before))}. After: ${escapeHtml(describeCounts(after))}.</canvas>
</div>
</section>`;
}

function renderRules(data: ReportData): string {
  const rows = data.byRule;
  const shown = statusesShown(rows.flatMap((r) => [r.before, r.after]), []);
  const height = Math.max(220, 90 + rows.length * 58);
  const header = shown.map((s) => `<th scope="col" class="num status-head status-${s}">${escapeHtml(STATUS_LABELS[s])}</th>`).join('');
  const body = rows
    .map((row) => {
      const cells = shown
        .map((s) => {
          const was = count(row.before, s);
          const now = count(row.after, s);
          return `<td class="num">${formatCount(was)}<span class="arrow" aria-label="to">→</span>${formatCount(now)}</td>`;
        })
        .join('');
      return `<tr><th scope="row" class="nowrap"><code>${escapeHtml(row.ruleId)}</code></th>${cells}</tr>`;
    })
    .join('\n');
  return `<section class="card" data-section="rules" aria-labelledby="h-rules">
<h2 id="h-rules">Breakdown by rule</h2>
<p class="lede">For each baseline rule, how many clusters were in each status before (faded) and after (solid) remediation.</p>
${rows.length === 0 ? '<p class="empty">The baseline produced no rule results in this run.</p>' : ''}
<div class="chart-box"${attr('style', `height: ${height}px`)}>
<canvas id="chart-rules" role="img"${attr('aria-label', `Stacked bars per rule, before and after remediation, for ${rows.length} rules. The table below has the same numbers.`)}>The table below has the same numbers.</canvas>
</div>
<div class="table-scroll">
<table>
<caption>Clusters per status, before → after</caption>
<thead><tr><th scope="col">Rule</th>${header}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</div>
</section>`;
}

function renderTimeline(data: ReportData): string {
  const totals = Object.fromEntries(TIMELINE_OUTCOMES.map((o) => [o, data.timeline.filter((e) => e.outcome === o).length]));
  const stats = TIMELINE_OUTCOMES.map(
    (o) => `<div class="kpi"${attr('data-testid', `timeline-${o}`)}${attr('data-count', totals[o] ?? 0)}><div class="label">${escapeHtml(OUTCOME_LABELS[o])}</div><div class="value">${formatCount(totals[o] ?? 0)}</div></div>`,
  ).join('\n');
  return `<section class="card" data-section="timeline" aria-labelledby="h-timeline">
<h2 id="h-timeline">Remediation timeline</h2>
<p class="lede">Remediation steps as the run went on: when they started, and how they ended. "Try later" means ARM said the cluster was busy or asked us to slow down, so the step was queued again.</p>
<div class="stats">
${stats}
</div>
<div class="chart-box" style="height: 300px">
<canvas id="chart-timeline" role="img"${attr('aria-label', `Cumulative remediation steps over ${formatDuration(data.durationMs)}: ${TIMELINE_OUTCOMES.map((o) => `${totals[o] ?? 0} ${OUTCOME_LABELS[o].toLowerCase()}`).join(', ')}.`)}>${escapeHtml(TIMELINE_OUTCOMES.map((o) => `${OUTCOME_LABELS[o]}: ${totals[o] ?? 0}`).join('; '))}</canvas>
</div>
${data.timeline.length === 0 ? '<p class="empty">No remediation step ran in this run.</p>' : ''}
${renderPhases(data)}
</section>`;
}

function renderPhases(data: ReportData): string {
  if (data.phases.length === 0) return '';
  const end = Math.max(data.durationMs, ...data.phases.map((p) => p.endedAtMs));
  const phases = [...data.phases].sort((a, b) => a.startedAtMs - b.startedAtMs);
  const share = (ms: number): string => (end > 0 ? ((100 * ms) / end).toFixed(3) : '0');
  let cursor = 0;
  const segments: string[] = [];
  for (const phase of phases) {
    const start = Math.max(cursor, phase.startedAtMs);
    if (start > cursor) segments.push(`<div class="phase gap"${attr('style', `width: ${share(start - cursor)}%`)}></div>`);
    const width = Math.max(0, phase.endedAtMs - start);
    const label = `${phase.name} (${formatDuration(phase.endedAtMs - phase.startedAtMs)})`;
    segments.push(`<div class="phase"${attr('style', `width: ${share(width)}%`)}${attr('title', label)}>${escapeHtml(phase.name)}</div>`);
    cursor = Math.max(cursor, phase.endedAtMs);
  }
  const rows = phases
    .map((p) => `<tr><th scope="row">${escapeHtml(p.name)}</th><td class="num">${escapeHtml(formatOffset(p.startedAtMs))}</td><td class="num">${escapeHtml(formatOffset(p.endedAtMs))}</td><td class="num">${escapeHtml(formatDuration(p.endedAtMs - p.startedAtMs))}</td></tr>`)
    .join('\n');
  return `<h3>Phases</h3>
<div class="phases" role="presentation">
${segments.join('\n')}
</div>
<div class="table-scroll">
<table>
<thead><tr><th scope="col">Phase</th><th scope="col" class="num">Started at</th><th scope="col" class="num">Ended at</th><th scope="col" class="num">Took</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>`;
}

function renderApprovals(data: ReportData): string {
  const rows = data.awaitingApproval;
  const clusters = new Set(rows.map((r) => r.clusterId)).size;
  const body = rows
    .map(
      (r) => `<tr>
<td>${clusterCell(r.clusterName, r.clusterId)}</td>
<td><code>${escapeHtml(r.ruleId)}</code><span class="sub">${escapeHtml(r.action)}</span><span class="sub">step <code>${escapeHtml(r.stepId)}</code></span></td>
<td><p class="cmd-label">HTTP</p><pre class="cmd"><code>${escapeHtml(r.httpCall)}</code></pre><p class="cmd-label">CLI</p><pre class="cmd"><code>${escapeHtml(r.cliCommand)}</code></pre></td>
</tr>`,
    )
    .join('\n');
  const n = data.summary.awaitingApproval;
  return `<section class="card" data-section="approvals" aria-labelledby="h-approvals">
<h2 id="h-approvals">Clusters awaiting approval <span class="badge"${attr('data-testid', 'awaiting-approval')}${attr('data-count', n)}>(${formatCount(n)})</span></h2>
<p class="lede">These changes are in <code>approval</code> mode: the service planned them but waits for a person. Run either command to approve one step; click a command once to select all of it.</p>
${
  rows.length === 0
    ? '<p class="empty">Nothing is waiting for approval.</p>'
    : `<p class="legend-note">${formatCount(rows.length)} steps on ${formatCount(clusters)} clusters.</p>
<div class="table-scroll${rows.length > 6 ? ' tall' : ''}">
<table class="approvals">
<caption class="visually-hidden">Steps awaiting approval, with the commands that approve them</caption>
<thead><tr><th scope="col">Cluster</th><th scope="col">Rule and step</th><th scope="col">Approve it</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</div>`
}
</section>`;
}

function renderReactions(data: ReportData): string {
  const rows = data.reactions;
  const values = rows.map((r) => r.reactionMs);
  const p50 = percentile(values, 50);
  const max = percentile(values, 100);
  const fixed = rows.filter((r) => r.fixedAtMs !== undefined).length;
  const stat = (label: string, testId: string, ms: number | undefined): string =>
    `<div class="kpi"${attr('data-testid', testId)}${ms === undefined ? '' : attr('data-ms', ms)}><div class="label">${escapeHtml(label)}</div><div class="value">${ms === undefined ? '–' : escapeHtml(formatDuration(ms))}</div></div>`;
  const body = rows
    .map(
      (r) => `<tr>
<td>${clusterCell(r.clusterName, r.clusterId)}</td>
<td>${escapeHtml(r.drift)}</td>
<td><code class="id">${escapeHtml(r.eventId)}</code></td>
<td class="num">${escapeHtml(formatOffset(r.changedAtMs))}</td>
<td class="num">${escapeHtml(formatOffset(r.recordedAtMs))}</td>
<td class="num">${r.fixedAtMs === undefined ? 'not fixed' : escapeHtml(formatOffset(r.fixedAtMs))}</td>
<td class="num"><b>${escapeHtml(formatDuration(r.reactionMs))}</b></td>
</tr>`,
    )
    .join('\n');
  const height = Math.max(200, 80 + rows.length * 26);
  return `<section class="card" data-section="reactions" aria-labelledby="h-reactions">
<h2 id="h-reactions">Reaction times: the “drift happens” round</h2>
<p class="lede">Someone changed compliant clusters behind the service's back. Each change raised an Event Grid event; this is how long the service took to notice and react.</p>
<div class="stats">
${stat('Median (p50)', 'reaction-p50', p50)}
${stat('Slowest (max)', 'reaction-max', max)}
${stat('Change → recorded (p50)', 'reaction-recorded-p50', percentile(rows.map((r) => r.recordedMs), 50))}
${stat('Change → fixed (p50)', 'reaction-fixed-p50', percentile(rows.flatMap((r) => (r.fixedMs === undefined ? [] : [r.fixedMs])), 50))}
<div class="kpi"${attr('data-testid', 'reaction-fixed')}${attr('data-count', fixed)}><div class="label">Drifts fixed</div><div class="value">${formatCount(fixed)} <small>of ${formatCount(rows.length)}</small></div></div>
</div>
<div class="chart-box"${attr('style', `height: ${height}px`)}>
<canvas id="chart-reactions" role="img"${p50 === undefined ? '' : attr('data-p50', p50)}${max === undefined ? '' : attr('data-max', max)}${attr('aria-label', rows.length === 0 ? 'No drift was injected in this run.' : `Reaction time per drifted cluster; median ${formatDuration(p50 ?? 0)}, slowest ${formatDuration(max ?? 0)}.`)}>Median ${escapeHtml(formatDuration(p50 ?? 0))}, slowest ${escapeHtml(formatDuration(max ?? 0))}.</canvas>
</div>
${
  rows.length === 0
    ? '<p class="empty">No drift was injected in this run.</p>'
    : `<div class="table-scroll${rows.length > 12 ? ' tall' : ''}">
<table>
<thead><tr><th scope="col">Cluster</th><th scope="col">Drift</th><th scope="col">Event id</th><th scope="col" class="num">Changed at</th><th scope="col" class="num">Recorded at</th><th scope="col" class="num">Fixed at</th><th scope="col" class="num">Reaction</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</div>`
}
</section>`;
}

function renderFooter(data: ReportData): string {
  return `<footer class="page" data-section="rerun">
<div class="wrap">
<h2>Run it again</h2>
<p>The seed fixes the generated fleet and the injected faults, so this command replays the same scenario against a fresh ARM emulator and Azurite:</p>
<pre class="cmd"><code>${escapeHtml(rerunCommand(data.fleet))}</code></pre>
<p>Everything above is in this one file: styles, data and Chart.js ${escapeHtml(chartJsVersion())} (MIT licence) are embedded, so it opens offline. The raw data is in the <code>report-data</code> JSON block of the page source, with times in milliseconds since the demo started.</p>
</div>
</footer>`;
}

function statusesShown(list: StatusCounts[], always: ReportStatus[]): ReportStatus[] {
  return REPORT_STATUSES.filter((s) => always.includes(s) || list.some((c) => count(c, s) > 0));
}

function count(counts: StatusCounts, status: ReportStatus): number {
  return counts[status] ?? 0;
}

function sumCounts(counts: StatusCounts): number {
  return REPORT_STATUSES.reduce((total, s) => total + count(counts, s), 0);
}

function describeCounts(counts: StatusCounts): string {
  const parts = REPORT_STATUSES.filter((s) => count(counts, s) > 0).map((s) => `${count(counts, s)} ${STATUS_LABELS[s].toLowerCase()}`);
  return parts.length > 0 ? parts.join(', ') : 'no clusters';
}

/** The cluster name, with where it lives underneath; the full resource id is in the tooltip. */
function clusterCell(name: string, id: string): string {
  const parts = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id);
  const where = parts ? `${parts[2] ?? ''} · ${(parts[1] ?? '').slice(0, 8)}…` : id;
  return `<span${attr('title', id)}>${escapeHtml(name)}</span><span class="sub"${attr('title', id)}>${escapeHtml(where)}</span>`;
}

function shellQuote(text: string): string {
  return /^[\w./:@=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
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
