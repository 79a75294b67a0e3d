// Opens the rendered report in headless Chromium, offline, and checks what a person would see: every section,
// all four charts actually drawn, and tile numbers that match the run's summary. Used by the demo after
// rendering and by the report's integration test.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type LaunchOptions, type Page } from 'playwright-core';
import { REPORT_CHARTS, REPORT_SECTIONS } from './report/render.js';
import type { DemoSummary, StatusCounts } from './report/types.js';

export interface CheckReportOptions {
  /** Where to save a full-page PNG of the report, if anywhere. */
  screenshotPath?: string;
  /** Upper bound for launching, loading and drawing; default 30 s. */
  timeoutInMs?: number;
}

export interface ReportCheckResult {
  ok: boolean;
  /** What differs from the expectation, or was blocked, one sentence each. */
  problems: string[];
  /** Console errors and uncaught page errors, verbatim. */
  consoleErrors: string[];
}

/** Without these, Chromium in a closed network keeps trying to reach Google services and logs failures. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumExecutablePath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Launch options for the system Chromium; throws a clear error when it is not installed. */
export function chromiumLaunchOptions(timeoutInMs = 30_000): LaunchOptions {
  const executablePath = chromiumExecutablePath();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium is not installed at ${executablePath}. Run scripts/ensure-chromium.sh (as root it installs the Debian package) or set CHROMIUM_PATH to a Chromium binary.`);
  }
  return { executablePath, args: CHROMIUM_ARGS, timeout: timeoutInMs };
}

interface PageFacts {
  title: string;
  sections: string[];
  chartsReady: boolean;
  chartsError: string | null;
  canvases: Record<string, { exists: boolean; hasChart: boolean; paintedSamples: number; readError?: string }>;
  counts: Record<string, number>;
}

// Runs in the page (as text: this project compiles without DOM types).
const COLLECT_PAGE_FACTS = `(() => {
  const root = document.documentElement;
  const facts = {
    title: document.title,
    sections: Array.from(document.querySelectorAll('[data-section]'), (el) => el.getAttribute('data-section')),
    chartsReady: root.getAttribute('data-charts-ready') === 'true',
    chartsError: root.getAttribute('data-charts-error'),
    canvases: {},
    counts: {},
  };
  for (const id of ${JSON.stringify(REPORT_CHARTS)}) {
    const canvas = document.getElementById(id);
    if (!(canvas instanceof HTMLCanvasElement)) { facts.canvases[id] = { exists: false, hasChart: false, paintedSamples: 0 }; continue; }
    const entry = { exists: true, hasChart: Boolean(window.Chart && window.Chart.getChart(canvas)), paintedSamples: 0 };
    try {
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      // Sample alpha of every 7th pixel: a drawn chart has axes, labels and bars; a blank canvas is all zero.
      for (let i = 3; i < pixels.length; i += 28) if (pixels[i] !== 0) entry.paintedSamples++;
    } catch (err) { entry.readError = String(err); }
    facts.canvases[id] = entry;
  }
  for (const el of document.querySelectorAll('[data-testid][data-count]')) {
    facts.counts[el.getAttribute('data-testid')] = Number(el.getAttribute('data-count'));
  }
  return facts;
})()`;

const CHARTS_SETTLED = `document.documentElement.hasAttribute('data-charts-ready') || document.documentElement.hasAttribute('data-charts-error')`;

export async function checkReportInBrowser(htmlPath: string, expected: DemoSummary, options: CheckReportOptions = {}): Promise<ReportCheckResult> {
  const file = resolve(htmlPath);
  if (!existsSync(file)) throw new Error(`Cannot check the report: ${file} does not exist.`);
  const timeoutInMs = options.timeoutInMs ?? 30_000;
  const launchOptions = chromiumLaunchOptions(timeoutInMs);
  const problems: string[] = [];
  const consoleErrors: string[] = [];

  let browser;
  try {
    browser = await chromium.launch(launchOptions);
  } catch (err) {
    throw new Error(`Could not start Chromium at ${String(launchOptions.executablePath)}: ${(err as Error).message}`);
  }
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1, serviceWorkers: 'block' });
    context.setDefaultTimeout(timeoutInMs);
    // The report must be self-contained: anything that is not the file itself is blocked and reported.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      problems.push(`the report tried to load ${url} (blocked: it must work offline)`);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    page.on('websocket', (socket) => problems.push(`the report opened a WebSocket to ${socket.url()}`));

    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    try {
      await page.waitForFunction(CHARTS_SETTLED, undefined, { timeout: timeoutInMs });
    } catch {
      problems.push(`the charts did not finish drawing within ${timeoutInMs} ms`);
    }
    const facts = await page.evaluate<PageFacts>(COLLECT_PAGE_FACTS);
    problems.push(...compareWithExpectation(facts, expected));
    if (options.screenshotPath !== undefined) await takeFullPageScreenshot(page, options.screenshotPath);
    await context.close();
  } finally {
    await browser.close();
  }
  return { ok: problems.length === 0 && consoleErrors.length === 0, problems, consoleErrors };
}

function compareWithExpectation(facts: PageFacts, expected: DemoSummary): string[] {
  const problems: string[] = [];
  if (facts.title.trim() === '') problems.push('the page has no title');
  for (const section of REPORT_SECTIONS) {
    if (!facts.sections.includes(section)) problems.push(`the "${section}" section is missing`);
  }
  if (facts.chartsError !== null) problems.push(`the charts failed: ${facts.chartsError}`);
  for (const id of REPORT_CHARTS) {
    const canvas = facts.canvases[id];
    if (canvas === undefined || !canvas.exists) problems.push(`canvas #${id} is missing`);
    else if (!canvas.hasChart) problems.push(`canvas #${id} has no Chart.js chart`);
    else if (canvas.readError !== undefined) problems.push(`canvas #${id} could not be read: ${canvas.readError}`);
    else if (canvas.paintedSamples === 0) problems.push(`canvas #${id} is blank`);
  }
  problems.push(...compareTiles('before', facts.counts, expected.before));
  problems.push(...compareTiles('after', facts.counts, expected.after));
  const single: [string, string, number][] = [
    ['awaiting-approval', 'awaiting approval', expected.awaitingApproval],
    ['clusters', 'clusters', expected.clusters],
    ['remediations-applied', 'remediations applied', expected.remediationsApplied],
    ['errors', 'errors', expected.errors],
  ];
  for (const [testId, label, want] of single) {
    const shown = facts.counts[testId];
    if (shown === undefined) problems.push(`the ${label} count (data-testid="${testId}") is missing`);
    else if (shown !== want) problems.push(`${label}: the report shows ${shown}, expected ${want}`);
  }
  return problems;
}

/** Every status with a non-zero expectation needs a tile, and every tile shown must match (absent means 0). */
function compareTiles(moment: 'before' | 'after', shownCounts: Record<string, number>, expected: StatusCounts): string[] {
  const problems: string[] = [];
  const prefix = `${moment}-`;
  const tileStatuses = Object.keys(shownCounts).filter((id) => id.startsWith(prefix)).map((id) => id.slice(prefix.length));
  const statuses = new Set([...tileStatuses, ...Object.keys(expected).filter((s) => (expected[s] ?? 0) > 0)]);
  for (const status of statuses) {
    const want = expected[status] ?? 0;
    const shown = shownCounts[`${prefix}${status}`];
    if (shown === undefined) problems.push(`${moment}.${status}: expected ${want} but the report has no tile for it`);
    else if (shown !== want) problems.push(`${moment}.${status}: the report shows ${shown}, expected ${want}`);
  }
  return problems;
}

/**
 * Grows the viewport to the page's height, lets the charts redraw at that size, then shoots. Playwright's
 * fullPage mode resizes behind Chart.js's back and can catch a canvas between clear and redraw.
 */
async function takeFullPageScreenshot(page: Page, path: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1366, height: 900 };
  const height = await page.evaluate<number>('Math.ceil(document.documentElement.scrollHeight)');
  await page.setViewportSize({ width: viewport.width, height });
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
  await page.screenshot({ path });
}
