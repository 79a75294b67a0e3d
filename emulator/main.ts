#!/usr/bin/env node
// `npm run emulator -- --clusters N --subscriptions M --seed S ...`: starts the ARM emulator and prints
// ARM_ENDPOINT / ARM_CA_FILE / ARM_TOKEN first, so a shell can `source` them.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { failureReport, wantsStackTraces } from '../src/cli/failure.js';
import { startEmulator } from './index.js';

function integer(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got '${value}'`);
    return parsed;
  };
}

function decimal(min: number, max = Infinity): (value: string) => number {
  return (value) => {
    const parsed = value.trim().toLowerCase() === 'infinity' ? Infinity : Number(value);
    if (value.trim() === '' || Number.isNaN(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected a number between ${min} and ${max}, got '${value}'`);
    }
    return parsed;
  };
}

interface CliOptions {
  clusters: number;
  subscriptions: number;
  seed: number;
  port: number;
  throttleFactor: number;
  faultRate: number;
  lroMs: number;
  busyMs?: number;
  pageSize: number;
  latencyMs: number;
  eventsUrl?: string;
  verbose: boolean;
}

const program = new Command()
  .name('arm-emulator')
  .description('HTTPS ARM emulator for managed clusters and cluster extensions (dev and test only)')
  .option('--clusters <n>', 'clusters to generate', integer(0), 0)
  .option('--subscriptions <m>', 'subscriptions to spread them over', integer(1), 1)
  .option('--seed <s>', 'seed for the fleet and the faults', integer(Number.MIN_SAFE_INTEGER), 1)
  .option('--port <p>', 'port on 127.0.0.1 (0 = a free one)', integer(0), 0)
  .option('--throttle-factor <f>', "scales ARM's throttling numbers; 0 disables", decimal(0), 1)
  .option('--fault-rate <r>', 'share of requests given a random 500/503/reset', decimal(0, 1), 0)
  .option('--lro-ms <ms>', 'how long writes and deletes stay InProgress', integer(0), 200)
  .option('--busy-ms <ms>', 'how long generated Updating clusters stay busy (default 10 x --lro-ms)', integer(0))
  .option('--page-size <n>', 'items per list page', integer(1), 100)
  .option('--latency-ms <ms>', 'added to every response', integer(0), 0)
  .option('--events-url <url>', 'also POST Event Grid events to this URL')
  .option('--verbose', 'print the stack trace when start-up fails (so does DEBUG=aks-baseline-guard)', false)
  .allowExcessArguments(false)
  .exitOverride()
  .configureOutput({ writeErr: () => undefined });

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = program.parse(process.argv).opts<CliOptions>();
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')) process.exit(0);
    const message = error instanceof Error ? error.message.replace(/^error: /, '') : String(error);
    process.stderr.write(`arm-emulator: ${message.split('\n')[0] ?? message} (see --help)\n`);
    process.exit(2);
  }
  let emulator;
  try {
    emulator = await startEmulator({
      port: options.port,
      fleet: { clusters: options.clusters, subscriptions: options.subscriptions, seed: options.seed },
      seed: options.seed,
      pageSize: options.pageSize,
      lroDurationMs: options.lroMs,
      ...(options.busyMs !== undefined ? { busyDurationMs: options.busyMs } : {}),
      throttleFactor: options.throttleFactor,
      faultRate: options.faultRate,
      latencyMs: options.latencyMs,
      ...(options.eventsUrl ? { eventsUrl: options.eventsUrl } : {}),
    });
  } catch (error) {
    process.stderr.write(failureReport('arm-emulator', 'start-up', error, { stack: options.verbose || wantsStackTraces(process.argv) }));
    process.exit(2);
  }
  process.stdout.write(`ARM_ENDPOINT=${emulator.endpoint}\nARM_CA_FILE=${emulator.caFile}\nARM_TOKEN=${emulator.token}\n`);
  process.stdout.write(`ARM_SUBSCRIPTION_IDS=${emulator.state.subscriptions().join(',')}\n`);
  const fleet = emulator.fleet;
  const drifted = fleet ? fleet.clusters.filter((cluster) => cluster.drift.length > 0).length : 0;
  const throttling = options.throttleFactor > 0 && Number.isFinite(options.throttleFactor) ? `throttling x${options.throttleFactor}` : 'no throttling';
  process.stdout.write(
    `# ARM emulator: ${emulator.state.clusterCount} clusters (${drifted} with drift) in ${emulator.state.subscriptions().length} subscriptions, seed ${options.seed}, ` +
      `page size ${options.pageSize}, LRO ${options.lroMs} ms, ${throttling}, fault rate ${options.faultRate}. Ctrl-C stops.\n`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`# ${signal}: stopping the ARM emulator\n`);
    void emulator.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
