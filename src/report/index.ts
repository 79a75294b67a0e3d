// The compliance report: one self-contained HTML page from the app's Table store. `aks-baseline-guard report`, the
// function `GET /api/report` and `npm run demo` all make it here, with the same code:
//   collect.ts  reads the store through the ReportSource port, aggregating while it streams;
//   render/     turns what was collected into the page (inline CSS, Chart.js, data, strict CSP);
//   since.ts    the period (--since, ?since=); approvals.ts the approval commands the page prints.
import type { ReportSource } from '../ports.js';
import { collectReport, type CollectReportOptions } from './collect.js';
import type { ReportData } from './model.js';
import { renderReport } from './render/render.js';

export { collectReport, DEFAULT_MAX_ROWS, DEFAULT_NOTICE_DAYS, type CollectReportOptions } from './collect.js';
export { DEFAULT_SINCE, parseSince } from './since.js';
export { chartsOf, renderReport, reportContentSecurityPolicy, sectionsOf, REPORT_CHARTS, REPORT_SECTIONS } from './render/render.js';
export type { ReportData, ReactionSection } from './model.js';

export interface BuildReportOptions extends CollectReportOptions {
  /** Sections fed by whoever made the store's activity (the demo's reaction times and its rerun command). */
  extras?: Pick<ReportData, 'reactions' | 'rerun'>;
}

export interface BuiltReport {
  data: ReportData;
  html: string;
  /** Reading and aggregating the store, then rendering the page. */
  timings: { collectMs: number; renderMs: number };
}

/** Reads the store and renders the page. */
export async function buildReport(source: ReportSource, options: BuildReportOptions): Promise<BuiltReport> {
  const started = performance.now();
  const { extras, ...collectOptions } = options;
  const data: ReportData = { ...(await collectReport(source, collectOptions)), ...extras };
  const collected = performance.now();
  const html = renderReport(data);
  return { data, html, timings: { collectMs: collected - started, renderMs: performance.now() - collected } };
}
