import { describe, expect, test } from '@jest/globals';
import { parseIsoDateTime } from '../../../src/core/dates.js';

describe('parseIsoDateTime', () => {
  const real: [string, string][] = [
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-01-31T12:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T12:00:30.5Z', '2026-01-31T12:00:30.500Z'],
    ['2026-01-31T12:00:00+02:00', '2026-01-31T10:00:00.000Z'],
    ['2026-01-31T23:59:59-05:30', '2026-02-01T05:29:59.000Z'],
  ];
  test.each(real)('reads %s', (text, iso) => {
    expect(parseIsoDateTime(text)?.toISOString()).toBe(iso);
  });

  const notReal: [string, string][] = [
    ['February 30th', '2026-02-30'],
    ['February 29th of a common year', '2026-02-29'],
    ['month 13', '2026-13-01'],
    ['day 0', '2026-01-00'],
    ['hour 24', '2026-01-31T24:00Z'],
    ['minute 60', '2026-01-31T12:60Z'],
    ['second 60', '2026-01-31T12:00:60Z'],
    ['a zone of 24 hours', '2026-01-31T12:00+24:00'],
    ['a zone of 60 minutes', '2026-01-31T12:00+01:60'],
    ['a time without a zone', '2026-01-31T12:00:00'],
    ['a space instead of T', '2026-01-31 12:00Z'],
    ['words', 'yesterday'],
    ['a date Date.parse reads', 'Feb 3 2026'],
    ['an empty string', ''],
    ['a date with trailing text', '2026-01-31x'],
  ];
  test.each(notReal)('refuses %s (%s)', (_name, text) => {
    expect(parseIsoDateTime(text)).toBeUndefined();
  });
});
