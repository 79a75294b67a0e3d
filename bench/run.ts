// Runs ONE benchmark in this process: `node dist/bench/run.js <name> [--quick] [overrides]`. bench/main.ts starts
// one of these per benchmark, so each gets a fresh process (its memory peak and its module cache are its own).
import { Command } from 'commander';
import { BENCHES, isBenchName } from './registry.js';
import { addOverrideOptions, type Overrides } from './support/options.js';

async function main(): Promise<void> {
  const program = addOverrideOptions(new Command().name('bench-run').argument('<name>', `one of ${Object.keys(BENCHES).join(', ')}`)).allowExcessArguments(false);
  program.parse(process.argv);
  const [name] = program.args;
  if (!name || !isBenchName(name)) {
    process.stderr.write(`bench: unknown benchmark '${String(name)}'; choose from ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  await BENCHES[name].run(program.opts<Overrides>());
}

main().then(
  // Handles (keep-alive sockets, timers of the SDKs) may outlive the run: the numbers are out, so leave.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
