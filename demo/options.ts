// The demo's flags, parsed and checked once. A bad flag is one line naming it, and exit code 2.
import path from 'node:path';
import { Command, CommanderError } from 'commander';

export interface DemoOptions {
  clusters: number;
  subscriptions: number;
  seed: number;
  /** Share of ARM requests the emulator answers with a random 500, 503 or reset connection. */
  faultRate: number;
  /** A baseline file given with --baseline; undefined = the demo's default (see demo/baseline.ts). */
  baselinePath?: string;
  /** Absolute path of the directory the report goes into. */
  outDir: string;
  /** Live progress on stderr (only ever drawn as bars when stderr is a terminal). */
  progress: boolean;
  /** Stack traces with failures (also DEBUG=aks-baseline-guard). */
  verbose: boolean;
}

export const DEFAULT_OPTIONS = { clusters: 200, subscriptions: 4, seed: 42, faultRate: 0, out: path.join('out', 'demo') } as const;

/** Flags are checked against these; a fleet beyond them would not finish in the demo's time budget. */
const LIMITS = { clusters: { min: 1, max: 2000 }, subscriptions: { min: 1, max: 50 }, faultRate: { min: 0, max: 0.5 } } as const;

/** A bad flag: what `main` prints as one line before exiting with code 2. */
export class DemoUsageError extends Error {
  override name = 'DemoUsageError';
}

/** --help or --version: print the text and exit 0. */
export class DemoHelpShown extends Error {
  override name = 'DemoHelpShown';
  constructor(readonly text: string) {
    super('help shown');
  }
}

interface RawFlags {
  clusters: string;
  subscriptions: string;
  seed: string;
  faultRate: string;
  baseline?: string;
  out: string;
  progress: boolean;
  verbose: boolean;
}

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) throw new DemoUsageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

function seedOf(raw: string): number {
  const value = Number(raw);
  // The fleet generator mixes the seed with 32-bit operations: keep it in that range so every seed is distinct.
  if (raw.trim() === '' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new DemoUsageError(`--seed must be a whole number from 0 to 4294967295, got "${raw}"`);
  return value;
}

function fraction(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) throw new DemoUsageError(`${flag} must be a number from ${min} to ${max} (a share of requests, e.g. 0.05), got "${raw}"`);
  return value;
}

export function demoCommand(): Command {
  return new Command('npm run demo --')
    .description(
      'Runs the whole aks-baseline-guard pipeline on a generated fleet, with Azurite and the ARM emulator on loopback: a sweep, a "drift happens" round fixed through Event Grid, approvals through the HTTP route, then a summary and an HTML report.',
    )
    .option('--clusters <n>', `clusters in the generated fleet (${LIMITS.clusters.min}-${LIMITS.clusters.max})`, String(DEFAULT_OPTIONS.clusters))
    .option('--subscriptions <n>', `subscriptions they are spread over (${LIMITS.subscriptions.min}-${LIMITS.subscriptions.max})`, String(DEFAULT_OPTIONS.subscriptions))
    .option('--seed <n>', 'seed for the fleet, its drift and the injected faults: the same seed gives the same run', String(DEFAULT_OPTIONS.seed))
    .option('--fault-rate <r>', `share of ARM requests that fail with a random 500, 503 or reset connection (${LIMITS.faultRate.min}-${LIMITS.faultRate.max})`, String(DEFAULT_OPTIONS.faultRate))
    .option('--baseline <file>', 'baseline document, JSON or YAML (default: baselines/default.json plus the demo fleet\'s exclusion tag and Flux regions)')
    .option('--out <dir>', 'directory for report.html, report.png and baseline.json', DEFAULT_OPTIONS.out)
    .option('--no-progress', 'plain log lines instead of live progress bars (always the case when stderr is not a terminal)')
    .option('--verbose', 'print the stack trace when the demo fails (so does DEBUG=aks-baseline-guard)', false)
    .allowExcessArguments(false)
    .helpOption('-h, --help', 'show this help');
}

/** Parses argv (without node and the script). Throws DemoUsageError or DemoHelpShown. */
export function parseDemoArgs(argv: readonly string[], cwd = process.cwd()): DemoOptions {
  const command = demoCommand();
  let help = '';
  command.exitOverride().configureOutput({ writeOut: (text) => (help += text), writeErr: () => undefined, outputError: () => undefined });
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') throw new DemoHelpShown(help);
      if (error.code === 'commander.excessArguments') throw new DemoUsageError(`unexpected argument "${command.args.join(' ')}": the demo takes only options (see --help)`);
      throw new DemoUsageError(error.message.replace(/^error:\s*/i, '').split('\n')[0] ?? error.message);
    }
    throw error;
  }
  const flags = command.opts<RawFlags>();
  const options: DemoOptions = {
    clusters: wholeNumber('--clusters', flags.clusters, LIMITS.clusters.min, LIMITS.clusters.max),
    subscriptions: wholeNumber('--subscriptions', flags.subscriptions, LIMITS.subscriptions.min, LIMITS.subscriptions.max),
    seed: seedOf(flags.seed),
    faultRate: fraction('--fault-rate', flags.faultRate, LIMITS.faultRate.min, LIMITS.faultRate.max),
    outDir: path.resolve(cwd, flags.out),
    progress: flags.progress,
    verbose: flags.verbose,
  };
  if (flags.out.trim() === '') throw new DemoUsageError('--out must name a directory');
  if (options.subscriptions > options.clusters) throw new DemoUsageError(`--subscriptions (${options.subscriptions}) cannot exceed --clusters (${options.clusters}): every subscription gets at least one cluster`);
  if (flags.baseline !== undefined) {
    if (flags.baseline.trim() === '') throw new DemoUsageError('--baseline must name a file');
    options.baselinePath = path.resolve(cwd, flags.baseline);
  }
  return options;
}
