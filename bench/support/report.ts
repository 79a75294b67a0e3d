// How every benchmark reports: a readable table for people, then exactly one JSON line for scripts
// (`{"bench": "<name>", ...}`), so `npm run bench | grep '^{"bench"'` collects the results.
import { cpus, loadavg, totalmem } from 'node:os';
import Table from 'cli-table3';

export interface Row {
  metric: string;
  value: string | number;
  /** The goal, in words ("<= 1.3"); empty when the number is informational. */
  goal?: string;
  /** Whether the goal was met; undefined when there is no goal. */
  met?: boolean;
}

export function printTable(title: string, rows: readonly Row[], notes: readonly string[] = []): void {
  const table = new Table({ head: ['metric', 'value', 'goal', ''], style: { head: [], border: [] } });
  for (const row of rows) table.push([row.metric, formatValue(row.value), row.goal ?? '', row.met === undefined ? '' : row.met ? 'ok' : 'MISSED']);
  process.stdout.write(`\n${title}\n${table.toString()}\n`);
  for (const note of notes) process.stdout.write(`  ${note}\n`);
}

/** The JSON line; `machine` says where and when the numbers were taken (load average included: it matters). */
export function printJson(bench: string, result: Record<string, unknown>): void {
  const machine = { node: process.version, cores: cpus().length, memoryGiB: round(totalmem() / 2 ** 30, 1), loadAverage1m: round(loadavg()[0] ?? 0), at: new Date().toISOString() };
  process.stdout.write(`${JSON.stringify({ bench, ...result, machine })}\n`);
}

function formatValue(value: string | number): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** Rounds for the JSON line: whole milliseconds and two decimals elsewhere are enough to compare runs. */
export function round(value: number, decimals = 2): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Samples this process's resident set size until stopped; the peak is what a Functions instance would need. */
export class RssSampler {
  #peak = process.memoryUsage().rss;
  /** The heap and off-heap sizes at the RSS peak, to tell a leak from allocator slack. */
  atPeak = process.memoryUsage();
  /** When the peak was sampled, in ms since the sampler started (a peak late in a long run is not start-up). */
  peakAtMs = 0;
  readonly #started = performance.now();
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  sample(): void {
    const usage = process.memoryUsage();
    if (usage.rss > this.#peak) {
      this.#peak = usage.rss;
      this.atPeak = usage;
      this.peakAtMs = performance.now() - this.#started;
    }
  }

  get peakMb(): number {
    return this.#peak / (1024 * 1024);
  }

  stop(): number {
    this.sample();
    clearInterval(this.#timer);
    return this.peakMb;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `done()` is true, checking every `everyMs`; throws after `timeoutMs` with `describe()`. */
export async function waitUntil(done: () => boolean | Promise<boolean>, options: { timeoutMs: number; everyMs?: number; describe: () => string }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms: ${options.describe()}`);
    await sleep(options.everyMs ?? 50);
  }
}
