// `npm run demo`: the whole aks-baseline-guard pipeline on a generated fleet, on this machine, with no Azure
// account. Progress and logs go to stderr; stdout gets the summary tables and, as its LAST line, one JSON object:
// { report, clusters, before, after, besideFleet, remediationsApplied, awaitingApproval, errors }.
// Exit codes: 0 done with no errors, 1 the run found errors (or failed), 2 bad flags, 130/143 interrupted.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkReportInBrowser, findChromium, type ReportExpectation } from './browserCheck.js';
import { DEFAULT_BASELINE_PATH } from '../src/baseline-file.js';
import { failureReport, wantsStackTraces } from '../src/cli/failure.js';
import { prepareBaseline, type DemoBaseline } from './baseline.js';
import type { DemoApp } from './app.js';
import { DemoHelpShown, DemoUsageError, parseDemoArgs, type DemoOptions } from './options.js';
import { createProgress } from './progress.js';
import { CLUSTER_STATUSES } from '../src/core/index.js';
import { buildReport, chartsOf, sectionsOf, type BuiltReport } from '../src/report/index.js';
import { describeConnectionString } from '../src/report/store-label.js';
import type { FleetOutcome } from './outcomes.js';
import { demoExtras, demoTables, summaryOf } from './reportData.js';
import { renderPublishedEvents } from './eventsOut.js';
import { renderSummary } from './summary.js';
import type { DemoSummary } from './types.js';

const EXIT = { ok: 0, errors: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

function usageError(message: string): number {
  process.stderr.write(`demo: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  return EXIT.usage;
}

/** Options and baseline, or an exit code for bad input. */
async function prepare(argv: readonly string[]): Promise<{ options: DemoOptions; baseline: DemoBaseline } | number> {
  let options: DemoOptions;
  try {
    options = parseDemoArgs(argv);
  } catch (error) {
    if (error instanceof DemoHelpShown) {
      process.stdout.write(error.text);
      return EXIT.ok;
    }
    if (error instanceof DemoUsageError) return usageError(error.message);
    throw error;
  }
  try {
    await mkdir(options.outDir, { recursive: true });
  } catch (error) {
    return usageError(`--out ${options.outDir}: cannot create the directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return { options, baseline: await prepareBaseline(options.baselinePath, options.outDir) };
  } catch (error) {
    if (error instanceof DemoUsageError) return usageError(error.message);
    throw error;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const startedAt = Date.now();
  const prepared = await prepare(argv);
  if (typeof prepared === 'number') return prepared;
  const { options, baseline } = prepared;

  const progress = createProgress({ live: options.progress, startedAt });
  const log = createProgress({ live: false, startedAt });
  let app: DemoApp | undefined;
  let stopping: Promise<void> | undefined;
  // Everything the demo started (Azurite, the emulator, its timers) stops here, exactly once.
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      progress.stop();
      await app?.stop();
    })());

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    // Work in flight fails once its services are gone; nobody is waiting for it any more.
    process.on('unhandledRejection', () => undefined);
    process.stderr.write(`\ndemo: ${signal}: stopping Azurite and the ARM emulator\n`);
    const code = signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
    stopAll().then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // Loaded only now: the handlers it brings in announce the Functions test mode on import, which a bad flag or
    // --help should not print.
    const { runPipeline } = await import('./pipeline.js');
    const run = await runPipeline(options, baseline, { progress, startedAt, onStarted: (started) => (app = started) });
    const finishedAt = Date.now();
    const reportFile = path.join(options.outDir, 'report.html');
    const screenshotFile = path.join(options.outDir, 'report.png');
    const problems = [...run.problems];
    const baselineIsDefault = options.baselinePath !== undefined && path.resolve(options.baselinePath) === path.resolve(DEFAULT_BASELINE_PATH);

    // The report is made from the Azurite store the run wrote, by the same code as `aks-baseline-guard report`, before
    // Azurite stops; the demo adds its reaction times. The browser check compares the page with the store, read again.
    if (!app) throw new Error('the demo app did not start');
    const report = await buildReport(app.services.reports, {
      baseline: baseline.baseline,
      baselineLabel: baseline.file,
      store: `${describeConnectionString(app.azurite.connectionString)} (this run's Azurite)`,
      since: new Date(startedAt),
      now: new Date(finishedAt),
      title: `aks-baseline-guard demo: ${options.clusters} clusters in ${options.subscriptions} subscriptions`,
      approvalCommands: baselineIsDefault ? {} : { baselineFile: baseline.file },
      extras: demoExtras({ options, baselineFile: baseline.file, startedAt, finishedAt, reactions: run.reactions, phases: run.phases }),
    });
    const stored = await app.services.store.countByStatus();
    await stopAll();
    log.log('Azurite and the ARM emulator stopped');

    await writeFile(reportFile, report.html, 'utf8');
    log.log(`report written to ${reportFile} from the Azurite store (${Math.round(Buffer.byteLength(report.html) / 1024)} KB; store read in ${Math.round(report.timings.collectMs)} ms)`);

    let screenshot: string | undefined;
    const browserProblems: string[] = [];
    const chromiumPath = await findChromium().catch((error: unknown) => {
      browserProblems.push(error instanceof Error ? error.message : String(error));
      return undefined;
    });
    if (chromiumPath === undefined && browserProblems.length === 0) {
      log.log(`warning: no Chromium on this ${process.platform} ${process.arch} machine: the browser check of the report is skipped (CHROMIUM_PATH names one; docs/demo.md)`);
    } else if (chromiumPath !== undefined) {
      try {
        const summary = summaryOf(run.outcome, reportFile, problems.length, run.prerequisites.statuses);
        const check = await checkReportInBrowser(reportFile, demoExpectation(report, stored, summary, run.outcome), { screenshotPath: screenshotFile });
        browserProblems.push(...check.problems, ...check.consoleErrors.map((message) => `console error: ${message}`));
        screenshot = screenshotFile;
      } catch (error) {
        browserProblems.push(error instanceof Error ? error.message : String(error));
      }
      if (browserProblems.length === 0) log.log('browser check passed: headless Chromium shows every section and chart, and the counts the store holds');
    }
    if (browserProblems.length > 0) problems.push(`the browser check of the report failed: ${browserProblems.join('; ')}`);
    const eventsFile = path.join(options.outDir, 'events.json');
    await writeFile(eventsFile, `${JSON.stringify(run.published.events, null, 2)}\n`, 'utf8');
    if (run.published.stats.dropped > 0) problems.push(`${run.published.stats.dropped} compliance events were dropped by the publisher`);
    const tables = demoTables({ outcome: run.outcome, baseline: baseline.baseline, reportPath: reportFile, errors: problems.length, besideFleet: run.prerequisites.statuses, startedAt, finishedAt, phases: run.phases });

    for (const problem of problems) log.log(`error: ${problem}`);
    process.stdout.write(renderSummary(tables, run));
    process.stdout.write(renderPublishedEvents(run.published.events, run.published.stats, eventsFile));
    process.stdout.write(`Report: ${reportFile}\n${screenshot ? `Screenshot: ${screenshot}\n` : ''}`);
    process.stdout.write(`${JSON.stringify(tables.summary)}\n`);
    return tables.summary.errors === 0 ? EXIT.ok : EXIT.errors;
  } catch (error) {
    if (interrupted) return new Promise<number>(() => undefined);
    progress.stop();
    process.stderr.write(failureReport('demo', 'the demo', error, { stack: wantsStackTraces(argv) }));
    return EXIT.errors;
  } finally {
    if (!interrupted) {
      await stopAll().catch((error: unknown) => process.stderr.write(`demo: could not stop everything cleanly: ${String(error)}\n`));
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/**
 * What the page must show: every fleet tile equal to the store's own count (read again, apart from the report), and
 * the run's own numbers (found by evaluating ARM again) for what waits for approval and what was fixed.
 */
function demoExpectation(report: BuiltReport, stored: Record<string, number>, summary: DemoSummary, outcome: FleetOutcome): ReportExpectation {
  const counts: Record<string, number> = {};
  for (const status of CLUSTER_STATUSES) if ((stored[status] ?? 0) > 0) counts[`fleet-${status}`] = stored[status] ?? 0;
  counts['clusters'] = (stored['total'] ?? 0) - (stored['Deleted'] ?? 0);
  counts['kpi-awaiting-approval'] = summary.awaitingApproval;
  counts['kpi-remediations-succeeded'] = summary.remediationsApplied;
  counts['kpi-remediation-failed'] = outcome.clusters.reduce((sum, cluster) => sum + (cluster.state?.results.filter((result) => result.status === 'RemediationFailed').length ?? 0), 0);
  return { sections: sectionsOf(report.data), charts: chartsOf(report.data), counts, tileFamilies: ['fleet-'] };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(failureReport('demo', 'the demo', error, { stack: wantsStackTraces(process.argv) }));
    process.exit(EXIT.errors);
  },
);
