// Property-based tests of the maintenance-window engine over random configurations (every schedule type, offsets,
// start dates, blocked dates, legacy hours) and random instants:
//  1. the next window starts at or after now, and ends after it starts;
//  2. every instant inside a computed window is reported open by windowAt;
//  3. no window starts inside (or overlaps) a blocked date or time, nor starts before startDate;
//  4. equal instants given in different representations, and the REST and SDK shapes, give the same answers;
//  5. the start decision agrees with windowAt.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  canStartDisruptiveStep,
  hasSchedule,
  nextWindow,
  parseMaintenanceConfig,
  SCHEDULE_TYPES,
  WEEK_DAYS,
  WEEK_INDEXES,
  windowAt,
  type MaintenanceConfig,
  type TimeWindow,
} from '../../../src/core/maintenance-windows.js';

type Json = Record<string, unknown>;

const DAY = 86_400_000;
const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2028, 0, 1);
const OFFSETS = ['+00:00', '+05:30', '-08:00', '+14:00', '-12:00', '+09:45', '-03:30'];

const two = (n: number): string => String(n).padStart(2, '0');
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const scheduleArb: fc.Arbitrary<Json> = fc.constantFrom(...SCHEDULE_TYPES).chain((type): fc.Arbitrary<Json> => {
  switch (type) {
    case 'daily':
      return fc.record({ daily: fc.record({ intervalDays: fc.integer({ min: 1, max: 7 }) }) });
    case 'weekly':
      return fc.record({ weekly: fc.record({ intervalWeeks: fc.integer({ min: 1, max: 4 }), dayOfWeek: fc.constantFrom(...WEEK_DAYS) }) });
    case 'absoluteMonthly':
      return fc.record({ absoluteMonthly: fc.record({ intervalMonths: fc.integer({ min: 1, max: 6 }), dayOfMonth: fc.integer({ min: 1, max: 31 }) }) });
    case 'relativeMonthly':
      return fc.record({
        relativeMonthly: fc.record({ intervalMonths: fc.integer({ min: 1, max: 6 }), weekIndex: fc.constantFrom(...WEEK_INDEXES), dayOfWeek: fc.constantFrom(...WEEK_DAYS) }),
      });
  }
});

/** Blocked date spans near the tested years, up to three weeks long. */
const dateSpanArb = fc.record({ start: fc.integer({ min: FROM / DAY - 30, max: TO / DAY }), length: fc.integer({ min: 0, max: 21 }) }).map(({ start, length }) => ({
  start: dateOf(start * DAY),
  end: dateOf((start + length) * DAY),
}));

const timeSpanArb = fc.record({ start: fc.integer({ min: FROM - 30 * DAY, max: TO }), hours: fc.integer({ min: 1, max: 24 * 14 }) }).map(({ start, hours }) => ({
  start: new Date(start).toISOString(),
  end: new Date(start + hours * 3_600_000).toISOString(),
}));

const maintenanceWindowArb: fc.Arbitrary<Json> = fc.record(
  {
    schedule: scheduleArb,
    durationHours: fc.integer({ min: 4, max: 24 }),
    utcOffset: fc.constantFrom(...OFFSETS),
    startDate: fc.integer({ min: FROM / DAY - 400, max: TO / DAY }).map((day) => dateOf(day * DAY)),
    startTime: fc.record({ hour: fc.integer({ min: 0, max: 23 }), minute: fc.integer({ min: 0, max: 59 }) }).map(({ hour, minute }) => `${two(hour)}:${two(minute)}`),
    notAllowedDates: fc.array(dateSpanArb, { maxLength: 4 }),
  },
  { requiredKeys: ['schedule', 'durationHours', 'startTime'] },
);

const timeInWeekArb = fc.array(fc.record({ day: fc.constantFrom(...WEEK_DAYS), hourSlots: fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { maxLength: 6 }) }), { maxLength: 4 });

/** Mostly new style; sometimes legacy, sometimes both. */
const propertiesArb: fc.Arbitrary<Json> = fc.oneof(
  { arbitrary: fc.record({ maintenanceWindow: maintenanceWindowArb }), weight: 3 },
  { arbitrary: fc.record({ timeInWeek: timeInWeekArb, notAllowedTime: fc.array(timeSpanArb, { maxLength: 3 }) }), weight: 1 },
  { arbitrary: fc.record({ maintenanceWindow: maintenanceWindowArb, timeInWeek: timeInWeekArb, notAllowedTime: fc.array(timeSpanArb, { maxLength: 2 }) }), weight: 1 },
);

const configArb: fc.Arbitrary<{ properties: Json; config: MaintenanceConfig }> = propertiesArb.map((properties) => ({
  properties,
  config: parseMaintenanceConfig({ name: 'aksManagedAutoUpgradeSchedule', properties }),
}));

const instantArb = fc.integer({ min: FROM, max: TO });

/** Every blocked interval of a configuration, in epoch ms (dates as whole days in the window's offset). */
function blockedOf(config: MaintenanceConfig): { start: number; end: number }[] {
  const spans = config.notAllowedTime.map((span) => ({ start: Date.parse(span.start), end: Date.parse(span.end) }));
  const window = config.maintenanceWindow;
  if (window) {
    const sign = window.utcOffset.startsWith('-') ? -1 : 1;
    const offset = sign * (Number(window.utcOffset.slice(1, 3)) * 60 + Number(window.utcOffset.slice(4, 6))) * 60_000;
    for (const span of window.notAllowedDates) spans.push({ start: Date.parse(span.start) - offset, end: Date.parse(span.end) + DAY - offset });
  }
  return spans;
}

const span = (window: TimeWindow): { start: number; end: number } => ({ start: Date.parse(window.start), end: Date.parse(window.end) });

describe('maintenance windows: properties', () => {
  test('nextWindow starts at or after now and ends after it starts', () => {
    fc.assert(
      fc.property(configArb, instantArb, ({ config }, now) => {
        const next = nextWindow(config, new Date(now));
        if (next === undefined) return;
        const { start, end } = span(next);
        expect(start).toBeGreaterThanOrEqual(now);
        expect(end).toBeGreaterThan(start);
      }),
      { numRuns: 150 },
    );
  });

  test('windowAt reports every instant inside a computed window as open, in that same window', () => {
    fc.assert(
      fc.property(configArb, instantArb, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), ({ config }, now, fraction) => {
        const next = nextWindow(config, new Date(now));
        if (next === undefined) return;
        const { start, end } = span(next);
        const inside = start + Math.floor((end - start) * fraction);
        const open = windowAt(config, new Date(inside));
        expect(open).toBeDefined();
        const found = span(open as TimeWindow);
        expect(found.start <= inside && inside < found.end).toBe(true);
        // Windows shorter than the merge span are reported whole, the same from any instant inside them.
        const whole = end - start < 7 * DAY;
        expect(whole ? open : next).toStrictEqual(next);
      }),
      { numRuns: 150 },
    );
  });

  test('no window starts in, or overlaps, a blocked date or time, nor starts before startDate', () => {
    fc.assert(
      fc.property(configArb, instantArb, ({ config }, now) => {
        const blocked = blockedOf(config);
        const windows = [nextWindow(config, new Date(now)), windowAt(config, new Date(now))].filter((w) => w !== undefined).map(span);
        for (const window of windows) {
          expect(blocked.filter((b) => b.start < window.end && window.start < b.end)).toStrictEqual([]);
        }
        // Local midnight of startDate is at most 14 hours before UTC midnight of that date (legacy hours ignore it).
        const startDate = config.maintenanceWindow?.startDate;
        const earliest = startDate !== undefined && config.timeInWeek.length === 0 ? Date.parse(startDate) - 14 * 3_600_000 : -Infinity;
        for (const window of windows) expect(window.start).toBeGreaterThanOrEqual(earliest);
      }),
      { numRuns: 150 },
    );
  });

  test('the same instant in different representations, and the REST and SDK shapes, give the same answers', () => {
    const offsets = [0, 330, -480, 840];
    fc.assert(
      fc.property(configArb, instantArb, fc.constantFrom(...offsets), ({ properties, config }, now, offsetMinutes) => {
        // The same instant written with a local offset ("2026-04-14T10:30:00.000+05:30").
        const local = new Date(now + offsetMinutes * 60_000).toISOString().replace('Z', '');
        const sign = offsetMinutes < 0 ? '-' : '+';
        const zone = `${sign}${two(Math.floor(Math.abs(offsetMinutes) / 60))}:${two(Math.abs(offsetMinutes) % 60)}`;
        const instants = [new Date(now), new Date(new Date(now).toISOString()), new Date(`${local}${zone}`)];
        // The SDK shape: flattened, dates as Date objects.
        const window = properties.maintenanceWindow as Json | undefined;
        const sdk = parseMaintenanceConfig({
          name: 'aksManagedAutoUpgradeSchedule',
          ...properties,
          ...(window
            ? {
                maintenanceWindow: {
                  ...window,
                  ...(window.startDate ? { startDate: new Date(window.startDate as string) } : {}),
                  notAllowedDates: ((window.notAllowedDates as { start: string; end: string }[] | undefined) ?? []).map((d) => ({ start: new Date(d.start), end: new Date(d.end) })),
                },
              }
            : {}),
          notAllowedTime: ((properties.notAllowedTime as { start: string; end: string }[] | undefined) ?? []).map((t) => ({ start: new Date(t.start), end: new Date(t.end) })),
        });
        expect(sdk).toStrictEqual(config);
        const answers = instants.map((instant) => [windowAt(config, instant), nextWindow(config, instant), canStartDisruptiveStep([sdk], instant, { minimumRemainingMinutes: 90 })]);
        for (const answer of answers.slice(1)) expect(answer).toStrictEqual(answers[0]);
      }),
      { numRuns: 100 },
    );
  });

  test('a step is allowed exactly when an open window has the time left, and refused steps point at a later start', () => {
    fc.assert(
      fc.property(configArb, instantArb, fc.integer({ min: 0, max: 600 }), ({ config }, now, minutes) => {
        const decision = canStartDisruptiveStep([config], new Date(now), { minimumRemainingMinutes: minutes });
        const open = windowAt(config, new Date(now));
        const enough = open !== undefined && span(open).end - now >= minutes * 60_000;
        const reason = hasSchedule(config) ? 'OutsideMaintenanceWindow' : 'NoMaintenanceWindow';
        expect(decision.allowed).toBe(enough);
        expect(decision).toMatchObject(enough ? { window: open } : { reason });
        const nextStart = decision.allowed || decision.nextWindowStart === undefined ? now : Date.parse(decision.nextWindowStart);
        expect(nextStart).toBeGreaterThanOrEqual(now);
      }),
      { numRuns: 100 },
    );
  });
});
