// The report's stylesheet: system fonts only (nothing to download), a neutral page and status colours for meaning.
import { REMEDIATION_OUTCOMES, REPORT_STATUSES } from '../model.js';
import { AWAITING_APPROVAL_COLOR, OUTCOME_COLORS, STATUS_COLORS } from './palette.js';

const statusRules = [
  ...REPORT_STATUSES.map((status) => `.status-${status} { --status: ${STATUS_COLORS[status]}; }`),
  ...REMEDIATION_OUTCOMES.map((outcome) => `.outcome-${outcome} { --status: ${OUTCOME_COLORS[outcome]}; }`),
  `.status-AwaitingApproval { --status: ${AWAITING_APPROVAL_COLOR}; }`,
].join('\n');

export const REPORT_CSS = `
:root {
  --ink: #1f2328; --muted: #5a6370; --line: #e3e6ea; --page: #f5f6f8; --card: #ffffff; --accent: #1e6fd9;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header.page { background: var(--card); border-bottom: 1px solid var(--line); padding: 28px 0 20px; }
h1 { font-size: 1.65rem; line-height: 1.25; margin: 0 0 6px; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 1.15rem; margin: 0 0 4px; font-weight: 650; }
h3 { font-size: .8rem; margin: 18px 0 8px; font-weight: 600; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
p.lede { margin: 0 0 14px; color: var(--muted); max-width: 75ch; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 0; padding: 0; list-style: none; color: var(--muted); font-size: .9rem; }
.meta b { color: var(--ink); font-weight: 600; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 20px 0 0; }
.kpi { background: var(--page); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.kpi .label { font-size: .8rem; color: var(--muted); }
.kpi .value { font-size: 1.6rem; font-weight: 650; font-variant-numeric: tabular-nums; line-height: 1.2; }
.kpi .note { font-size: .8rem; color: var(--muted); font-weight: 400; }
.kpi.warn .value { color: ${AWAITING_APPROVAL_COLOR}; }
.kpi.bad .value { color: ${STATUS_COLORS.NonCompliant}; }
.kpi.good .value { color: ${STATUS_COLORS.Compliant}; }
main { padding: 8px 0 24px; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px 22px; margin: 18px 0; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(128px, 1fr)); gap: 10px; }
.tile { border: 1px solid var(--line); border-left: 5px solid var(--status, var(--line)); border-radius: 6px; padding: 8px 12px; background: var(--card); }
.tile .label { font-size: .8rem; color: var(--muted); }
.tile .value { font-size: 1.35rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.tile .share { font-size: .8rem; color: var(--muted); margin-left: 6px; font-weight: 400; }
${statusRules}
thead th.status-head { box-shadow: inset 0 3px 0 var(--status); }
.dot { display: inline-block; width: .7em; height: .7em; border-radius: 50%; background: var(--status); margin-right: .4em; vertical-align: baseline; }
.chart-box { position: relative; width: 100%; margin-top: 12px; }
.chart-box canvas { display: block; }
.grid-2 { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 24px; align-items: start; }
@media (max-width: 900px) { .grid-2 { grid-template-columns: 1fr; } }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 10px; margin-top: 12px; }
.table-scroll { overflow-x: auto; margin-top: 14px; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
caption { text-align: left; color: var(--muted); font-size: .85rem; padding-bottom: 6px; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { font-size: .76rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); font-weight: 600; background: #fafbfc; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, th.nowrap, td.nowrap { white-space: nowrap; }
td .sub { display: block; color: var(--muted); font-size: .78rem; overflow-wrap: anywhere; }
.arrow { color: var(--muted); padding: 0 3px; }
.up { color: ${STATUS_COLORS.Compliant}; }
code, pre { font-family: var(--mono); font-size: .8rem; }
td code.id { font-size: .76rem; color: var(--muted); white-space: nowrap; }
pre.cmd { margin: 0; padding: 7px 10px; background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; user-select: all; -webkit-user-select: all; }
.cmd-label { font-size: .72rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 3px; }
.cmd-label + pre.cmd { margin-bottom: 8px; }
table.approvals td:nth-child(3) { width: 58%; }
.table-scroll.tall { max-height: 760px; overflow-y: auto; border: 1px solid var(--line); border-radius: 6px; }
.table-scroll.tall table { border: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.empty { color: var(--muted); font-style: italic; margin: 12px 0 0; }
.phases { display: flex; height: 30px; margin: 14px 0 4px; border-radius: 6px; overflow: hidden; border: 1px solid var(--line); background: var(--page); }
.phase { font-size: .75rem; line-height: 30px; text-align: center; color: #fff; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding: 0 4px; min-width: 0; flex: none; }
.phase:nth-child(4n+1) { background: #3d5a80; } .phase:nth-child(4n+2) { background: #5b7fa8; }
.phase:nth-child(4n+3) { background: #2f6f6a; } .phase:nth-child(4n+4) { background: #6b5b95; }
.phase.gap { background: transparent; }
.legend-note { font-size: .82rem; color: var(--muted); margin-top: 6px; }
.note { font-size: .85rem; color: var(--muted); margin: 10px 0 0; max-width: 90ch; }
.note.warn { color: #8a5a00; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: .75rem; font-weight: 600; color: #fff; background: var(--status, #5b6b7f); white-space: nowrap; }
.pager { display: flex; align-items: center; gap: 10px; margin-top: 8px; font-size: .85rem; color: var(--muted); }
.pager button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--ink); cursor: pointer; }
.pager button[disabled] { opacity: .45; cursor: default; }
tr.others td, tr.others th { font-style: italic; color: var(--muted); }
.disrupts { color: #8a3b00; font-size: .8rem; display: block; margin-top: 4px; }
details.disrupts summary { cursor: pointer; color: #8a3b00; }
table.approvals td:first-child { min-width: 180px; }
footer.page { border-top: 1px solid var(--line); background: var(--card); padding: 20px 0 32px; color: var(--muted); font-size: .88rem; }
footer.page pre.cmd { max-width: none; color: var(--ink); }
@media print { body { background: #fff; } section.card { break-inside: avoid; border-color: #ccc; } thead th { position: static; } }
`;
