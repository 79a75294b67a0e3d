// The command-line overrides every benchmark accepts; each benchmark uses the ones that apply to it.
import { InvalidArgumentError, type Command } from 'commander';
import { FLEX_INSTANCE_HEAPS, isFlexInstanceMemoryMb, SMALLEST_FLEX_INSTANCE_MB, type FlexInstanceMemoryMb } from './instance-heap.js';

function number(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min) throw new InvalidArgumentError(`expected a number >= ${min}, got '${value}'`);
    return parsed;
  };
}

function integer(min: number): (value: string) => number {
  return (value) => {
    const parsed = number(min)(value);
    if (!Number.isInteger(parsed)) throw new InvalidArgumentError(`expected a whole number >= ${min}, got '${value}'`);
    return parsed;
  };
}

function instanceMemory(value: string): FlexInstanceMemoryMb {
  const parsed = Number(value);
  if (!isFlexInstanceMemoryMb(parsed)) throw new InvalidArgumentError(`expected one of ${Object.keys(FLEX_INSTANCE_HEAPS).join(', ')}, got '${value}'`);
  return parsed;
}

export interface Overrides {
  quick?: boolean;
  clusters?: number;
  subscriptions?: number;
  throttleFactor?: number;
  instances?: number;
  events?: number;
  rate?: number;
  runs?: number;
  concurrency?: number;
  window?: number;
  caFileTls?: boolean;
  /** Flex Consumption instance memory (MB) whose heap limits the sweep's process runs under. */
  instanceMb?: FlexInstanceMemoryMb;
  /** False with --no-lane-priority: sweep evaluations do not give way to event evaluations (to see what that does). */
  lanePriority?: boolean;
}

/** The override flags every benchmark accepts (each uses the ones that apply to it). */
export function addOverrideOptions(command: Command): Command {
  return command
    .option('--quick', 'smaller sizes (all benchmarks together in under 2 minutes)')
    .option('--clusters <n>', 'sweep/burst: clusters in the fleet', integer(1))
    .option('--subscriptions <n>', 'sweep: subscriptions', integer(1))
    .option('--throttle-factor <f>', "sweep: scale of ARM's token buckets in the emulator", number(0.001))
    .option('--instances <n>', 'sweep/latency/burst: Function App instances running the queue trigger', integer(1))
    .option('--events <n>', 'latency/burst: events to deliver', integer(1))
    .option('--rate <n>', 'latency: events per second; reaction: the faster of its two rates (default 50)', number(0.1))
    .option('--concurrency <n>', 'burst: deliveries in flight', integer(1))
    .option('--window <seconds>', 'latency/burst: COALESCE_WINDOW_SECONDS (default: the app default, 10)', integer(1))
    .option('--runs <n>', 'coldstart: fresh processes to time', integer(1))
    .option('--instance-mb <n>', `sweep: run under the heap limits of a Flex Consumption instance of this memory, one of ${Object.keys(FLEX_INSTANCE_HEAPS).join(', ')} (default: ${SMALLEST_FLEX_INSTANCE_MB}, the smallest)`, instanceMemory)
    .option('--ca-file-tls', 'sweep: reach the emulator through ARM_CA_FILE as the tests do (to see what that costs)')
    .option('--no-lane-priority', 'reaction: sweep evaluations do not give way to event evaluations (to see what the priority does)');
}
