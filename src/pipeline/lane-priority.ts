// Events first, on an instance that runs both lanes. On Flex Consumption each queue function scales on instances of its
// own, so the lanes never share a CPU; on a plan where they share instances (Premium, Dedicated, a local host) a sweep
// would take every core and storage connection an event needs. While event evaluations run, or ran moments ago, sweep
// evaluations start one at a time; the others wait before they take a lease, so an event on their cluster is not held.

export interface LanePriorityOptions {
  /** Sweep evaluations allowed to run side by side while the events lane is busy. */
  sweepSlotsWhileEventsBusy: number;
  /** How long the events lane counts as busy after its last evaluation ended: the gap between two events of a stream. */
  eventsQuietAfterMs: number;
}

export const DEFAULT_LANE_PRIORITY: LanePriorityOptions = { sweepSlotsWhileEventsBusy: 1, eventsQuietAfterMs: 1_000 };

export class LanePriority {
  private eventsRunning = 0;
  private eventsEndedAt = Number.NEGATIVE_INFINITY;
  private sweepsRunning = 0;
  private readonly waiting: (() => void)[] = [];
  private quietTimer: NodeJS.Timeout | undefined;
  constructor(private readonly options: LanePriorityOptions = DEFAULT_LANE_PRIORITY) {
    if (!(Number.isInteger(options.sweepSlotsWhileEventsBusy) && options.sweepSlotsWhileEventsBusy >= 1)) {
      throw new RangeError(`sweepSlotsWhileEventsBusy must be a whole number of at least 1, got ${String(options.sweepSlotsWhileEventsBusy)}`);
    }
    if (!(Number.isFinite(options.eventsQuietAfterMs) && options.eventsQuietAfterMs >= 0)) {
      throw new RangeError(`eventsQuietAfterMs must be a number of at least 0, got ${String(options.eventsQuietAfterMs)}`);
    }
  }

  /** Runs an event evaluation; it never waits. */
  async event<T>(work: () => Promise<T>): Promise<T> {
    this.eventsRunning += 1;
    try {
      return await work();
    } finally {
      this.eventsRunning -= 1;
      this.eventsEndedAt = performance.now();
      if (this.eventsRunning === 0) this.wakeWhenQuiet();
    }
  }

  /** Runs a sweep evaluation once a slot is free: any number while the events lane is quiet, a few while it is busy. */
  async sweep<T>(work: () => Promise<T>): Promise<T> {
    while (this.sweepsRunning >= this.sweepSlots()) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.eventsRunning === 0) this.wakeWhenQuiet();
      });
    }
    this.sweepsRunning += 1;
    try {
      return await work();
    } finally {
      this.sweepsRunning -= 1;
      this.wake(1);
    }
  }

  /** Sweep evaluations running and waiting, for logs and tests. */
  get sweepLoad(): { running: number; waiting: number } {
    return { running: this.sweepsRunning, waiting: this.waiting.length };
  }

  private eventsBusy(): boolean {
    return this.eventsRunning > 0 || performance.now() - this.eventsEndedAt < this.options.eventsQuietAfterMs;
  }

  private sweepSlots(): number {
    return this.eventsBusy() ? this.options.sweepSlotsWhileEventsBusy : Number.POSITIVE_INFINITY;
  }

  /** Wakes waiters; each checks its slot again, so waking too many is harmless. */
  private wake(count: number): void {
    for (const resolve of this.waiting.splice(0, count)) resolve();
  }

  /** Once the events lane has been quiet long enough, every waiting sweep evaluation may start. */
  private wakeWhenQuiet(): void {
    if (this.waiting.length === 0 || this.quietTimer) return;
    const quietIn = Math.max(0, this.eventsEndedAt + this.options.eventsQuietAfterMs - performance.now());
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      if (this.eventsRunning > 0) return; // the event's end schedules the next look
      if (this.eventsBusy()) this.wakeWhenQuiet();
      else this.wake(this.waiting.length);
    }, Math.ceil(quietIn));
  }
}
