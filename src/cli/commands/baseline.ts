// `aks-baseline-guard baseline validate|schema`: check a baseline before it ships; print the schema for editors.
import type { Command } from 'commander';
import { BASELINE_SCHEMA } from '../../core/baseline-schema.js';
import { parseBaseline, ruleIdsOf } from '../../core/baseline.js';
import { baselineWarnings } from '../../core/profile-checks.js';
import { fromSource, PROGRAM_NAME } from '../exit.js';
import { readText, sourceName } from '../input.js';

async function validate(file: string): Promise<void> {
  const text = await readText(file);
  const baseline = fromSource(sourceName(file), () => parseBaseline(text, file));
  const rules = ruleIdsOf(baseline);
  // Warnings (a one-shot or unknown setting, an install the CLI would refuse) leave the baseline valid: exit 0.
  const warnings = baselineWarnings(baseline);
  for (const warning of warnings) process.stderr.write(`${PROGRAM_NAME}: ${sourceName(file)}: warning: ${warning}\n`);
  const warned = warnings.length > 0 ? ` (${warnings.length} warning${warnings.length === 1 ? '' : 's'} on stderr)` : '';
  process.stdout.write(`${sourceName(file)}: valid baseline with ${rules.length} rule${rules.length === 1 ? '' : 's'}: ${rules.join(', ') || '(none)'}${warned}\n`);
}

export function register(program: Command): void {
  const baseline = program.command('baseline').description('Work with baseline documents.');
  baseline
    .command('validate')
    .description('Validate a baseline (JSON or YAML); prints one line per problem and exits 2 when it is invalid. Warnings (a one-shot or unknown setting, an install its extension type would refuse) go to stderr and leave the exit code 0.')
    .argument('<file>', 'baseline file ("-" for stdin)')
    .action(async (file: string) => validate(file));
  baseline
    .command('schema')
    .description('Print the baseline JSON Schema.')
    .action(() => {
      process.stdout.write(`${JSON.stringify(BASELINE_SCHEMA, null, 2)}\n`);
    });
}
