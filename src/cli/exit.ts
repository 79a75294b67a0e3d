// Exit codes and the one place CLI errors become output. Bad input is one line per problem on stderr,
// `aks-baseline-guard: <file>: <problem>`, exit code 2, never a stack trace.
import { CommanderError, type Command } from 'commander';
import { InvalidInputError } from '../core/errors.js';
import { failureReport, wantsStackTraces } from './failure.js';

export const EXIT_CODES = {
  /** Every result is Compliant, NotApplicable or Exempt (or a command succeeded). */
  ok: 0,
  /** At least one result is NonCompliant, or Unknown (compliance could not be established). */
  notCompliant: 1,
  /** Bad input or usage. */
  badInput: 2,
} as const;

export const PROGRAM_NAME = 'aks-baseline-guard';

/** Bad input from a named source (a file, `(stdin)`, an option). */
export class CliInputError extends Error {
  override name = 'CliInputError';
  constructor(
    readonly source: string | undefined,
    readonly problems: readonly string[],
  ) {
    super(problems.join('; '));
  }
}

/** Attributes an InvalidInputError to its source; other errors pass through. */
export function fromSource<T>(source: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new CliInputError(source, error.problems);
    throw error;
  }
}

function line(source: string | undefined, problem: string): string {
  return `${PROGRAM_NAME}: ${source ? `${source}: ` : ''}${problem.replace(/\s*\n\s*/g, ' ')}\n`;
}

/** Wires commander so usage errors come back to runCli instead of exiting the process. Call before adding commands. */
export function configureErrors(program: Command): Command {
  return program.exitOverride().configureOutput({
    outputError: (text, write) => write(line(undefined, text.replace(/^error:\s*/i, '').trim())),
  });
}

/** Parses argv, runs the command and returns the process exit code. Commands report non-compliance via `process.exitCode`. */
export async function runCli(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_CODES.ok;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // Help and version asked for exit 0; help shown because of a usage mistake exits like any usage error.
      if (thrown.code === 'commander.helpDisplayed' || thrown.code === 'commander.version') return EXIT_CODES.ok;
      if (thrown.code === 'commander.help') return thrown.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.badInput;
      return EXIT_CODES.badInput;
    }
    if (thrown instanceof CliInputError) {
      for (const problem of thrown.problems) process.stderr.write(line(thrown.source, problem));
      return EXIT_CODES.badInput;
    }
    if (thrown instanceof InvalidInputError) {
      for (const problem of thrown.problems) process.stderr.write(line(undefined, problem));
      return EXIT_CODES.badInput;
    }
    const command = argv.slice(2).find((arg) => !arg.startsWith('-')) ?? 'the command';
    process.stderr.write(failureReport(PROGRAM_NAME, command, thrown, { stack: wantsStackTraces(argv) }));
    return EXIT_CODES.badInput;
  }
}
