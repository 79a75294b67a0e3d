// Opens the rendered report in headless Chromium, offline, and checks what a person would see: every section, every
// chart actually drawn, and the numbers on the page equal to what the caller read from the store itself. Used by the
// demo after rendering and by the report's integration tests (which also read how long the page took to draw).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type LaunchOptions, type Page } from 'playwright-core';

const execFileAsync = promisify(execFile);

/** What the page must show. */
export interface ReportExpectation {
  /** `data-section` values that must be there (see sectionsOf in src/report). */
  sections: readonly string[];
  /** Canvas ids that must hold a drawn Chart.js chart (see chartsOf). */
  charts: readonly string[];
  /** `data-testid` → the number its `data-count` must show. */
  counts: Record<string, number>;
  /**
   * Test-id prefixes of tile families (`fleet-`): besides the counts named, every tile of the family the page shows
   * must match its count in `counts`, where a missing one means 0.
   */
  tileFamilies?: readonly string[];
}

export interface CheckReportOptions {
  /** Where to save a full-page PNG of the report, if anywhere. */
  screenshotPath?: string;
  /** Upper bound for launching, loading and drawing; default 30 s. */
  timeoutInMs?: number;
}

export interface ReportCheckResult {
  ok: boolean;
  /** From navigation start: the page loaded (`load`), and every chart was drawn (or failed). */
  timings: { loadMs: number; chartsMs: number };
  /** Tables the page pages, and how many pages the longest has. */
  pagedTables: number;
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

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * The Chromium the check runs: `CHROMIUM_PATH` if set (it must exist), else Debian's package if installed, else the
 * Chromium that ships inside the `@sparticuz/chromium` devDependency, unpacked once into node_modules/.cache. The last
 * one needs neither root nor a download, so a fresh clone checks its report as any user; it is a Linux x64 build, so
 * elsewhere (macOS, arm64) there is none unless CHROMIUM_PATH names one: then this returns undefined.
 */
export async function findChromium(): Promise<string | undefined> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH is set to ${configured}, but nothing is there; fix the path or unset it.`);
    return configured;
  }
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  return bundledChromium();
}

/** findChromium, or a clear error saying how to provide one. */
export async function resolveChromium(): Promise<string> {
  const found = await findChromium();
  if (!found) throw new Error(`No Chromium on this ${process.platform} ${process.arch} machine: set CHROMIUM_PATH to a Chromium or Chrome binary (the bundled one runs on Linux x64 only).`);
  return found;
}

async function bundledChromium(): Promise<string> {
  let packageEntry: string;
  try {
    packageEntry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  } catch {
    throw new Error(`No Chromium: ${SYSTEM_CHROMIUM} is missing and the @sparticuz/chromium devDependency is not installed (run npm ci, install Debian's chromium, or set CHROMIUM_PATH).`);
  }
  const packageRoot = dirname(dirname(packageEntry));
  const cache = join(packageRoot, '..', '..', '.cache', 'aks-baseline-guard-chromium');
  const binary = join(cache, 'chromium');
  if (existsSync(binary)) return binary;
  // The package unpacks into os.tmpdir(), shared by every user of the machine: a child with its own TMPDIR unpacks
  // into a private folder instead, which a rename then publishes whole (parallel Jest workers may race; one wins).
  await mkdir(dirname(cache), { recursive: true });
  const staging = await mkdtemp(`${cache}.unpacking-`);
  try {
    const unpack = 'const { default: Chromium } = await import(process.argv[1]); await Chromium.executablePath(process.argv[2]);';
    await execFileAsync(process.execPath, ['--input-type=module', '-e', unpack, pathToFileURL(packageEntry).href, join(packageRoot, 'bin')], {
      env: { ...process.env, TMPDIR: staging },
    });
    await rename(staging, cache).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(binary)) throw error;
    });
  } catch (error) {
    throw new Error(`Could not unpack the Chromium of @sparticuz/chromium into ${cache}: ${(error as Error).message}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return binary;
}

/** Launch options for the Chromium resolveChromium finds; throws a clear error when there is none. */
export async function chromiumLaunchOptions(timeoutInMs = 30_000): Promise<LaunchOptions> {
  return { executablePath: await resolveChromium(), args: CHROMIUM_ARGS, timeout: timeoutInMs };
}

interface PageFacts {
  title: string;
  pagedTables: number;
  timings: { loadMs: number; chartsMs: number };
  sections: string[];
  chartsReady: boolean;
  chartsError: string | null;
  canvases: Record<string, { exists: boolean; hasChart: boolean; paintedSamples: number; readError?: string }>;
  counts: Record<string, number>;
}

// Runs in the page (as text: this project compiles without DOM types).
const collectPageFacts = (charts: readonly string[]): string => `(() => {
  const root = document.documentElement;
  const navigation = performance.getEntriesByType('navigation')[0];
  const facts = {
    title: document.title,
    pagedTables: Number(root.getAttribute('data-paged-tables') || 0),
    timings: { loadMs: navigation ? navigation.loadEventEnd : -1, chartsMs: Number(root.getAttribute('data-charts-ms') || -1) },
    sections: Array.from(document.querySelectorAll('[data-section]'), (el) => el.getAttribute('data-section')),
    chartsReady: root.getAttribute('data-charts-ready') === 'true',
    chartsError: root.getAttribute('data-charts-error'),
    canvases: {},
    counts: {},
  };
  for (const id of ${JSON.stringify(charts)}) {
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

export async function checkReportInBrowser(htmlPath: string, expected: ReportExpectation, options: CheckReportOptions = {}): Promise<ReportCheckResult> {
  const file = resolve(htmlPath);
  if (!existsSync(file)) throw new Error(`Cannot check the report: ${file} does not exist.`);
  const timeoutInMs = options.timeoutInMs ?? 30_000;
  const launchOptions = await chromiumLaunchOptions(timeoutInMs);
  const problems: string[] = [];
  const consoleErrors: string[] = [];
  let facts: PageFacts | undefined;

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
    facts = await page.evaluate<PageFacts>(collectPageFacts(expected.charts));
    problems.push(...compareWithExpectation(facts, expected));
    if (options.screenshotPath !== undefined) await takeFullPageScreenshot(page, options.screenshotPath);
    await context.close();
  } finally {
    await browser.close();
  }
  return { ok: problems.length === 0 && consoleErrors.length === 0, problems, consoleErrors, timings: facts?.timings ?? { loadMs: -1, chartsMs: -1 }, pagedTables: facts?.pagedTables ?? 0 };
}

function compareWithExpectation(facts: PageFacts, expected: ReportExpectation): string[] {
  const problems: string[] = [];
  if (facts.title.trim() === '') problems.push('the page has no title');
  for (const section of expected.sections) {
    if (!facts.sections.includes(section)) problems.push(`the "${section}" section is missing`);
  }
  if (facts.chartsError !== null) problems.push(`the charts failed: ${facts.chartsError}`);
  for (const id of expected.charts) {
    const canvas = facts.canvases[id];
    if (canvas === undefined || !canvas.exists) problems.push(`canvas #${id} is missing`);
    else if (!canvas.hasChart) problems.push(`canvas #${id} has no Chart.js chart`);
    else if (canvas.readError !== undefined) problems.push(`canvas #${id} could not be read: ${canvas.readError}`);
    else if (canvas.paintedSamples === 0) problems.push(`canvas #${id} is blank`);
  }
  const families = expected.tileFamilies ?? [];
  const inFamily = (testId: string): boolean => families.some((prefix) => testId.startsWith(prefix));
  for (const [testId, want] of Object.entries(expected.counts)) {
    const shown = facts.counts[testId];
    if (shown === undefined) {
      if (!(inFamily(testId) && want === 0)) problems.push(`${testId}: expected ${want} but the page shows no data-count for it`);
    } else if (shown !== want) problems.push(`${testId}: the page shows ${shown}, expected ${want}`);
  }
  // A tile of a family that the expectation does not name must show 0.
  for (const [testId, shown] of Object.entries(facts.counts)) {
    if (inFamily(testId) && !(testId in expected.counts) && shown !== 0) problems.push(`${testId}: the page shows ${shown}, expected 0`);
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
