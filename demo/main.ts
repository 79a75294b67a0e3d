// `npm run demo`: the whole aks-baseline-guard pipeline on a generated fleet, on this machine, with no Azure
// account. Progress and logs go to stderr; stdout gets the summary tables and, as its LAST line, one JSON object:
// { report, clusters, before, after, remediationsApplied, awaitingApproval, errors }.
// Exit codes: 0 done with no errors, 1 the run found errors (or failed), 2 bad flags, 130/143 interrupted.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkReportInBrowser, chromiumExecutablePath } from './browserCheck.js';
import { DEFAULT_BASELINE_PATH } from '../src/baseline-file.js';
import { failureReport, wantsStackTraces } from '../src/cli/failure.js';
import { prepareBaseline, type DemoBaseline } from './baseline.js';
import type { DemoApp } from './app.js';
import { DemoHelpShown, DemoUsageError, parseDemoArgs, type DemoOptions } from './options.js';
import { createProgress } from './progress.js';
import { renderReport } from './report/render.js';
import { buildReportData, type ReportInputs } from './reportData.js';
import { renderSummary } from './summary.js';

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
    await stopAll();
    log.log('Azurite and the ARM emulator stopped');

    const reportFile = path.join(options.outDir, 'report.html');
    const screenshotFile = path.join(options.outDir, 'report.png');
    const problems = [...run.problems];
    const inputs: ReportInputs = {
      options,
      baseline: baseline.baseline,
      baselineFile: baseline.file,
      baselineIsDefault: options.baselinePath !== undefined && path.resolve(options.baselinePath) === path.resolve(DEFAULT_BASELINE_PATH),
      startedAt,
      finishedAt,
      phases: run.phases,
      outcome: run.outcome,
      reactions: run.reactions,
      errors: problems.length,
      reportPath: reportFile,
    };
    let data = buildReportData(inputs);
    await writeFile(reportFile, renderReport(data), 'utf8');
    log.log(`report written to ${reportFile}`);

    let screenshot: string | undefined;
    if (!existsSync(chromiumExecutablePath())) {
      log.log(`warning: no Chromium at ${chromiumExecutablePath()}: the browser check of the report is skipped (scripts/ensure-chromium.sh installs it as root; CHROMIUM_PATH points elsewhere)`);
    } else {
      const browserProblems: string[] = [];
      try {
        const check = await checkReportInBrowser(reportFile, data.summary, { screenshotPath: screenshotFile });
        browserProblems.push(...check.problems, ...check.consoleErrors.map((message) => `console error: ${message}`));
        screenshot = screenshotFile;
      } catch (error) {
        browserProblems.push(error instanceof Error ? error.message : String(error));
      }
      if (browserProblems.length === 0) {
        log.log('browser check passed: headless Chromium shows every section, the four charts and the same counts as this summary');
      } else {
        problems.push(`the browser check of the report failed: ${browserProblems.join('; ')}`);
        // The report must show the final error count, so it is written again with it.
        data = buildReportData({ ...inputs, errors: problems.length });
        await writeFile(reportFile, renderReport(data), 'utf8');
      }
    }

    for (const problem of problems) log.log(`error: ${problem}`);
    process.stdout.write(renderSummary(data, run));
    process.stdout.write(`Report: ${reportFile}\n${screenshot ? `Screenshot: ${screenshot}\n` : ''}`);
    process.stdout.write(`${JSON.stringify(data.summary)}\n`);
    return data.summary.errors === 0 ? EXIT.ok : EXIT.errors;
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(failureReport('demo', 'the demo', error, { stack: wantsStackTraces(process.argv) }));
    process.exit(EXIT.errors);
  },
);
