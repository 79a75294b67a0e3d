// `npm run chaos [-- --seed S --clusters N]`: the chaos run (bench/chaos.ts) once, its table and JSON line on stdout,
// progress on stderr. Exits 1 when an invariant did not hold, 2 on bad flags.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CHAOS_DEFAULT, reportChaos, runChaos } from './chaos.js';

function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`expected a whole number >= ${min}, got '${value}'`);
    return parsed;
  };
}

async function main(): Promise<void> {
  const program = new Command()
    .name('chaos')
    .description('Drives the real handlers on the ARM emulator and Azurite under seeded faults, then checks the invariants (bench/chaos.ts)')
    .option('--seed <n>', 'seed of the fleet, the faults, the event order and the crashes', wholeNumber(0), CHAOS_DEFAULT.seed)
    .option('--clusters <n>', 'clusters in the fleet', wholeNumber(1), CHAOS_DEFAULT.clusters)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    program.parse(process.argv);
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')) return;
    process.exitCode = 2;
    return;
  }
  const flags = program.opts<{ seed: number; clusters: number }>();
  const options = { ...CHAOS_DEFAULT, seed: flags.seed, clusters: flags.clusters };
  const result = await runChaos(options, (line) => process.stderr.write(`${line}\n`));
  reportChaos(result, options);
  if (!result.held) process.exitCode = 1;
}

await main();
