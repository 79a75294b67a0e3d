// What the demo shows while it runs, on stderr: a live bar on a terminal, plain time-stamped lines otherwise
// (--no-progress, CI, a pipe). Both show the same numbers: clusters evaluated, steps applied, LROs in flight.
import cliProgress from 'cli-progress';

export interface ProgressCounts {
  /** Clusters evaluated at least once in this phase. */
  evaluated: number;
  /** Clusters the phase is about. */
  total: number;
  /** Remediation writes ARM accepted so far (the whole run). */
  stepsApplied: number;
  /** Long-running ARM operations still InProgress. */
  lrosInFlight: number;
  /** Evaluation messages waiting on the queue (visible or delayed). */
  queued: number;
}

export interface Progress {
  /** A new phase: a heading line, and the bar restarts. */
  phase(name: string): void;
  update(counts: ProgressCounts): void;
  /** One line above the bar (or a plain line). */
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Draw bars (only honoured when the stream is a terminal). */
  live: boolean;
  /** Date.now() when the demo started: lines carry the time since then. */
  startedAt: number;
  stream?: NodeJS.WriteStream;
}

/** Plain lines repeat the counts at most this often, and only when they changed. */
const PLAIN_STATUS_EVERY_MS = 2_000;

function elapsed(startedAt: number): string {
  return `+${((Date.now() - startedAt) / 1000).toFixed(1)}s`.padStart(7);
}

function describe(counts: ProgressCounts): string {
  return `${counts.evaluated}/${counts.total} clusters evaluated, ${counts.stepsApplied} steps applied, ${counts.lrosInFlight} LROs in flight, ${counts.queued} queued`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  return options.live && stream.isTTY ? new LiveProgress(stream, options.startedAt) : new PlainProgress(stream, options.startedAt);
}

class PlainProgress implements Progress {
  private lastStatus = '';
  private lastStatusAt = 0;
  private phaseName = '';

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly startedAt: number,
  ) {}

  phase(name: string): void {
    this.phaseName = name;
    this.lastStatus = '';
    this.log(`== ${name} ==`);
  }

  update(counts: ProgressCounts): void {
    const status = describe(counts);
    if (status === this.lastStatus || Date.now() - this.lastStatusAt < PLAIN_STATUS_EVERY_MS) return;
    this.lastStatus = status;
    this.lastStatusAt = Date.now();
    this.log(`${this.phaseName}: ${status}`);
  }

  log(line: string): void {
    this.stream.write(`[${elapsed(this.startedAt)}] ${line}\n`);
  }

  stop(): void {}
}

class LiveProgress implements Progress {
  private readonly bars: cliProgress.MultiBar;
  private bar: cliProgress.SingleBar | undefined;
  private phaseName = '';

  constructor(
    stream: NodeJS.WriteStream,
    private readonly startedAt: number,
  ) {
    this.bars = new cliProgress.MultiBar(
      {
        stream,
        format: ' {phase} |{bar}| {value}/{total} clusters evaluated | {steps} steps applied | {lros} LROs in flight | {queued} queued | {time}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        autopadding: true,
        fps: 8,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  phase(name: string): void {
    this.phaseName = name;
    if (this.bar) {
      this.bar.stop();
      this.bars.remove(this.bar);
      this.bar = undefined;
    }
    this.bars.log(`[${elapsed(this.startedAt)}] == ${name} ==\n`);
  }

  update(counts: ProgressCounts): void {
    const total = Math.max(1, counts.total);
    // Created on the first numbers of a phase, so a phase with nothing to count shows no empty bar.
    this.bar ??= this.bars.create(total, 0, this.payload(counts));
    this.bar.setTotal(total);
    this.bar.update(Math.min(counts.evaluated, total), this.payload(counts));
  }

  log(line: string): void {
    this.bars.log(`[${elapsed(this.startedAt)}] ${line}\n`);
  }

  stop(): void {
    this.bars.stop();
  }

  private payload(counts: ProgressCounts): Record<string, string | number> {
    return { phase: this.phaseName.padEnd(14), steps: counts.stepsApplied, lros: counts.lrosInFlight, queued: counts.queued, time: elapsed(this.startedAt).trim() };
  }
}
