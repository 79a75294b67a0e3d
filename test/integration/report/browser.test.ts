// The report, made from a generated store (in memory: the store's own test is report-cli.test.ts), opened in real
// headless Chromium offline, as the demo and the CLI's users do: sections, charts drawn, the counts the rows hold,
// paging, the Content-Security-Policy at work, nothing fetched, hostile names shown as text.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chromium } from 'playwright-core';
import { checkReportInBrowser, chromiumLaunchOptions, type ReportExpectation } from '../../../demo/browserCheck.js';
import { validateBaseline } from '../../../src/core/index.js';
import { buildReport, type BuiltReport } from '../../../src/report/index.js';
import { InMemoryReportSource, InMemoryStore } from '../../support/fakes/index.js';
import { expectationFor, fillInMemory, generateFleet, type GeneratedFleet } from '../../support/report-fleet.js';

const HOSTILE_NAMES = ['<script>window.__pwned = 1</script>', '"><img src=x onerror="window.__pwned = 2">', '</script><!--'];
/** Each test starts Chromium; the browser check's own limit is 30 s, so it fails with its reason before Jest's does. */
const BROWSER_TEST_TIMEOUT_MS = 60_000;

const BASELINE = validateBaseline({
  version: 1,
  rules: { managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'approval' }, workloadIdentity: { mode: 'auto' } },
  requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' }],
});

describe('the report in a headless browser', () => {
  let dir: string;
  let reportPath: string;
  let fleet: GeneratedFleet;
  let report: BuiltReport;

  beforeAll(async () => {
    fleet = generateFleet({ clusters: 300, subscriptions: 4, seed: 3, clusterNames: Array.from({ length: 60 }, (_, i) => `${HOSTILE_NAMES[i % HOSTILE_NAMES.length] ?? ''} #${i}`) });
    const store = new InMemoryStore();
    fillInMemory(store, fleet);
    report = await buildReport(new InMemoryReportSource(store), { baseline: BASELINE, baselineLabel: 'baselines/default.json', store: 'in memory', since: fleet.since, now: fleet.now, maxRows: 40 });
    dir = await mkdtemp(join(tmpdir(), 'abg-report-'));
    reportPath = join(dir, 'report.html');
    await writeFile(reportPath, report.html, 'utf8');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A copy of the report with `change` applied, written next to it. */
  async function variant(name: string, change: (page: string) => string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, change(report.html), 'utf8');
    return path;
  }

  test('renders every section and chart offline, with the counts the rows hold, and pages the long tables', async () => {
    const screenshotPath = join(dir, 'report.png');

    const result = await checkReportInBrowser(reportPath, expectationFor(fleet, report.data), { screenshotPath });

    expect(result.problems).toStrictEqual([]);
    expect(result.consoleErrors).toStrictEqual([]);
    expect(result.ok).toBe(true);
    expect(result.timings.chartsMs).toBeGreaterThan(0);
    // Approvals (up to 40 rows, 10 a page), the newest writes and more.
    expect(result.pagedTables).toBeGreaterThan(0);
    const png = await readFile(screenshotPath);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    // The screenshot covers the whole page (its height, in the PNG header), not just the first screen.
    expect(png.readUInt32BE(20)).toBeGreaterThan(2_000);
  }, BROWSER_TEST_TIMEOUT_MS);

  test('reports numbers that differ from the expectation', async () => {
    // Prepare: an expectation off by a little in three places
    const expected = expectationFor(fleet, report.data);
    const wrong: ReportExpectation = { ...expected, counts: { ...expected.counts, 'fleet-Compliant': (expected.counts['fleet-Compliant'] ?? 0) + 1, 'kpi-awaiting-approval': 0 } };
    delete wrong.counts['fleet-Unknown'];

    // Act
    const result = await checkReportInBrowser(reportPath, wrong);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.consoleErrors).toStrictEqual([]);
    expect(result.problems.toSorted()).toStrictEqual([
      `fleet-Compliant: the page shows ${fleet.expected.statuses['Compliant']}, expected ${(fleet.expected.statuses['Compliant'] ?? 0) + 1}`,
      `fleet-Unknown: the page shows ${fleet.expected.statuses['Unknown']}, expected 0`,
      `kpi-awaiting-approval: the page shows ${fleet.expected.awaitingApprovalClusters}, expected 0`,
    ]);
  }, BROWSER_TEST_TIMEOUT_MS);

  test('blocks and reports anything the page tries to fetch from the network', async () => {
    // Prepare: without the report's Content-Security-Policy, so the request reaches the browser check's own blocking
    const leakyPath = await variant('leaky.html', (page) =>
      page.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</main>', '<img alt="" src="http://203.0.113.7/tracker.png"></main>'),
    );

    // Act
    const result = await checkReportInBrowser(leakyPath, expectationFor(fleet, report.data));

    // Assess
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual(expect.stringContaining('http://203.0.113.7/tracker.png'));
  }, BROWSER_TEST_TIMEOUT_MS);

  test('refuses to run a script that slipped into the markup, thanks to the Content-Security-Policy', async () => {
    const path = await variant('injected.html', (page) => page.replace('</main>', '<script>document.title = "pwned"</script></main>'));

    const result = await checkReportInBrowser(path, expectationFor(fleet, report.data));

    expect(result.ok).toBe(false);
    // The report itself still renders and matches.
    expect(result.problems).toStrictEqual([]);
    expect(result.consoleErrors).toContainEqual(expect.stringContaining('Content Security Policy'));
  }, BROWSER_TEST_TIMEOUT_MS);

  test('notices charts that were never drawn', async () => {
    const path = await variant('no-charts.html', (page) => page.replace(/<script id="chartjs-library">[\s\S]*?<\/script>/, ''));

    const result = await checkReportInBrowser(path, expectationFor(fleet, report.data));

    expect(result.ok).toBe(false);
    expect(result.problems).toContain('the charts failed: Chart.js did not load');
    expect(result.problems).toContain('canvas #chart-timeline has no Chart.js chart');
    expect(result.consoleErrors).toContainEqual(expect.stringContaining('Chart.js did not load'));
  }, BROWSER_TEST_TIMEOUT_MS);

  test('shows hostile cluster names as text, runs none of them, and pages through the approvals', async () => {
    // Prepare: the generator put hostile names in the approval table
    const hostileRows = report.data.approvals.rows.filter((row) => row.clusterName.startsWith('<script>'));
    expect(hostileRows.length).toBeGreaterThan(0);
    const browser = await chromium.launch(await chromiumLaunchOptions());
    try {
      // Act
      const page = await browser.newPage();
      await page.goto(`file://${reportPath}`);
      await page.waitForSelector('html[data-charts-ready="true"]', { state: 'attached', timeout: 10_000 });
      const approvals = page.locator('[data-section="approvals"] table.approvals tbody tr');
      const visibleBefore = await approvals.evaluateAll((rows) => rows.filter((row) => !(row as unknown as { hidden: boolean }).hidden).length);
      await page.locator('[data-section="approvals"] .pager button', { hasText: 'Next' }).last().click();
      const pagerText = await page.locator('[data-section="approvals"] .pager span').last().innerText();

      // Assess
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(await page.locator('[data-section="approvals"] table.approvals tbody').textContent()).toContain(hostileRows[0]?.clusterName ?? '?');
      expect(await page.locator('[data-section="approvals"] tbody img').count()).toBe(0);
      expect(visibleBefore).toBe(10);
      expect(pagerText).toBe(`Rows 11–20 of ${report.data.approvals.rows.length}`);
    } finally {
      await browser.close();
    }
  }, BROWSER_TEST_TIMEOUT_MS);
});

describe('checkReportInBrowser input errors', () => {
  test('names a report file that does not exist', async () => {
    await expect(checkReportInBrowser('/nonexistent/report.html', { sections: [], charts: [], counts: {} })).rejects.toThrow(/Cannot check the report: \/nonexistent\/report\.html does not exist/);
  });
});
