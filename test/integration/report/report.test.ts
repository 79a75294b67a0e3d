// Renders a 200-cluster report and opens it in real headless Chromium (offline, file://), as the demo does.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { checkReportInBrowser, chromiumLaunchOptions } from '../../../demo/browserCheck.js';
import { renderReport } from '../../../demo/report/render.js';
import type { DemoSummary } from '../../../demo/report/types.js';
import { buildReportData } from '../../support/report-data.js';

const HOSTILE_NAMES = ['<script>window.__pwned = 1</script>', '"><img src=x onerror="window.__pwned = 2">', '</script><!--'];

describe('the demo report in a headless browser', () => {
  let dir: string;
  let reportPath: string;
  let html: string;
  const data = buildReportData({ clusterNames: Array.from({ length: 60 }, (_, i) => `${HOSTILE_NAMES[i % HOSTILE_NAMES.length] ?? ''} #${i}`) });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'abg-report-'));
    reportPath = join(dir, 'report.html');
    data.summary.report = reportPath;
    html = renderReport(data);
    await writeFile(reportPath, html, 'utf8');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders every section and chart offline, with tiles that match the summary', async () => {
    const screenshotPath = join(tmpdir(), 'aks-baseline-guard-report.png');
    const result = await checkReportInBrowser(reportPath, data.summary, { screenshotPath });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.consoleErrors, []);
    assert.equal(result.ok, true);
    const png = await readFile(screenshotPath);
    assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
    assert.ok(png.readUInt32BE(20) > 2_000, 'the screenshot covers the whole page, not just the first screen');
  });

  it('reports numbers that differ from the expected summary', async () => {
    const wrong: DemoSummary = structuredClone(data.summary);
    wrong.after.Compliant = (wrong.after.Compliant ?? 0) + 1;
    wrong.before.Exempt = 0;
    wrong.awaitingApproval += 2;
    const result = await checkReportInBrowser(reportPath, wrong);
    assert.equal(result.ok, false);
    assert.deepEqual(result.consoleErrors, []);
    assert.deepEqual(result.problems.toSorted(), [
      `after.Compliant: the report shows ${data.summary.after.Compliant}, expected ${wrong.after.Compliant}`,
      `awaiting approval: the report shows ${data.summary.awaitingApproval}, expected ${wrong.awaitingApproval}`,
      `before.Exempt: the report shows ${data.summary.before.Exempt}, expected 0`,
    ]);
  });

  it('blocks and reports anything the page tries to fetch from the network', async () => {
    // Without the report's Content-Security-Policy, so the request reaches the browser check's own blocking.
    const leaky = html
      .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')
      .replace('</main>', '<img alt="" src="http://203.0.113.7/tracker.png"></main>');
    const leakyPath = join(dir, 'leaky.html');
    await writeFile(leakyPath, leaky, 'utf8');
    const result = await checkReportInBrowser(leakyPath, data.summary);
    assert.equal(result.ok, false);
    assert.ok(result.problems.some((p) => p.includes('http://203.0.113.7/tracker.png')), result.problems.join('\n'));
  });

  it('refuses to run a script that slipped into the markup, thanks to the Content-Security-Policy', async () => {
    const injected = html.replace('</main>', '<script>document.title = "pwned"</script></main>');
    const path = join(dir, 'injected.html');
    await writeFile(path, injected, 'utf8');
    const result = await checkReportInBrowser(path, data.summary);
    assert.equal(result.ok, false);
    assert.deepEqual(result.problems, [], 'the report itself still renders and matches');
    assert.ok(result.consoleErrors.some((e) => e.includes('Content Security Policy')), result.consoleErrors.join('\n'));
  });

  it('notices charts that were never drawn', async () => {
    const noCharts = html.replace(/<script id="chartjs-library">[\s\S]*?<\/script>/, '');
    const path = join(dir, 'no-charts.html');
    await writeFile(path, noCharts, 'utf8');
    const result = await checkReportInBrowser(path, data.summary);
    assert.equal(result.ok, false);
    assert.ok(result.problems.includes('the charts failed: Chart.js did not load'), result.problems.join('\n'));
    assert.ok(result.problems.includes('canvas #chart-timeline has no Chart.js chart'), result.problems.join('\n'));
    assert.ok(result.consoleErrors.some((e) => e.includes('Chart.js did not load')), result.consoleErrors.join('\n'));
  });

  it('shows hostile cluster names as text and runs none of them', async () => {
    const hostileRows = data.awaitingApproval.filter((r) => r.clusterName.startsWith('<script>'));
    assert.ok(hostileRows.length > 0, 'the factory put a hostile name in the approval table');
    const browser = await chromium.launch(chromiumLaunchOptions());
    try {
      const page = await browser.newPage();
      await page.goto(`file://${reportPath}`);
      await page.waitForSelector('html[data-charts-ready="true"]', { state: 'attached', timeout: 10_000 });
      assert.equal(await page.evaluate('typeof window.__pwned'), 'undefined');
      const approvals = page.locator('[data-section="approvals"] tbody');
      assert.ok((await approvals.innerText()).includes(hostileRows[0]?.clusterName ?? '?'));
      assert.equal(await page.locator('[data-section="approvals"] tbody img').count(), 0);
    } finally {
      await browser.close();
    }
  });
});

describe('checkReportInBrowser input errors', () => {
  it('names a report file that does not exist', async () => {
    const summary = buildReportData({ clusters: 3 }).summary;
    await assert.rejects(checkReportInBrowser('/nonexistent/report.html', summary), /Cannot check the report: \/nonexistent\/report\.html does not exist/);
  });
});
