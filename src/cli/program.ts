// The commander program every command registers on.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { configureErrors, PROGRAM_NAME } from './exit.js';

function packageVersion(): string {
  try {
    // dist/src/cli/program.js -> package.json three levels up.
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return manifest.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function createProgram(): Command {
  const program = new Command(PROGRAM_NAME)
    .description('Checks AKS clusters against a declared baseline (identity settings, required cluster extensions) and plans the fixes.')
    .version(packageVersion())
    .option('--verbose', 'print the stack trace of an unexpected failure (so does DEBUG=aks-baseline-guard)')
    .showSuggestionAfterError(true);
  return configureErrors(program);
}
