// `npm run bench [-- [names...] [--quick] [--only a,b] [overrides]]`: runs the benchmarks one after another, each
// in a fresh Node process (dist/bench/run.js), and passes their output through: a table and one JSON line each.
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { BENCHES, isBenchName, type Bench, type BenchName } from './registry.js';
import { addOverrideOptions, type Overrides } from './support/options.js';

const RUN_ONE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run.js');

/** @azure/functions announces its test mode once per function file outside the host: noise here. */
const TEST_MODE_NOTICE = /^WARNING: (Failed to detect the Azure Functions runtime|Skipping call to register function)/;

function runOne(name: BenchName, args: string[], nodeFlags: string[]): Promise<number> {
  return new Promise((resolve) => {
    // --expose-gc lets a benchmark tell live memory from garbage once it has measured (it never collects before).
    const node = ['--expose-gc', ...nodeFlags];
    const child = spawn(process.execPath, [...node, RUN_ONE, name, ...args], { stdio: ['inherit', 'inherit', 'pipe'] });
    let pending = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (!TEST_MODE_NOTICE.test(line)) process.stderr.write(`${line}\n`);
    });
    child.once('error', () => resolve(1));
    child.once('close', (code, signal) => {
      if (pending && !TEST_MODE_NOTICE.test(pending)) process.stderr.write(`${pending}\n`);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** The overrides given on the command line, as flags again for a benchmark's own process (defaults stay unsaid). */
function passThrough(program: Command): string[] {
  return program.options.flatMap((option) => {
    const key = option.attributeName();
    if (key === 'only' || !option.long || program.getOptionValueSource(key) !== 'cli') return [];
    // A boolean flag says it all, the negated ones (--no-lane-priority) too.
    return option.isBoolean() || option.negate ? [option.long] : [option.long, String(program.getOptionValue(key))];
  });
}

async function main(): Promise<void> {
  const program = addOverrideOptions(
    new Command()
      .name('bench')
      .description(Object.entries(BENCHES).map(([name, bench]) => `${name}: ${bench.description}`).join('\n'))
      .argument('[names...]', `benchmarks to run (default: all of ${Object.keys(BENCHES).join(', ')})`)
      .option('--only <names>', 'comma-separated benchmarks to run (same as naming them)'),
  )
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    program.parse(process.argv);
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')) return;
    process.exitCode = 2;
    return;
  }
  const options = program.opts<Overrides & { only?: string }>();
  const requested = [...program.args, ...(options.only ?? '').split(',')].map((name) => name.trim()).filter(Boolean);
  const unknown = requested.filter((name) => !isBenchName(name));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  const names = (requested.length > 0 ? [...new Set(requested)] : Object.keys(BENCHES)) as BenchName[];
  const [load1] = loadavg();
  process.stdout.write(
    `# ${names.join(', ')}${options.quick ? ' (quick)' : ''} on Node ${process.version}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, load average ${load1?.toFixed(2)}\n`,
  );
  if ((load1 ?? 0) > cpus().length / 2) process.stdout.write('# the machine is busy: the numbers will be slower than on a quiet one\n');

  const failed: string[] = [];
  for (const name of names) {
    const started = Date.now();
    const bench: Bench = BENCHES[name];
    const code = await runOne(name, passThrough(program), bench.nodeFlags?.(options) ?? []);
    process.stdout.write(`# ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (code !== 0) failed.push(name);
  }
  if (failed.length > 0) {
    process.stderr.write(`bench: ${failed.join(', ')} did not finish\n`);
    process.exitCode = 1;
  }
}

await main();
