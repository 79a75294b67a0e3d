import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
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

/** The contents of the element opened by `openTag`, which must occur exactly once. */
function elementText(html: string, openTag: string, closeTag: string): string {
  const start = html.indexOf(openTag);
  assert.notEqual(start, -1, `${openTag} is missing`);
  assert.equal(html.indexOf(openTag, start + 1), -1, `${openTag} occurs more than once`);
  const end = html.indexOf(closeTag, start + openTag.length);
  assert.notEqual(end, -1, `${openTag} is never closed`);
  return html.slice(start + openTag.length, end);
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

  it('returns one complete document with every section and chart canvas', () => {
    assert.match(html, /^<!doctype html>\n<html lang="en">/);
    assert.match(html, /<\/html>\n$/);
    for (const section of REPORT_SECTIONS) assert.ok(html.includes(`data-section="${section}"`), `section ${section}`);
    for (const id of REPORT_CHARTS) assert.match(html, new RegExp(`<canvas id="${id}" role="img"[^>]* aria-label="[^"]+"`), `canvas ${id}`);
    assert.equal(html.match(/<script\b/g)?.length, 3, 'only the data block, Chart.js and the chart script');
  });

  it('references nothing outside the file', () => {
    const markup = markupOnly(html);
    assert.equal(firstMatch(markup, /<[^>]*\s(src|href|action|poster|srcset|xlink:href)\s*=/i), undefined, 'no attribute that loads or links anything');
    assert.equal(firstMatch(markup, /<(link|iframe|object|embed|img|base)\b/i), undefined, 'no element that fetches');
    assert.equal(firstMatch(html, /@import|url\(\s*['"]?(https?:)?\/\//i), undefined, 'no CSS import or remote url()');
    assert.equal(firstMatch(markup, /(https?:)?\/\/[\w.-]+\.[a-z]{2,}/i), undefined, 'URLs only inside data, code blocks and the Chart.js licence banner');
    // The approval commands do carry the Functions app URL, inside <code>, so the filter above is not vacuous.
    const firstApproval = data.awaitingApproval[0];
    assert.ok(firstApproval !== undefined && firstApproval.httpCall.includes('http://'));
    assert.ok(html.includes(`<pre class="cmd"><code>curl -sS -X POST &#39;http://127.0.0.1:7071/api/remediateCluster`));
  });

  it('allows only its own two inline scripts and no network through its Content-Security-Policy', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replaceAll('&#39;', "'");
    assert.ok(csp !== undefined, 'CSP meta tag');
    assert.match(csp, /default-src 'none'/);
    for (const open of [CHARTJS_OPEN, CHARTS_OPEN]) {
      const hash = createHash('sha256').update(elementText(html, open, '</script>'), 'utf8').digest('base64');
      assert.ok(csp.includes(`'sha256-${hash}'`), `hash of ${open}`);
    }
    assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/, 'an injected <script> would not run');
  });

  it('inlines the Chart.js UMD bundle', () => {
    const chartJs = elementText(html, CHARTJS_OPEN, '</script>');
    assert.match(chartJs, /^\/\*!\n \* Chart\.js v4\./);
    assert.ok(chartJs.length > 100_000);
  });

  it('escapes hostile strings everywhere they are shown', () => {
    // The hostile names reach both tables that show cluster names.
    assert.ok(data.awaitingApproval.some((r) => r.clusterName.startsWith('<script>')));
    assert.ok(data.reactions.some((r) => HOSTILE.some((h) => r.clusterName.startsWith(h))));
    const shown = markupOnly(html);
    for (const hostile of HOSTILE) assert.ok(!html.includes(hostile), `raw ${hostile}`);
    assert.match(shown, /<td><span title="[^"]+">&lt;script&gt;window\.__pwned = 1&lt;\/script&gt; #\d+<\/span>/);
    assert.ok(shown.includes('&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt; #'));
    assert.ok(shown.includes('O&#39;Brien &amp; &lt;b&gt;co&lt;/b&gt; #'));
    assert.ok(html.includes('<title>Fleet &lt;report&gt; &amp; &quot;friends&quot;</title>'));
    assert.ok(html.includes('baselines/&lt;default&gt;.json'));
    assert.equal(firstMatch(shown, /<[^>]*\son\w+\s*=/i), undefined, 'no inline event handler attribute survives');
  });

  it('embeds the data so that the page reads back exactly what was rendered', () => {
    const json = elementText(html, JSON_OPEN, '</script>');
    assert.doesNotMatch(json, /<|>/, 'no angle brackets can end or comment out the block');
    assert.deepEqual(JSON.parse(json), data);
  });

  it('shows the summary counts in the tiles the browser check reads', () => {
    for (const moment of ['before', 'after'] as const) {
      for (const [status, n] of Object.entries(data.summary[moment])) assert.equal(tileCount(html, `${moment}-${status}`), n, `${moment}-${status}`);
    }
    assert.equal(tileCount(html, 'awaiting-approval'), data.summary.awaitingApproval);
    assert.equal(tileCount(html, 'clusters'), data.summary.clusters);
    assert.equal(tileCount(html, 'remediations-applied'), data.summary.remediationsApplied);
    assert.equal(tileCount(html, 'errors'), data.summary.errors);
  });

  it('reports the median and slowest reaction of the drift round', () => {
    const sorted = data.reactions.map((r) => r.reactionMs).sort((a, b) => a - b);
    assert.ok(sorted.length >= 2);
    const median = sorted[Math.ceil(sorted.length / 2) - 1];
    assert.match(html, new RegExp(`data-testid="reaction-p50" data-ms="${median}"`));
    assert.match(html, new RegExp(`data-testid="reaction-max" data-ms="${sorted.at(-1)}"`));
    assert.match(html, new RegExp(`<canvas id="chart-reactions" role="img" data-p50="${median}" data-max="${sorted.at(-1)}"`));
  });

  it('renders an empty run without rows, still with every chart canvas', () => {
    const empty = buildReportData({ clusters: 0 });
    const page = renderReport(empty);
    for (const id of REPORT_CHARTS) assert.ok(page.includes(`<canvas id="${id}"`));
    assert.ok(page.includes('Nothing is waiting for approval.'));
    assert.ok(page.includes('No drift was injected in this run.'));
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
  for (const { name, spoil, message } of cases) {
    it(`rejects ${name}`, () => {
      const data = buildReportData({ clusters: 40 });
      spoil(data);
      assert.throws(() => renderReport(data), message);
    });
  }

  it('lists every problem at once', () => {
    const data = buildReportData({ clusters: 40 });
    data.summary.errors = -1;
    data.title = 7 as unknown as string;
    assert.throws(() => renderReport(data), (err: Error) => err.message.includes('summary.errors') && err.message.includes('title must be a string'));
  });
});
