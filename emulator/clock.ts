// The emulator's time. Everything time-based in the emulated ARM reads it: operation start and end times and when
// they complete, systemData timestamps, event times, provider registration, maintenance-window data. Tests move it
// to open and close maintenance windows, or to finish operations, in no real time. Throttling alone stays on the wall
// clock: the SDK waits out Retry-After in real time, so ARM's buckets must refill in real time too.

export interface EmulatorClock {
  /** The emulator's current time. */
  now(): Date;
  /** The same as epoch milliseconds. */
  nowMs(): number;
  /** Moves time forward by `ms` (>= 0). Operations that are due then complete on their next read. */
  advance(ms: number): void;
  /** Sets the time; it runs on from there at the pace of its source (the wall clock unless `now` was given). */
  set(date: Date | string | number): void;
}

/** A clock that runs with `source` (default: the wall clock), shifted by whatever advance() and set() added. */
export function createClock(source: () => Date = () => new Date()): EmulatorClock {
  let offsetMs = 0;
  const sourceMs = (): number => {
    const value = source().getTime();
    if (!Number.isFinite(value)) throw new Error('the emulator clock source returned an invalid Date');
    return value;
  };
  return {
    now: () => new Date(sourceMs() + offsetMs),
    nowMs: () => sourceMs() + offsetMs,
    advance(ms: number): void {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new Error(`clock.advance(ms) needs a duration >= 0 (got ${String(ms)})`);
      offsetMs += ms;
    },
    set(date: Date | string | number): void {
      const target = new Date(date).getTime();
      if (!Number.isFinite(target)) throw new Error(`clock.set() needs a date (got ${String(date)})`);
      offsetMs = target - sourceMs();
    },
  };
}
