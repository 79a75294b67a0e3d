// The report's period: durations back from now, dates and date-times, refused with what is accepted; and the width
// of one chart step for a period.
import { describe, expect, test } from '@jest/globals';
import { InvalidInputError } from '../../../src/core/index.js';
import { bucketFor, MAX_BUCKETS, parseSince } from '../../../src/report/since.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');

describe('parseSince', () => {
  test.each([
    ['30d', '2026-01-30T12:00:00.000Z'],
    ['12h', '2026-03-01T00:00:00.000Z'],
    ['90m', '2026-03-01T10:30:00.000Z'],
    ['2w', '2026-02-15T12:00:00.000Z'],
    ['45s', '2026-03-01T11:59:15.000Z'],
    [' 7D ', '2026-02-22T12:00:00.000Z'],
    ['2026-02-01', '2026-02-01T00:00:00.000Z'],
    ['2026-02-01T08:30:00Z', '2026-02-01T08:30:00.000Z'],
    ['2026-02-01T08:30:00+02:00', '2026-02-01T06:30:00.000Z'],
  ])('reads %j as %s', (text, expected) => {
    expect(parseSince(text, NOW).toISOString()).toBe(expected);
  });

  test.each([
    ['yesterday', /neither a duration .* nor an ISO 8601 date/],
    ['30', /neither a duration/],
    ['2026-02-01T08:30:00', /neither a duration/],
    ['0d', /an empty period/],
    ['2026-02-30', /not a real date/],
    ['2026-03-02', /not in the past/],
    ['400d', /more than 366 days/],
  ])('refuses %j', (text, message) => {
    expect(() => parseSince(text, NOW)).toThrow(InvalidInputError);
    expect(() => parseSince(text, NOW)).toThrow(message);
  });
});

describe('bucketFor', () => {
  test.each([
    [10_000, 1000],
    [30 * 86_400_000, 6 * 3_600_000],
    [86_400_000, 900_000],
    [366 * 86_400_000, 7 * 86_400_000],
  ])('gives a %i ms period steps of %i ms', (windowMs, bucketMs) => {
    expect(bucketFor(windowMs)).toBe(bucketMs);
    expect(Math.ceil(windowMs / bucketMs)).toBeLessThanOrEqual(MAX_BUCKETS);
  });
});
