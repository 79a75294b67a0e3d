import { createHash } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { REPORT_CHARTS, REPORT_SECTIONS, renderReport } from '../../../../demo/report/render.js';
import type { ReportData } from '../../../../demo/report/types.js';
import { buildReportData } from '../../../support/report-data.js';

const HOSTILE = ['<script>window.__pwned = 1</script>', '</script><!--', '"><img src=x onerror="window.__pwned = 2">', "O'Brien & <b>co</b>"];

function hostileData(): ReportData {
  const data = buildReportData({ clusterNames: Array.from({ length: 60 }, (_, i) => `${HOSTILE[i % HOSTILE.length] ?? ''} #${i}`) });
  data.title = 'Fleet <report> & "friends"';
  data.fleet.baseline = 'baselines/<default>.json';
  return data;
}

/** The contents of the element opened by `openTag`, which must occur exactly once (throws otherwise). */
function elementText(html: string, openTag: string, closeTag: string): string {
  const start = html.indexOf(openTag);
  if (start === -1) throw new Error(`${openTag} is missing`);
  if (html.indexOf(openTag, start + 1) !== -1) throw new Error(`${openTag} occurs more than once`);
  const end = html.indexOf(closeTag, start + openTag.length);
  if (end === -1) throw new Error(`${openTag} is never closed`);
  return html.slice(start + openTag.length, end);
}

/** The Content-Security-Policy of the page, from its meta tag (throws when there is none). */
function contentSecurityPolicy(html: string): string {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replaceAll('&#39;', "'");
  if (csp === undefined) throw new Error('no Content-Security-Policy meta tag');
  return csp;
}

const JSON_OPEN = '<script type="application/json" id="report-data">';
const CHARTJS_OPEN = '<script id="chartjs-library">';
const CHARTS_OPEN = '<script id="report-charts">';

/** The page minus the places where URLs are data, not references: embedded JSON, the Chart.js bundle (licence banner) and code blocks. */
function markupOnly(html: string): string {
  return html
    .replace(JSON_OPEN + elementText(html, JSON_OPEN, '</script>'), '')
    .replace(CHARTJS_OPEN + elementText(html, CHARTJS_OPEN, '</script>'), '')
    .replace(/<code\b[^>]*>[\s\S]*?<\/code>/g, '');
}

/** The first match with a little context, or undefined: keeps a failure message short on a 400 kB page. */
function firstMatch(text: string, pattern: RegExp): string | undefined {
  const match = pattern.exec(text);
  return match === null ? undefined : text.slice(Math.max(0, match.index - 60), match.index + 60);
}

function tileCount(html: string, testId: string): number | undefined {
  const match = new RegExp(`data-testid="${testId}" data-count="(\\d+)"`).exec(html);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

describe('renderReport', () => {
  const data = hostileData();
  const html = renderReport(data);

  test('returns one complete document with every section and chart canvas', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toMatch(/<\/html>\n$/);
    for (const section of REPORT_SECTIONS) expect(html).toContain(`data-section="${section}"`);
    for (const id of REPORT_CHARTS) expect(html).toMatch(new RegExp(`<canvas id="${id}" role="img"[^>]* aria-label="[^"]+"`));
    // Only the data block, Chart.js and the chart script.
    expect(html.match(/<script\b/g)).toHaveLength(3);
  });

  test('references nothing outside the file', () => {
    const markup = markupOnly(html);

    // No attribute that loads or links anything.
    expect(firstMatch(markup, /<[^>]*\s(src|href|action|poster|srcset|xlink:href)\s*=/i)).toBeUndefined();
    // No element that fetches.
    expect(firstMatch(markup, /<(link|iframe|object|embed|img|base)\b/i)).toBeUndefined();
    // No CSS import or remote url().
    expect(firstMatch(html, /@import|url\(\s*['"]?(https?:)?\/\//i)).toBeUndefined();
    // URLs only inside data, code blocks and the Chart.js licence banner.
    expect(firstMatch(markup, /(https?:)?\/\/[\w.-]+\.[a-z]{2,}/i)).toBeUndefined();
    // The approval commands do carry the Functions app URL, inside <code>, so the filter above is not vacuous.
    expect(data.awaitingApproval[0]?.httpCall).toContain('http://');
    expect(html).toContain(`<pre class="cmd"><code>curl -sS -X POST &#39;http://127.0.0.1:7071/api/remediateCluster`);
  });

  test('allows only its own two inline scripts and no network through its Content-Security-Policy', () => {
    const csp = contentSecurityPolicy(html);

    expect(csp).toMatch(/default-src 'none'/);
    // The hash of each of the two inline scripts.
    for (const open of [CHARTJS_OPEN, CHARTS_OPEN]) {
      const hash = createHash('sha256').update(elementText(html, open, '</script>'), 'utf8').digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
    }
    // An injected <script> would not run.
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  });

  test('inlines the Chart.js UMD bundle', () => {
    const chartJs = elementText(html, CHARTJS_OPEN, '</script>');

    expect(chartJs).toMatch(/^\/\*!\n \* Chart\.js v4\./);
    expect(chartJs.length).toBeGreaterThan(100_000);
  });

  test('escapes hostile strings everywhere they are shown', () => {
    const shown = markupOnly(html);

    // The hostile names reach both tables that show cluster names, so the checks below are not vacuous.
    expect(data.awaitingApproval.some((r) => r.clusterName.startsWith('<script>'))).toBe(true);
    expect(data.reactions.some((r) => HOSTILE.some((h) => r.clusterName.startsWith(h)))).toBe(true);
    // No hostile string appears raw anywhere.
    for (const hostile of HOSTILE) expect(html).not.toContain(hostile);
    expect(shown).toMatch(/<td><span title="[^"]+">&lt;script&gt;window\.__pwned = 1&lt;\/script&gt; #\d+<\/span>/);
    expect(shown).toContain('&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt; #');
    expect(shown).toContain('O&#39;Brien &amp; &lt;b&gt;co&lt;/b&gt; #');
    expect(html).toContain('<title>Fleet &lt;report&gt; &amp; &quot;friends&quot;</title>');
    expect(html).toContain('baselines/&lt;default&gt;.json');
    // No inline event handler attribute survives.
    expect(firstMatch(shown, /<[^>]*\son\w+\s*=/i)).toBeUndefined();
  });

  test('embeds the data so that the page reads back exactly what was rendered', () => {
    const json = elementText(html, JSON_OPEN, '</script>');

    // No angle brackets can end or comment out the block.
    expect(json).not.toMatch(/<|>/);
    expect(JSON.parse(json)).toStrictEqual(data);
  });

  test('shows the summary counts in the tiles the browser check reads', () => {
    for (const moment of ['before', 'after'] as const) {
      // Compared as [tile, count] pairs, so a failure names the tile.
      const tiles = Object.entries(data.summary[moment]).map(([status]) => [`${moment}-${status}`, tileCount(html, `${moment}-${status}`)]);
      expect(tiles).toStrictEqual(Object.entries(data.summary[moment]).map(([status, n]) => [`${moment}-${status}`, n]));
    }
    expect(tileCount(html, 'awaiting-approval')).toBe(data.summary.awaitingApproval);
    expect(tileCount(html, 'clusters')).toBe(data.summary.clusters);
    expect(tileCount(html, 'remediations-applied')).toBe(data.summary.remediationsApplied);
    expect(tileCount(html, 'errors')).toBe(data.summary.errors);
  });

  test('reports the median and slowest reaction of the drift round', () => {
    const sorted = data.reactions.map((r) => r.reactionMs).sort((a, b) => a - b);
    const median = sorted[Math.ceil(sorted.length / 2) - 1];

    expect(sorted.length).toBeGreaterThanOrEqual(2);
    expect(html).toMatch(new RegExp(`data-testid="reaction-p50" data-ms="${median}"`));
    expect(html).toMatch(new RegExp(`data-testid="reaction-max" data-ms="${sorted.at(-1)}"`));
    expect(html).toMatch(new RegExp(`<canvas id="chart-reactions" role="img" data-p50="${median}" data-max="${sorted.at(-1)}"`));
  });

  test('reports the median time from a change to its recording and to its fix', () => {
    const median = (values: number[]): number | undefined => [...values].sort((a, b) => a - b)[Math.ceil(values.length / 2) - 1];
    const recorded = median(data.reactions.map((r) => r.recordedAtMs - r.changedAtMs));
    const fixed = median(data.reactions.flatMap((r) => (r.fixedAtMs === undefined ? [] : [r.fixedAtMs - r.changedAtMs])));

    expect(html).toMatch(new RegExp(`data-testid="reaction-recorded-p50" data-ms="${recorded}"`));
    expect(html).toMatch(new RegExp(`data-testid="reaction-fixed-p50" data-ms="${fixed}"`));
  });

  test('renders an empty run without rows, still with every chart canvas', () => {
    const empty = buildReportData({ clusters: 0 });

    const page = renderReport(empty);

    for (const id of REPORT_CHARTS) expect(page).toContain(`<canvas id="${id}"`);
    expect(page).toContain('Nothing is waiting for approval.');
    expect(page).toContain('No drift was injected in this run.');
  });
});

describe('renderReport rejects malformed data, naming the field', () => {
  const cases: { name: string; spoil: (d: ReportData) => void; message: RegExp }[] = [
    { name: 'an unknown status', spoil: (d) => (d.summary.after.Broken = 1), message: /summary\.after\.Broken is not a known status/ },
    { name: 'a negative count', spoil: (d) => (d.summary.before.Compliant = -3), message: /summary\.before\.Compliant must be a whole number/ },
    { name: 'a fractional count', spoil: (d) => (d.summary.remediationsApplied = 1.5), message: /summary\.remediationsApplied must be a whole number/ },
    { name: 'an unknown timeline outcome', spoil: (d) => ((d.timeline[2] as { outcome: string }).outcome = 'maybe'), message: /timeline\[2\]\.outcome must be one of started, succeeded, failed, try-later/ },
    { name: 'a NaN time', spoil: (d) => ((d.reactions[0] as { changedAtMs: number }).changedAtMs = Number.NaN), message: /reactions\[0\]\.changedAtMs must be a finite number/ },
    { name: 'a fault rate above 1', spoil: (d) => (d.fleet.faultRate = 10), message: /fleet\.faultRate must be a fraction between 0 and 1/ },
    { name: 'a phase that ends before it starts', spoil: (d) => ((d.phases[1] as { endedAtMs: number }).endedAtMs = 0), message: /phases\[1\] ends \(0 ms\) before it starts/ },
    { name: 'a missing approval command', spoil: (d) => Reflect.deleteProperty(d.awaitingApproval[0] ?? {}, 'cliCommand'), message: /awaitingApproval\[0\]\.cliCommand must be a string \(got nothing\)/ },
    { name: 'a timestamp that is not ISO', spoil: (d) => (d.generatedAt = 'yesterday'), message: /generatedAt must be an ISO 8601 timestamp/ },
  ];
  test.each(cases)('rejects $name', ({ spoil, message }) => {
    const data = buildReportData({ clusters: 40 });
    spoil(data);

    expect(() => renderReport(data)).toThrow(message);
  });

  test('lists every problem at once', () => {
    const data = buildReportData({ clusters: 40 });
    data.summary.errors = -1;
    data.title = 7 as unknown as string;

    expect(() => renderReport(data)).toThrow(/summary\.errors[\s\S]*title must be a string|title must be a string[\s\S]*summary\.errors/);
  });
});
