// The report page as text: one self-contained document, nothing outside it referenced, a Content-Security-Policy
// that lets only its own two scripts run, hostile strings from the store and the baseline escaped, the counts the
// browser check reads, the demo's optional section, and malformed data refused with the field named.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { validateBaseline } from '../../../src/core/index.js';
import { collectReport } from '../../../src/report/collect.js';
import type { ReactionSection, ReportData } from '../../../src/report/model.js';
import { chartsOf, renderReport, reportContentSecurityPolicy, REPORT_CHARTS, REPORT_SECTIONS, sectionsOf } from '../../../src/report/render/render.js';
import { InMemoryReportSource, InMemoryStore } from '../../support/fakes/index.js';
import { fillInMemory, generateFleet, type GeneratedFleet } from '../../support/report-fleet.js';

const HOSTILE = ['<script>window.__pwned = 1</script>', '</script><!--', '"><img src=x onerror="window.__pwned = 2">', "O'Brien & <b>co</b>"];

const BASELINE = {
  version: 1,
  rules: { managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'approval' }, workloadIdentity: { mode: 'auto' } },
  requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' }],
};

/** What the store of a hostile fleet gives, collected as the CLI would. */
async function hostileData(): Promise<{ fleet: GeneratedFleet; data: ReportData }> {
  const fleet = generateFleet({
    clusters: 120,
    subscriptions: 3,
    seed: 5,
    clusterNames: Array.from({ length: 120 }, (_, i) => `${HOSTILE[i % HOSTILE.length] ?? ''} #${i}`),
    failureMessage: 'Denied: <script>window.__pwned = 3</script> password=hunter2',
  });
  const store = new InMemoryStore();
  fillInMemory(store, fleet);
  const first = fleet.clusters[0]?.state;
  const baseline = validateBaseline({
    ...BASELINE,
    exemptions: [{ clusterId: first?.clusterId, ruleId: 'workload-identity', reason: '</script><b>until the migration</b>', expires: new Date(fleet.now.getTime() + 2 * 86_400_000).toISOString() }],
  });
  const data = await collectReport(new InMemoryReportSource(store), {
    baseline,
    baselineLabel: 'baselines/<default>.json',
    store: 'Azurite <local>',
    since: fleet.since,
    now: fleet.now,
    title: 'Fleet <report> & "friends"',
    approvalCommands: { appUrl: 'https://func-abg.azurewebsites.net' },
  });
  return { fleet, data };
}

function reactions(): ReactionSection {
  return {
    title: 'Reaction times',
    lede: 'How fast drift was fixed.',
    durationMs: 60_000,
    rows: [
      { clusterId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a', clusterName: HOSTILE[0] ?? '', drift: 'flux deleted', eventId: 'e1', changedAtMs: 1000, recordedAtMs: 2000, fixedAtMs: 4000, recordedMs: 1000, fixedMs: 3000, reactionMs: 3000 },
      { clusterId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/b', clusterName: 'b', drift: 'pod identity on', eventId: 'e2', changedAtMs: 1000, recordedAtMs: 2500, recordedMs: 1500, reactionMs: 1500 },
    ],
    phases: [
      { name: 'Sweep', startedAtMs: 0, endedAtMs: 20_000 },
      { name: 'Drift', startedAtMs: 20_000, endedAtMs: 60_000 },
    ],
  };
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

/** The first match with a little context, or undefined: keeps a failure message short on a large page. */
function firstMatch(text: string, pattern: RegExp): string | undefined {
  const match = pattern.exec(text);
  return match === null ? undefined : text.slice(Math.max(0, match.index - 60), match.index + 60);
}

function tileCount(html: string, testId: string): number | undefined {
  const match = new RegExp(`data-testid="${testId.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')}" data-count="(\\d+)"`).exec(html);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

describe('renderReport', () => {
  let fleet: GeneratedFleet;
  let data: ReportData;
  let html: string;

  beforeAll(async () => {
    ({ fleet, data } = await hostileData());
    html = renderReport(data);
  });

  test('returns one complete document with every section and chart canvas', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toMatch(/<\/html>\n$/);
    expect(sectionsOf(data)).toStrictEqual(REPORT_SECTIONS.filter((section) => section !== 'reactions'));
    for (const section of sectionsOf(data)) expect(html).toContain(`data-section="${section}"`);
    for (const id of chartsOf(data)) expect(html).toMatch(new RegExp(`<canvas id="${id}" role="img"[^>]* aria-label="[^"]+"`));
    expect(html).not.toContain('data-section="reactions"');
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
    // The approval commands do carry the app's URL, inside <code>, so the filter above is not vacuous.
    expect(html).toContain('<pre class="cmd"><code>curl -X POST https://func-abg.azurewebsites.net/api/clusters/');
  });

  test('allows only its own two inline scripts and no network through its Content-Security-Policy', () => {
    const csp = contentSecurityPolicy(html);

    expect(csp).toBe(reportContentSecurityPolicy());
    expect(csp).toMatch(/default-src 'none'/);
    // The hash of each of the two inline scripts.
    for (const open of [CHARTJS_OPEN, CHARTS_OPEN]) {
      const hash = createHash('sha256').update(elementText(html, open, '</script>'), 'utf8').digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
    }
    // An injected <script> would not run; frame-ancestors is for the header only (a meta tag may not carry it).
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(csp).not.toContain('frame-ancestors');
  });

  test('inlines the Chart.js UMD bundle', () => {
    const chartJs = elementText(html, CHARTJS_OPEN, '</script>');

    expect(chartJs).toMatch(/^\/\*!\n \* Chart\.js v4\./);
    expect(chartJs.length).toBeGreaterThan(100_000);
  });

  test('escapes hostile strings from the store and the baseline everywhere they are shown', () => {
    const shown = markupOnly(html);

    // The hostile names reach the tables, so the checks below are not vacuous.
    expect(data.approvals.rows.some((row) => row.clusterName.startsWith('<script>'))).toBe(true);
    expect(data.failures.rows.length).toBeGreaterThan(0);
    // No hostile string appears raw anywhere.
    for (const hostile of [...HOSTILE, '<script>window.__pwned = 3</script>', '</script><b>until']) expect(html).not.toContain(hostile);
    expect(shown).toMatch(/<td><span title="[^"]+">&lt;script&gt;window\.__pwned = 1&lt;\/script&gt; #\d+<\/span>/);
    expect(shown).toContain('&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt; #');
    expect(shown).toContain('O&#39;Brien &amp; &lt;b&gt;co&lt;/b&gt; #');
    expect(shown).toContain('Denied: &lt;script&gt;window.__pwned = 3&lt;/script&gt; password=***');
    expect(shown).toContain('&lt;/script&gt;&lt;b&gt;until the migration&lt;/b&gt;');
    expect(html).toContain('<title>Fleet &lt;report&gt; &amp; &quot;friends&quot;</title>');
    expect(html).toContain('baselines/&lt;default&gt;.json');
    expect(html).toContain('Azurite &lt;local&gt;');
    // No inline event handler attribute survives.
    expect(firstMatch(shown, /<[^>]*\son\w+\s*=/i)).toBeUndefined();
  });

  test('embeds only what the charts draw, so that the page reads it back exactly', () => {
    const json = elementText(html, JSON_OPEN, '</script>');

    // No angle brackets can end or comment out the block.
    expect(json).not.toMatch(/<|>/);
    const embedded = JSON.parse(json) as { fleet: unknown; history: { points: unknown[]; labels: string[] }; rules: { ids: string[] }; timeline: { started: number[] } };
    expect(embedded.fleet).toStrictEqual(data.fleet.counts);
    expect(embedded.history.points).toStrictEqual(data.history.points.map((point) => point.counts));
    expect(embedded.history.labels).toHaveLength(data.history.points.length);
    expect(embedded.rules.ids).toStrictEqual(data.byRule.map((row) => row.ruleId));
    expect(embedded.timeline.started.at(-1)).toBe(data.remediations.rows);
    // The tables are markup, not data: no approval command in the JSON.
    expect(json).not.toContain('curl');
  });

  test('shows the counts the browser check reads', () => {
    for (const [status, n] of Object.entries(fleet.expected.statuses)) expect([status, tileCount(html, `fleet-${status}`)]).toStrictEqual([status, n]);
    expect(tileCount(html, 'clusters')).toBe(fleet.expected.clusters);
    expect(tileCount(html, 'kpi-awaiting-approval')).toBe(fleet.expected.awaitingApprovalClusters);
    expect(tileCount(html, 'approvals-rules')).toBe(fleet.expected.awaitingApprovalRules);
    expect(tileCount(html, 'kpi-remediation-failed')).toBe(fleet.expected.failureFindings);
    expect(tileCount(html, 'blocked-findings')).toBe(fleet.expected.blockedFindings);
    expect(tileCount(html, 'kpi-exemptions-expiring')).toBe(1);
    for (const [status, n] of Object.entries(fleet.expected.remediations)) expect(tileCount(html, `remediations-${status}`)).toBe(n);
    const managed = data.byRule.find((row) => row.ruleId === 'managed-identity');
    expect(tileCount(html, 'rule-managed-identity-NonCompliant')).toBe(managed?.counts['NonCompliant']);
    expect(tileCount(html, 'subscriptions')).toBe(fleet.expected.subscriptions);
  });

  test('pages long tables in the browser and says how many rows it left out', () => {
    const capped = renderReport({ ...data, approvals: { ...data.approvals, rows: data.approvals.rows.slice(0, 12), omitted: data.approvals.rules - 12 } });

    expect(capped).toMatch(/<table class="approvals" data-page-size="10">/);
    expect(capped).toContain(`${data.approvals.rules - 12} more waiting rules are counted above but not listed`);
  });

  test('adds the reaction times a run hands in, with their median and slowest', () => {
    const withReactions = { ...data, reactions: reactions(), rerun: { command: 'npm run demo -- --seed 7', note: 'Replays <the> run.' } };

    const page = renderReport(withReactions);

    expect(sectionsOf(withReactions)).toStrictEqual([...REPORT_SECTIONS]);
    expect(chartsOf(withReactions)).toStrictEqual([...REPORT_CHARTS]);
    expect(page).toContain('data-section="reactions"');
    expect(page).toMatch(/data-testid="reaction-p50" data-ms="1500"/);
    expect(page).toMatch(/data-testid="reaction-max" data-ms="3000"/);
    // change → recorded: 1000 and 1500 (median 1000); change → fixed: only the first was fixed, 3000
    expect(page).toMatch(/data-testid="reaction-recorded-p50" data-ms="1000"/);
    expect(page).toMatch(/data-testid="reaction-fixed-p50" data-ms="3000"/);
    expect(page).toMatch(/<canvas id="chart-reactions" role="img" data-p50="1500" data-max="3000"/);
    expect(page).toContain('<pre class="cmd"><code>npm run demo -- --seed 7</code></pre>');
    expect(page).toContain('Replays &lt;the&gt; run.');
    expect(page).not.toContain(HOSTILE[0]);
  });

  test('renders an empty store without rows, still with every chart canvas', async () => {
    const empty = await collectReport(new InMemoryReportSource(new InMemoryStore()), {
      baseline: validateBaseline(BASELINE),
      baselineLabel: 'baselines/default.json',
      store: 'empty',
      since: new Date('2026-01-01T00:00:00Z'),
      now: new Date('2026-01-31T00:00:00Z'),
    });

    const page = renderReport(empty);

    for (const id of chartsOf(empty)) expect(page).toContain(`<canvas id="${id}"`);
    expect(page).toContain('Nothing waits for approval.');
    expect(page).toContain('The store holds no cluster yet');
    expect(page).toContain('No remediation was started in the period.');
  });
});

describe('renderReport rejects malformed data, naming the field', () => {
  let data: ReportData;
  beforeAll(async () => {
    ({ data } = await hostileData());
  });

  const cases: { name: string; spoil: (d: ReportData) => void; message: RegExp }[] = [
    { name: 'an unknown status', spoil: (d) => (d.fleet.counts['Broken'] = 1), message: /fleet\.counts\.Broken is not a known status/ },
    { name: 'a negative count', spoil: (d) => (d.fleet.counts['Compliant'] = -3), message: /fleet\.counts\.Compliant must be a whole number/ },
    { name: 'a fractional count', spoil: (d) => (d.fleet.awaitingApproval = 1.5), message: /fleet\.awaitingApproval must be a whole number/ },
    { name: 'a bucket time that is not ISO', spoil: (d) => ((d.remediations.buckets[2] as { at: string }).at = 'later'), message: /remediations\.buckets\[2\]\.at must be an ISO 8601 timestamp/ },
    { name: 'a period that ends before it starts', spoil: (d) => (d.window.since = '2999-01-01T00:00:00Z'), message: /window\.since .* must be before window\.until/ },
    { name: 'a NaN reaction time', spoil: (d) => (d.reactions = { ...reactions(), rows: [{ ...(reactions().rows[0] as ReactionSection['rows'][number]), changedAtMs: Number.NaN }] }), message: /reactions\.rows\[0\]\.changedAtMs must be a finite number/ },
    { name: 'a phase that ends before it starts', spoil: (d) => (d.reactions = { ...reactions(), phases: [{ name: 'x', startedAtMs: 5, endedAtMs: 0 }] }), message: /reactions\.phases\[0\] ends \(0 ms\) before it starts/ },
    { name: 'a timestamp that is not ISO', spoil: (d) => (d.generatedAt = 'yesterday'), message: /generatedAt must be an ISO 8601 timestamp/ },
  ];
  test.each(cases)('rejects $name', ({ spoil, message }) => {
    const spoilt = structuredClone(data);
    spoil(spoilt);

    expect(() => renderReport(spoilt)).toThrow(message);
  });

  test('lists every problem at once', () => {
    const spoilt = structuredClone(data);
    spoilt.fleet.clusters = -1;
    spoilt.title = 7 as unknown as string;

    expect(() => renderReport(spoilt)).toThrow(/title must be a string[\s\S]*fleet\.clusters/);
  });
});
