// `aks-baseline-guard evaluate`: one cluster export (az aks show, or an ARM GET body) against a baseline, offline.
import { Option, type Command } from 'commander';
import { DEFAULT_BASELINE_PATH } from '../../baseline-file.js';
import { parseBaseline, type Baseline } from '../../core/baseline.js';
import { ISO_DATE_OR_DATE_TIME_RULE, parseIsoDateTime } from '../../core/dates.js';
import { evaluateSnapshot } from '../../core/evaluate.js';
import { parseCluster, parseExtensions, withExtensions } from '../../core/snapshot.js';
import type { Evaluation } from '../../core/types.js';
import { CliInputError, EXIT_CODES, fromSource } from '../exit.js';
import { renderEvaluationTable } from '../format.js';
import { readJson, readText, sourceName, STDIN } from '../input.js';

interface EvaluateFlags {
  cluster?: string;
  extensions?: string;
  baseline?: string;
  format: 'table' | 'json';
  now?: string;
}

async function loadBaseline(file: string | undefined): Promise<{ baseline: Baseline; source: string }> {
  const path = file ?? DEFAULT_BASELINE_PATH;
  const source = file === undefined ? `${path} (default)` : sourceName(path);
  const text = await readText(path);
  return { baseline: fromSource(sourceName(path), () => parseBaseline(text, path)), source };
}

function parseNow(now: string | undefined): Date {
  if (now === undefined) return new Date();
  const parsed = parseIsoDateTime(now);
  if (!parsed) throw new CliInputError('--now', [`"${now}" is not ${ISO_DATE_OR_DATE_TIME_RULE}`]);
  return parsed;
}

/** Exit 0 only when nothing is NonCompliant or Unknown. */
export function exitCodeFor(evaluation: Evaluation): number {
  return evaluation.results.some((r) => r.status === 'NonCompliant' || r.status === 'Unknown') ? EXIT_CODES.notCompliant : EXIT_CODES.ok;
}

async function run(flags: EvaluateFlags): Promise<void> {
  // Checked here, not by commander's requiredOption: commander reports a missing required option before an unknown
  // one, so `--cluser c.json` would say "--cluster not specified" and never name the misspelt flag.
  if (flags.cluster === undefined) throw new CliInputError(undefined, ["required option '--cluster <file>' not specified"]);
  const stdinUsers = [flags.cluster, flags.extensions, flags.baseline].filter((f) => f === STDIN);
  if (stdinUsers.length > 1) throw new CliInputError(undefined, ['only one of --cluster, --extensions and --baseline can read standard input (-)']);
  const now = parseNow(flags.now);

  // The baseline comes first: an invalid baseline evaluates nothing.
  const { baseline, source } = await loadBaseline(flags.baseline);
  const clusterJson = await readJson(flags.cluster);
  let snapshot = fromSource(sourceName(flags.cluster), () => parseCluster(clusterJson));
  if (flags.extensions !== undefined) {
    const file = sourceName(flags.extensions);
    const extensionsJson = await readJson(flags.extensions);
    const extensions = fromSource(file, () => parseExtensions(extensionsJson));
    snapshot = fromSource(file, () => withExtensions(snapshot, extensions));
  }

  const evaluation = evaluateSnapshot(snapshot, baseline, { now });
  process.stdout.write(flags.format === 'json' ? `${JSON.stringify(evaluation, null, 2)}\n` : renderEvaluationTable(evaluation, source, process.stdout.columns ?? 120));
  process.exitCode = exitCodeFor(evaluation);
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('Evaluate one cluster against a baseline and print the results and the remediation plan (no Azure calls).')
    .option('--cluster <file>', '(required) managed cluster JSON: an ARM GET body or az aks show -o json output ("-" for stdin)')
    .option('--extensions <file>', 'cluster extensions JSON: {"value": [...]}, an array, or az k8s-extension list -o json output ("-" for stdin)')
    .option('--baseline <file>', 'baseline document, JSON or YAML ("-" for stdin); default: baselines/default.json')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--now <date-time>', 'evaluate exemptions as of this time instead of now: an ISO 8601 date (its start, UTC) or date-time with a zone')
    .addHelpText(
      'after',
      '\nExit codes: 0 every result is Compliant, NotApplicable or Exempt; 1 at least one is NonCompliant (or Unknown); 2 bad input or usage.',
    )
    .action(async (flags: EvaluateFlags) => run(flags));
}
