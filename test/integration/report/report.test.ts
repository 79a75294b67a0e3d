// Renders a 200-cluster report and opens it in real headless Chromium (offline, file://), as the demo does.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chromium } from 'playwright-core';
import { checkReportInBrowser, chromiumLaunchOptions } from '../../../demo/browserCheck.js';
import { renderReport } from '../../../demo/report/render.js';
import type { DemoSummary } from '../../../demo/report/types.js';
import { buildReportData } from '../../support/report-data.js';

const HOSTILE_NAMES = ['<script>window.__pwned = 1</script>', '"><img src=x onerror="window.__pwned = 2">', '</script><!--'];
/** Each test starts Chromium; the browser check's own limit is 30 s, so it fails with its reason before Jest's does. */
const BROWSER_TEST_TIMEOUT_MS = 60_000;

describe('the demo report in a headless browser', () => {
  let dir: string;
  let reportPath: string;
  let html: string;
  const data = buildReportData({ clusterNames: Array.from({ length: 60 }, (_, i) => `${HOSTILE_NAMES[i % HOSTILE_NAMES.length] ?? ''} #${i}`) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'abg-report-'));
    reportPath = join(dir, 'report.html');
    data.summary.report = reportPath;
    html = renderReport(data);
    await writeFile(reportPath, html, 'utf8');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A copy of the report with `change` applied, written next to it. */
  async function variant(name: string, change: (report: string) => string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, change(html), 'utf8');
    return path;
  }

  test('renders every section and chart offline, with tiles that match the summary', async () => {
    const screenshotPath = join(dir, 'report.png');

    const result = await checkReportInBrowser(reportPath, data.summary, { screenshotPath });

    expect(result.problems).toStrictEqual([]);
    expect(result.consoleErrors).toStrictEqual([]);
    expect(result.ok).toBe(true);
    const png = await readFile(screenshotPath);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    // The screenshot covers the whole page (its height, in the PNG header), not just the first screen.
    expect(png.readUInt32BE(20)).toBeGreaterThan(2_000);
  }, BROWSER_TEST_TIMEOUT_MS);

  test('reports numbers that differ from the expected summary', async () => {
    // Prepare: an expected summary off by a little in three places
    const wrong: DemoSummary = structuredClone(data.summary);
    wrong.after.Compliant = (wrong.after.Compliant ?? 0) + 1;
    wrong.before.Exempt = 0;
    wrong.awaitingApproval += 2;

    // Act
    const result = await checkReportInBrowser(reportPath, wrong);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.consoleErrors).toStrictEqual([]);
    expect(result.problems.toSorted()).toStrictEqual([
      `after.Compliant: the report shows ${data.summary.after.Compliant}, expected ${wrong.after.Compliant}`,
      `awaiting approval: the report shows ${data.summary.awaitingApproval}, expected ${wrong.awaitingApproval}`,
      `before.Exempt: the report shows ${data.summary.before.Exempt}, expected 0`,
    ]);
  }, BROWSER_TEST_TIMEOUT_MS);

  test('blocks and reports anything the page tries to fetch from the network', async () => {
    // Prepare: without the report's Content-Security-Policy, so the request reaches the browser check's own blocking
    const leakyPath = await variant('leaky.html', (report) =>
      report.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</main>', '<img alt="" src="http://203.0.113.7/tracker.png"></main>'),
    );

    // Act
    const result = await checkReportInBrowser(leakyPath, data.summary);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual(expect.stringContaining('http://203.0.113.7/tracker.png'));
  }, BROWSER_TEST_TIMEOUT_MS);

  test('refuses to run a script that slipped into the markup, thanks to the Content-Security-Policy', async () => {
    const path = await variant('injected.html', (report) => report.replace('</main>', '<script>document.title = "pwned"</script></main>'));

    const result = await checkReportInBrowser(path, data.summary);

    expect(result.ok).toBe(false);
    // The report itself still renders and matches.
    expect(result.problems).toStrictEqual([]);
    expect(result.consoleErrors).toContainEqual(expect.stringContaining('Content Security Policy'));
  }, BROWSER_TEST_TIMEOUT_MS);

  test('notices charts that were never drawn', async () => {
    const path = await variant('no-charts.html', (report) => report.replace(/<script id="chartjs-library">[\s\S]*?<\/script>/, ''));

    const result = await checkReportInBrowser(path, data.summary);

    expect(result.ok).toBe(false);
    expect(result.problems).toContain('the charts failed: Chart.js did not load');
    expect(result.problems).toContain('canvas #chart-timeline has no Chart.js chart');
    expect(result.consoleErrors).toContainEqual(expect.stringContaining('Chart.js did not load'));
  }, BROWSER_TEST_TIMEOUT_MS);

  test('shows hostile cluster names as text and runs none of them', async () => {
    // Prepare: the factory put a hostile name in the approval table
    const hostileRows = data.awaitingApproval.filter((r) => r.clusterName.startsWith('<script>'));
    expect(hostileRows.length).toBeGreaterThan(0);
    const browser = await chromium.launch(chromiumLaunchOptions());
    try {
      // Act
      const page = await browser.newPage();
      await page.goto(`file://${reportPath}`);
      await page.waitForSelector('html[data-charts-ready="true"]', { state: 'attached', timeout: 10_000 });

      // Assess
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(await page.locator('[data-section="approvals"] tbody').innerText()).toContain(hostileRows[0]?.clusterName ?? '?');
      expect(await page.locator('[data-section="approvals"] tbody img').count()).toBe(0);
    } finally {
      await browser.close();
    }
  }, BROWSER_TEST_TIMEOUT_MS);
});

describe('checkReportInBrowser input errors', () => {
  test('names a report file that does not exist', async () => {
    const summary = buildReportData({ clusters: 3 }).summary;

    await expect(checkReportInBrowser('/nonexistent/report.html', summary)).rejects.toThrow(/Cannot check the report: \/nonexistent\/report\.html does not exist/);
  });
});
