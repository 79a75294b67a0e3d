// The report's period: `--since` (and `?since=`) as a date, a date-time or a duration back from now.
import { InvalidInputError } from '../core/index.js';

/** When no period is given. */
export const DEFAULT_SINCE = '30d';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const LONGEST_MS = 366 * 86_400_000;

/**
 * `30d`, `12h`, `90m`, `2w`, `45s` (a duration back from `now`), `2026-01-31` (midnight UTC) or an ISO 8601 date-time
 * with a zone. Throws InvalidInputError saying what is accepted. The start must lie in the past, at most 366 days back.
 */
export function parseSince(text: string, now: Date): Date {
  const value = text.trim();
  const duration = /^(\d{1,6})\s*([smhdw])$/i.exec(value);
  let since: Date;
  if (duration) {
    const amount = Number(duration[1]);
    const unit = UNIT_MS[(duration[2] ?? '').toLowerCase()] ?? 0;
    if (amount === 0) throw new InvalidInputError(`"${text}" is an empty period: give at least 1${(duration[2] ?? 's').toLowerCase()}`);
    since = new Date(now.getTime() - amount * unit);
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    since = new Date(`${value}T00:00:00Z`);
    if (Number.isNaN(since.getTime()) || since.toISOString().slice(0, 10) !== value) throw new InvalidInputError(`"${text}" is not a real date`);
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) {
    since = new Date(value);
    if (Number.isNaN(since.getTime())) throw new InvalidInputError(`"${text}" is not a real date-time`);
  } else {
    throw new InvalidInputError(`"${text}" is neither a duration (30d, 12h, 90m, 2w, 45s) nor an ISO 8601 date (2026-01-31) or date-time with a zone (2026-01-31T08:00:00Z)`);
  }
  if (since.getTime() >= now.getTime()) throw new InvalidInputError(`"${text}" is not in the past (now is ${now.toISOString()})`);
  if (now.getTime() - since.getTime() > LONGEST_MS) throw new InvalidInputError(`"${text}" reaches back more than 366 days; choose a shorter period`);
  return since;
}

/** Bucket widths the charts use, smallest first: a window gets the smallest that gives it at most MAX_BUCKETS. */
const BUCKETS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800].map((s) => s * 1000);
export const MAX_BUCKETS = 120;

/** The width of one chart step for a window: about a hundred steps at most, on a round unit. */
export function bucketFor(windowMs: number): number {
  return BUCKETS_MS.find((width) => Math.ceil(windowMs / width) <= MAX_BUCKETS) ?? BUCKETS_MS[BUCKETS_MS.length - 1] ?? 604_800_000;
}
