// The maintenance-window engine: parsing ARM's maintenance configurations (REST and SDK shapes, legacy and new style),
// computing open and next windows for every schedule type, blocked dates, offsets, and the start decision.
import { describe, expect, test } from '@jest/globals';
import {
  canStartDisruptiveStep,
  hasSchedule,
  nextWindow,
  parseMaintenanceConfig,
  parseMaintenanceConfigs,
  windowAt,
  type MaintenanceConfig,
} from '../../../src/core/maintenance-windows.js';
import { problemsOf } from '../../support/builders.js';

type Json = Record<string, unknown>;

const CLUSTER = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1';

/** A configuration as the REST API returns it. */
function restConfig(name: string, properties: Json): Json {
  return { id: `${CLUSTER}/maintenanceConfigurations/${name}`, name, type: 'Microsoft.ContainerService/managedClusters/maintenanceConfigurations', properties };
}

function windowConfig(maintenanceWindow: Json, name = 'aksManagedAutoUpgradeSchedule'): MaintenanceConfig {
  return parseMaintenanceConfig(restConfig(name, { maintenanceWindow }));
}

const at = (iso: string): Date => new Date(iso);

// The values of the 2026-06-01 spec examples (MaintenanceConfigurationsCreate_Update_MaintenanceWindow.json request,
// MaintenanceConfigurationsList_MaintenanceWindow.json list).
const NOT_ALLOWED = [
  { start: '2023-02-18', end: '2023-02-25' },
  { start: '2023-12-23', end: '2024-01-05' },
];
const EXAMPLE_RELATIVE = {
  schedule: { relativeMonthly: { intervalMonths: 3, weekIndex: 'First', dayOfWeek: 'Monday' } },
  durationHours: 10,
  utcOffset: '+05:30',
  startDate: '2023-01-01',
  startTime: '08:30',
  notAllowedDates: NOT_ALLOWED,
};
const EXAMPLE_DAILY = { schedule: { daily: { intervalDays: 5 } }, durationHours: 10, utcOffset: '-07:00', startDate: '2023-01-01', startTime: '13:30' };
const EXAMPLE_ABSOLUTE = {
  schedule: { absoluteMonthly: { intervalMonths: 3, dayOfMonth: 15 } },
  durationHours: 5,
  utcOffset: '+00:00',
  startDate: '2023-01-01',
  startTime: '08:30',
  notAllowedDates: NOT_ALLOWED,
};

describe('parseMaintenanceConfig', () => {
  test('reads the spec example (relativeMonthly, +05:30, blocked dates) into the typed model', () => {
    const config = windowConfig(EXAMPLE_RELATIVE);

    expect(config).toStrictEqual({
      name: 'aksManagedAutoUpgradeSchedule',
      maintenanceWindow: {
        schedule: { type: 'relativeMonthly', intervalMonths: 3, weekIndex: 'First', dayOfWeek: 'Monday' },
        durationHours: 10,
        utcOffset: '+05:30',
        startDate: '2023-01-01',
        startTime: '08:30',
        notAllowedDates: NOT_ALLOWED,
      },
      timeInWeek: [],
      notAllowedTime: [],
    });
    expect(hasSchedule(config)).toBe(true);
  });

  test('reads the SDK flattened shape, with its Date objects, to the same model as the REST body', () => {
    const sdk = {
      name: 'aksManagedAutoUpgradeSchedule',
      maintenanceWindow: {
        ...EXAMPLE_RELATIVE,
        startDate: new Date('2023-01-01'),
        notAllowedDates: NOT_ALLOWED.map((span) => ({ start: new Date(span.start), end: new Date(span.end) })),
      },
      timeInWeek: undefined,
      notAllowedTime: undefined,
    };

    expect(parseMaintenanceConfig(sdk)).toStrictEqual(windowConfig(EXAMPLE_RELATIVE));
  });

  test('defaults utcOffset to +00:00, accepts enum values in any case and leaves startDate out when ARM does', () => {
    const config = windowConfig({ schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'monday' } }, durationHours: 4, startTime: '00:00' });

    expect(config.maintenanceWindow).toStrictEqual({
      schedule: { type: 'weekly', intervalWeeks: 1, dayOfWeek: 'Monday' },
      durationHours: 4,
      utcOffset: '+00:00',
      startTime: '00:00',
      notAllowedDates: [],
    });
  });

  test('reads the legacy default: timeInWeek entries of the same day combined, no hour slots = the whole day, notAllowedTime in UTC', () => {
    const config = parseMaintenanceConfig(
      restConfig('default', {
        timeInWeek: [
          { day: 'Tuesday', hourSlots: [3, 1] },
          { day: 'Sunday' },
          { day: 'Tuesday', hourSlots: [2, 1] },
        ],
        // Seven fraction digits, as the PowerShell example shows; an offset; no zone at all (UTC).
        notAllowedTime: [
          { start: '2023-03-01T07:56:08.2725383Z', end: '2023-03-02T09:00:00+02:00' },
          { start: '2023-04-01T00:00:00', end: '2023-04-02T00:00' },
        ],
      }),
    );

    expect(config).toStrictEqual({
      name: 'default',
      timeInWeek: [
        { day: 'Sunday', hourSlots: Array.from({ length: 24 }, (_, hour) => hour) },
        { day: 'Tuesday', hourSlots: [1, 2, 3] },
      ],
      notAllowedTime: [
        { start: '2023-03-01T07:56:08.272Z', end: '2023-03-02T07:00:00.000Z' },
        { start: '2023-04-01T00:00:00.000Z', end: '2023-04-02T00:00:00.000Z' },
      ],
    });
  });

  test('a configuration with only blocked times, or nothing at all, parses and has no schedule', () => {
    const blockedOnly = parseMaintenanceConfig(restConfig('default', { notAllowedTime: [{ start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' }] }));
    const empty = parseMaintenanceConfig({ name: 'default' });

    expect([hasSchedule(blockedOnly), hasSchedule(empty)]).toStrictEqual([false, false]);
  });

  const W = 'properties.maintenanceWindow';
  const base = { schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Monday' } }, durationHours: 4, utcOffset: '+00:00', startTime: '01:00' };
  const invalid: [string, Json, string[]][] = [
    ['no schedule type', { ...base, schedule: {} }, [`${W}.schedule: must set exactly one of daily, weekly, absoluteMonthly, relativeMonthly; got none`]],
    ['two schedule types', { ...base, schedule: { daily: { intervalDays: 1 }, weekly: { intervalWeeks: 1, dayOfWeek: 'Monday' } } }, [`${W}.schedule: must set exactly one of daily, weekly, absoluteMonthly, relativeMonthly; got daily and weekly`]],
    ['an unknown schedule type', { ...base, schedule: { monthly: { day: 1 } } }, [`${W}.schedule: must set exactly one of daily, weekly, absoluteMonthly, relativeMonthly; got only monthly`]],
    ['schedule missing', { ...base, schedule: undefined }, [`${W}.schedule: is missing: an object with one of daily, weekly, absoluteMonthly, relativeMonthly is required`]],
    ['a schedule type that is not an object', { ...base, schedule: { daily: 3 } }, [`${W}.schedule.daily: must be an object, got 3`]],
    ['intervalDays out of range', { ...base, schedule: { daily: { intervalDays: 8 } } }, [`${W}.schedule.daily.intervalDays: must be an integer from 1 to 7, got 8`]],
    ['intervalWeeks out of range', { ...base, schedule: { weekly: { intervalWeeks: 5, dayOfWeek: 'Monday' } } }, [`${W}.schedule.weekly.intervalWeeks: must be an integer from 1 to 4, got 5`]],
    ['dayOfWeek unknown', { ...base, schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Moonday' } } }, [`${W}.schedule.weekly.dayOfWeek: must be one of Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, got "Moonday"`]],
    ['dayOfMonth and intervalMonths out of range', { ...base, schedule: { absoluteMonthly: { intervalMonths: 7, dayOfMonth: 32 } } }, [
      `${W}.schedule.absoluteMonthly.intervalMonths: must be an integer from 1 to 6, got 7`,
      `${W}.schedule.absoluteMonthly.dayOfMonth: must be an integer from 1 to 31, got 32`,
    ]],
    ['weekIndex unknown, dayOfWeek missing', { ...base, schedule: { relativeMonthly: { intervalMonths: 1, weekIndex: 'Fifth' } } }, [
      `${W}.schedule.relativeMonthly.weekIndex: must be one of First, Second, Third, Fourth, Last, got "Fifth"`,
      `${W}.schedule.relativeMonthly.dayOfWeek: is missing: one of Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday is required`,
    ]],
    ['durationHours under 4', { ...base, durationHours: 3 }, [`${W}.durationHours: must be an integer from 4 to 24, got 3`]],
    ['durationHours not whole', { ...base, durationHours: 4.5 }, [`${W}.durationHours: must be an integer from 4 to 24, got 4.5`]],
    ['durationHours missing', { ...base, durationHours: undefined }, [`${W}.durationHours: is missing: an integer from 4 to 24 is required`]],
    ['utcOffset without leading zero', { ...base, utcOffset: '+5:30' }, [`${W}.utcOffset: must be an offset from UTC like +05:30 or -08:00, got "+5:30"`]],
    ['utcOffset out of range', { ...base, utcOffset: '+15:00' }, [`${W}.utcOffset: must be between -14:00 and +14:00 with minutes under 60, got "+15:00"`]],
    ['startTime 24:00', { ...base, startTime: '24:00' }, [`${W}.startTime: must be a time of day from 00:00 to 23:59 (HH:mm), got "24:00"`]],
    ['startTime missing', { ...base, startTime: null }, [`${W}.startTime: is missing: a start time (HH:mm) is required`]],
    ['startDate not a calendar date', { ...base, startDate: '2023-02-30' }, [`${W}.startDate: must be a date (yyyy-mm-dd), got "2023-02-30"`]],
    ['notAllowedDates not a list', { ...base, notAllowedDates: { start: '2023-01-01' } }, [`${W}.notAllowedDates: must be a list, got an object`]],
    ['a notAllowedDates entry ending before it starts', { ...base, notAllowedDates: [{ start: '2023-02-25', end: '2023-02-18' }] }, [`${W}.notAllowedDates[0].end: 2023-02-18 is before start 2023-02-25`]],
    ['a notAllowedDates entry without end, another not an object', { ...base, notAllowedDates: [{ start: '2023-02-25' }, 'x'] }, [
      `${W}.notAllowedDates[0].end: is missing: a date (yyyy-mm-dd) is required`,
      `${W}.notAllowedDates[1]: must be an object with start and end dates, got "x"`,
    ]],
  ];
  test.each(invalid)('rejects %s, naming the path', (_case, maintenanceWindow, expected) => {
    expect(problemsOf(() => windowConfig(maintenanceWindow))).toStrictEqual(expected);
  });

  const invalidLegacy: [string, Json, string[]][] = [
    ['an hour slot of 24', { timeInWeek: [{ day: 'Monday', hourSlots: [1, 24] }] }, ['properties.timeInWeek[0].hourSlots[1]: must be an integer from 0 to 23, got 24']],
    ['a day missing', { timeInWeek: [{ hourSlots: [1] }] }, ['properties.timeInWeek[0].day: is missing: one of Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday is required']],
    ['timeInWeek not a list', { timeInWeek: 'Monday' }, ['properties.timeInWeek: must be a list, got "Monday"']],
    ['a notAllowedTime that is not a date-time', { notAllowedTime: [{ start: '2023-03-01', end: '2023-03-02T00:00:00Z' }] }, ['properties.notAllowedTime[0].start: must be a date-time (for example 2026-01-02T03:04:05Z), got "2023-03-01"']],
    ['a notAllowedTime hour of 25', { notAllowedTime: [{ start: '2023-03-01T25:00:00Z', end: '2023-03-02T00:00:00Z' }] }, ['properties.notAllowedTime[0].start: must be a date-time (for example 2026-01-02T03:04:05Z), got "2023-03-01T25:00:00Z"']],
    ['a notAllowedTime ending first', { notAllowedTime: [{ start: '2023-03-02T00:00:00Z', end: '2023-03-01T00:00:00Z' }] }, ['properties.notAllowedTime[0].end: 2023-03-01T00:00:00.000Z is before start 2023-03-02T00:00:00.000Z']],
    ['maintenanceWindow not an object', { maintenanceWindow: [1] }, ['properties.maintenanceWindow: must be an object, got an array']],
  ];
  test.each(invalidLegacy)('rejects %s, naming the path', (_case, properties, expected) => {
    expect(problemsOf(() => parseMaintenanceConfig(restConfig('default', properties)))).toStrictEqual(expected);
  });

  test('names paths without "properties." in the SDK shape, and reports a missing name', () => {
    const problems = problemsOf(() => parseMaintenanceConfig({ maintenanceWindow: { ...EXAMPLE_DAILY, startDate: new Date('invalid') } }));

    expect(problems).toStrictEqual(['name: must be the configuration name, got undefined', 'maintenanceWindow.startDate: must be a date (yyyy-mm-dd), got an invalid date']);
  });

  test('describes each odd value it rejects', () => {
    const problems = problemsOf(() =>
      parseMaintenanceConfig(
        restConfig('default', {
          maintenanceWindow: { ...EXAMPLE_DAILY, utcOffset: 530, startTime: 'half past eight in the morning, local time, please', schedule: { weekly: { intervalWeeks: 1, dayOfWeek: new Date(0) } } },
          timeInWeek: [null, { day: 'Friday', hourSlots: [true] }],
          notAllowedTime: [7, { end: '2023-03-02T00:00:00-14:30' }],
        }),
      ),
    );

    expect(problems).toStrictEqual([
      'properties.maintenanceWindow.schedule.weekly.dayOfWeek: must be one of Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, got 1970-01-01T00:00:00.000Z',
      'properties.maintenanceWindow.utcOffset: must be an offset from UTC like +05:30 or -08:00, got 530',
      'properties.maintenanceWindow.startTime: must be a time of day from 00:00 to 23:59 (HH:mm), got "half past eight in the morning, local ti..."',
      'properties.timeInWeek[0]: is missing: an object with day and hourSlots is required',
      'properties.timeInWeek[1].hourSlots[0]: must be an integer from 0 to 23, got true',
      'properties.notAllowedTime[0]: must be an object with start and end date-times, got 7',
      'properties.notAllowedTime[1].start: is missing: a date-time is required',
      'properties.notAllowedTime[1].end: must be a date-time (for example 2026-01-02T03:04:05Z), got "2023-03-02T00:00:00-14:30"',
    ]);
  });

  test('rejects something that is not a configuration at all', () => {
    expect(problemsOf(() => parseMaintenanceConfig([restConfig('default', {})]))).toStrictEqual(['is not a maintenance configuration: expected an object with name and properties, got an array']);
  });
});

describe('parseMaintenanceConfigs', () => {
  test('reads the good ones and reports each bad one with its name and problems, never dropping it', () => {
    const items = [
      restConfig('aksManagedNodeOSUpgradeSchedule', { maintenanceWindow: EXAMPLE_DAILY }),
      restConfig('aksManagedAutoUpgradeSchedule', { maintenanceWindow: { ...EXAMPLE_ABSOLUTE, durationHours: 30 } }),
      'not a configuration',
      restConfig('aksManagedNodeOSUpgradeSchedule', { maintenanceWindow: EXAMPLE_DAILY }),
    ];

    const read = parseMaintenanceConfigs(items);

    expect(Object.keys(read.configurations)).toStrictEqual(['aksManagedNodeOSUpgradeSchedule']);
    expect(read.unreadable).toStrictEqual([
      { name: 'aksManagedAutoUpgradeSchedule', problems: ['properties.maintenanceWindow.durationHours: must be an integer from 4 to 24, got 30'] },
      { name: 'value[2]', problems: ['is not a maintenance configuration: expected an object with name and properties, got "not a configuration"'] },
      { name: 'aksManagedNodeOSUpgradeSchedule', problems: ['name: the list holds this configuration twice; the first one is used'] },
    ]);
  });
});

describe('windows of each schedule type', () => {
  // [case, maintenanceWindow, now, expected next window start and end]
  const next: [string, Json, string, [string, string] | undefined][] = [
    // Azure/AKS#5720: every 2 weeks on Sunday from Tuesday 2026-04-14 first opens on 04-26, not 04-19.
    ['weekly, every 2 weeks, start date mid-week (AKS#5720)', { schedule: { weekly: { intervalWeeks: 2, dayOfWeek: 'Sunday' } }, durationHours: 4, startDate: '2026-04-14', startTime: '08:00' }, '2026-04-01T00:00:00Z', ['2026-04-26T08:00:00.000Z', '2026-04-26T12:00:00.000Z']],
    ['weekly, every 2 weeks, the one after', { schedule: { weekly: { intervalWeeks: 2, dayOfWeek: 'Sunday' } }, durationHours: 4, startDate: '2026-04-14', startTime: '08:00' }, '2026-04-26T08:00:01Z', ['2026-05-10T08:00:00.000Z', '2026-05-10T12:00:00.000Z']],
    ['weekly, every week, start date mid-week', { schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Sunday' } }, durationHours: 4, startDate: '2026-04-14', startTime: '08:00' }, '2026-04-01T00:00:00Z', ['2026-04-19T08:00:00.000Z', '2026-04-19T12:00:00.000Z']],
    ['weekly, every 2 weeks, no start date (anchored at the week of 1970-01-01)', { schedule: { weekly: { intervalWeeks: 2, dayOfWeek: 'Sunday' } }, durationHours: 4, startTime: '08:00' }, '2026-04-12T00:00:00Z', ['2026-04-19T08:00:00.000Z', '2026-04-19T12:00:00.000Z']],
    ['daily every 5 days at 13:30 -07:00 (spec list example), before the start date', EXAMPLE_DAILY, '2022-12-30T00:00:00Z', ['2023-01-01T20:30:00.000Z', '2023-01-02T06:30:00.000Z']],
    ['daily every 5 days, counted from the start date', EXAMPLE_DAILY, '2023-01-03T00:00:00Z', ['2023-01-06T20:30:00.000Z', '2023-01-07T06:30:00.000Z']],
    ['absoluteMonthly every 3 months on the 15th (spec list example)', EXAMPLE_ABSOLUTE, '2023-01-16T00:00:00Z', ['2023-04-15T08:30:00.000Z', '2023-04-15T13:30:00.000Z']],
    ['absoluteMonthly on the 31st skips a 30-day month', { schedule: { absoluteMonthly: { intervalMonths: 1, dayOfMonth: 31 } }, durationHours: 6, startTime: '01:00' }, '2026-04-01T00:00:00Z', ['2026-05-31T01:00:00.000Z', '2026-05-31T07:00:00.000Z']],
    ['relativeMonthly first Monday every 3 months at 08:30 +05:30 (spec example)', EXAMPLE_RELATIVE, '2023-01-01T00:00:00Z', ['2023-01-02T03:00:00.000Z', '2023-01-02T13:00:00.000Z']],
    ['relativeMonthly, the quarter after', EXAMPLE_RELATIVE, '2023-01-03T00:00:00Z', ['2023-04-03T03:00:00.000Z', '2023-04-03T13:00:00.000Z']],
    // 2024-01-01 is the first Monday of its quarter but lies in the blocked 2023-12-23..2024-01-05.
    ['relativeMonthly, a blocked quarter skipped', EXAMPLE_RELATIVE, '2023-10-03T00:00:00Z', ['2024-04-01T03:00:00.000Z', '2024-04-01T13:00:00.000Z']],
    ['relativeMonthly Last Friday (January 2026 has five)', { schedule: { relativeMonthly: { intervalMonths: 1, weekIndex: 'Last', dayOfWeek: 'Friday' } }, durationHours: 4, startTime: '20:00' }, '2026-01-01T00:00:00Z', ['2026-01-30T20:00:00.000Z', '2026-01-31T00:00:00.000Z']],
    ['relativeMonthly Fourth Friday is not the last one', { schedule: { relativeMonthly: { intervalMonths: 1, weekIndex: 'Fourth', dayOfWeek: 'Friday' } }, durationHours: 4, startTime: '20:00' }, '2026-01-01T00:00:00Z', ['2026-01-23T20:00:00.000Z', '2026-01-24T00:00:00.000Z']],
    ['relativeMonthly Last Friday in February', { schedule: { relativeMonthly: { intervalMonths: 1, weekIndex: 'Last', dayOfWeek: 'Friday' } }, durationHours: 4, startTime: '20:00' }, '2026-02-01T00:00:00Z', ['2026-02-27T20:00:00.000Z', '2026-02-28T00:00:00.000Z']],
    ['a negative offset moves the window to the next UTC day', { schedule: { daily: { intervalDays: 1 } }, durationHours: 4, utcOffset: '-08:00', startTime: '20:00' }, '2026-03-08T00:00:00Z', ['2026-03-08T04:00:00.000Z', '2026-03-08T08:00:00.000Z']],
    // No daylight saving time: the same UTC hour on either side of the US change (2026-03-08).
    ['a fixed offset does not follow daylight saving time', { schedule: { daily: { intervalDays: 1 } }, durationHours: 4, utcOffset: '-08:00', startTime: '20:00' }, '2026-03-09T05:00:00Z', ['2026-03-10T04:00:00.000Z', '2026-03-10T08:00:00.000Z']],
    ['a window starting at now is the next one', { schedule: { daily: { intervalDays: 1 } }, durationHours: 4, startTime: '20:00' }, '2026-03-09T20:00:00Z', ['2026-03-09T20:00:00.000Z', '2026-03-10T00:00:00.000Z']],
    ['daily 24-hour windows touch: one endless window, none starts', { schedule: { daily: { intervalDays: 1 } }, durationHours: 24, startTime: '00:00' }, '2026-03-09T20:00:00Z', undefined],
  ];
  test.each(next)('nextWindow: %s', (_case, maintenanceWindow, now, expected) => {
    const window = nextWindow(windowConfig(maintenanceWindow), at(now));

    expect(window && [window.start, window.end]).toStrictEqual(expected);
  });

  // [case, maintenanceWindow, now, the open window's start and end, or undefined]
  const open: [string, Json, string, [string, string] | undefined][] = [
    ['crossing midnight: Saturday 22:00 for 6 hours, asked on Sunday', { schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Saturday' } }, durationHours: 6, startTime: '22:00' }, '2026-04-19T02:00:00Z', ['2026-04-18T22:00:00.000Z', '2026-04-19T04:00:00.000Z']],
    ['crossing UTC midnight because of the offset (spec list example)', EXAMPLE_DAILY, '2023-01-02T06:00:00Z', ['2023-01-01T20:30:00.000Z', '2023-01-02T06:30:00.000Z']],
    ['the end is excluded', EXAMPLE_DAILY, '2023-01-02T06:30:00Z', undefined],
    ['the start is included', EXAMPLE_DAILY, '2023-01-01T20:30:00Z', ['2023-01-01T20:30:00.000Z', '2023-01-02T06:30:00.000Z']],
    ['before the start date nothing is open', { ...EXAMPLE_DAILY, startDate: '2023-01-02' }, '2023-01-01T21:00:00Z', undefined],
    ['+05:30 offset', EXAMPLE_RELATIVE, '2023-04-03T12:59:59Z', ['2023-04-03T03:00:00.000Z', '2023-04-03T13:00:00.000Z']],
  ];
  test.each(open)('windowAt: %s', (_case, maintenanceWindow, now, expected) => {
    const window = windowAt(windowConfig(maintenanceWindow), at(now));

    expect(window && [window.start, window.end]).toStrictEqual(expected);
  });

  test('touching 24-hour windows are one open window, reported up to a month either side', () => {
    const window = windowAt(windowConfig({ schedule: { daily: { intervalDays: 1 } }, durationHours: 24, startTime: '06:00' }), at('2026-03-09T20:00:00Z'));

    expect(window?.configName).toBe('aksManagedAutoUpgradeSchedule');
    expect(Date.parse(window?.end ?? '') - Date.parse('2026-03-09T20:00:00Z')).toBeGreaterThanOrEqual(31 * 24 * 3_600_000);
    expect(Date.parse('2026-03-09T20:00:00Z') - Date.parse(window?.start ?? '')).toBeGreaterThanOrEqual(31 * 24 * 3_600_000);
  });
});

describe('notAllowedDates and notAllowedTime', () => {
  // The spec's own example: with +02:00, 2022-12-23..2023-01-03 blocks 2022-12-22T22:00Z to 2023-01-03T22:00Z.
  const blocked = windowConfig({
    schedule: { daily: { intervalDays: 1 } },
    durationHours: 4,
    utcOffset: '+02:00',
    startTime: '23:00',
    notAllowedDates: [{ start: '2022-12-23', end: '2023-01-03' }],
  });

  test('a window running into blocked days closes where they begin', () => {
    expect(nextWindow(blocked, at('2022-12-22T00:00:00Z'))).toStrictEqual({ configName: 'aksManagedAutoUpgradeSchedule', start: '2022-12-22T21:00:00.000Z', end: '2022-12-22T22:00:00.000Z' });
  });

  test('no window opens on a blocked day, the last one included, whatever its UTC date', () => {
    // The occurrence of local 2023-01-03 (21:00Z that day) is blocked; the next is local 2023-01-04.
    expect(nextWindow(blocked, at('2022-12-22T22:00:00Z'))?.start).toBe('2023-01-04T21:00:00.000Z');
    expect(windowAt(blocked, at('2023-01-03T23:00:00Z'))).toBeUndefined();
  });

  test('a cut window too short for the asked duration is skipped', () => {
    expect(nextWindow(blocked, at('2022-12-22T00:00:00Z'), { minimumDurationMinutes: 120 })?.start).toBe('2023-01-04T21:00:00.000Z');
  });

  test('notAllowedTime blocks instants, the end excluded', () => {
    const config = parseMaintenanceConfig(
      restConfig('default', {
        timeInWeek: [{ day: 'Monday', hourSlots: [10, 11, 12, 13] }],
        notAllowedTime: [
          { start: '2026-04-13T00:00:00Z', end: '2026-04-13T10:00:00Z' },
          { start: '2026-04-20T12:00:00Z', end: '2026-04-20T13:00:00Z' },
        ],
      }),
    );

    // Opens right where the first blocked span ends: the window's start is not inside it.
    expect(windowAt(config, at('2026-04-13T10:30:00Z'))).toStrictEqual({ configName: 'default', start: '2026-04-13T10:00:00.000Z', end: '2026-04-13T14:00:00.000Z' });
    // Cut where the second blocked span begins; nothing reopens after it that day.
    expect(windowAt(config, at('2026-04-20T11:00:00Z'))?.end).toBe('2026-04-20T12:00:00.000Z');
    expect(windowAt(config, at('2026-04-20T13:30:00Z'))).toBeUndefined();
  });
});

describe('legacy timeInWeek', () => {
  const legacy = parseMaintenanceConfig(
    restConfig('default', {
      timeInWeek: [
        { day: 'Monday', hourSlots: [22, 23] },
        { day: 'Tuesday', hourSlots: [0, 1] },
        { day: 'Monday', hourSlots: [1] },
        { day: 'Saturday', hourSlots: [23] },
        { day: 'Sunday', hourSlots: [0] },
      ],
    }),
  );

  test('contiguous hour slots are one window, across midnight and across the week boundary', () => {
    expect(windowAt(legacy, at('2026-04-14T01:59:59Z'))).toStrictEqual({ configName: 'default', start: '2026-04-13T22:00:00.000Z', end: '2026-04-14T02:00:00.000Z' });
    expect(windowAt(legacy, at('2026-04-19T00:30:00Z'))).toStrictEqual({ configName: 'default', start: '2026-04-18T23:00:00.000Z', end: '2026-04-19T01:00:00.000Z' });
  });

  test('a lone slot is a one-hour window, and the next window is found in order', () => {
    expect(nextWindow(legacy, at('2026-04-13T00:00:00Z'))).toStrictEqual({ configName: 'default', start: '2026-04-13T01:00:00.000Z', end: '2026-04-13T02:00:00.000Z' });
    expect(nextWindow(legacy, at('2026-04-13T01:00:01Z'))?.start).toBe('2026-04-13T22:00:00.000Z');
    expect(nextWindow(legacy, at('2026-04-13T01:00:01Z'), { minimumDurationMinutes: 180 })?.start).toBe('2026-04-13T22:00:00.000Z');
    expect(nextWindow(legacy, at('2026-04-13T01:00:01Z'), { minimumDurationMinutes: 300 })).toBeUndefined();
  });

  test('every hour of the week is always open, and no window ever starts', () => {
    const always = parseMaintenanceConfig(restConfig('default', { timeInWeek: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'].map((day) => ({ day, hourSlots: [] })) }));

    expect(windowAt(always, at('2026-04-18T23:59:00Z'))).toBeDefined();
    expect(nextWindow(always, at('2026-04-18T23:59:00Z'))).toBeUndefined();
    expect(canStartDisruptiveStep([always], at('2026-04-18T23:59:00Z'), { minimumRemainingMinutes: 600 }).allowed).toBe(true);
  });

  test('a configuration with both formats opens when either does', () => {
    const both = parseMaintenanceConfig(restConfig('default', { timeInWeek: [{ day: 'Monday', hourSlots: [1] }], maintenanceWindow: { ...EXAMPLE_RELATIVE, notAllowedDates: [] } }));

    expect(windowAt(both, at('2023-04-03T04:00:00Z'))?.start).toBe('2023-04-03T03:00:00.000Z');
    expect(windowAt(both, at('2023-04-10T01:30:00Z'))?.start).toBe('2023-04-10T01:00:00.000Z');
  });
});

describe('canStartDisruptiveStep', () => {
  const nodeOs = windowConfig({ schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Saturday' } }, durationHours: 6, startTime: '22:00' }, 'aksManagedNodeOSUpgradeSchedule');
  const upgrade = windowConfig({ schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Sunday' } }, durationHours: 8, startTime: '00:00' }, 'aksManagedAutoUpgradeSchedule');

  test('allows a step inside a window with enough time left, choosing the window that stays open longest', () => {
    const decision = canStartDisruptiveStep([nodeOs, upgrade], at('2026-04-19T01:00:00Z'), { minimumRemainingMinutes: 60 });

    expect(decision).toStrictEqual({ allowed: true, window: { configName: 'aksManagedAutoUpgradeSchedule', start: '2026-04-19T00:00:00.000Z', end: '2026-04-19T08:00:00.000Z' } });
  });

  test('refuses a step when the open window closes too soon, giving the next window long enough', () => {
    const decision = canStartDisruptiveStep([nodeOs], at('2026-04-19T03:30:00Z'), { minimumRemainingMinutes: 60 });

    expect(decision).toStrictEqual({
      allowed: false,
      reason: 'OutsideMaintenanceWindow',
      nextWindowStart: '2026-04-25T22:00:00.000Z',
      message:
        'The maintenance window of aksManagedNodeOSUpgradeSchedule closes at 2026-04-19T04:00:00.000Z, 30 minutes after 2026-04-19T03:30:00.000Z; the step needs 60. The next window long enough opens at 2026-04-25T22:00:00.000Z (aksManagedNodeOSUpgradeSchedule).',
    });
  });

  test('outside every window: the earliest next start of any configuration', () => {
    const decision = canStartDisruptiveStep([upgrade, nodeOs], at('2026-04-15T12:00:00Z'), { minimumRemainingMinutes: 30 });

    expect(decision).toMatchObject({ allowed: false, reason: 'OutsideMaintenanceWindow', nextWindowStart: '2026-04-18T22:00:00.000Z' });
    expect(decision.allowed ? '' : decision.message).toBe(
      'No maintenance window is open at 2026-04-15T12:00:00.000Z. The next window long enough opens at 2026-04-18T22:00:00.000Z (aksManagedNodeOSUpgradeSchedule).',
    );
  });

  test('no window long enough within the horizon: refused without a next start', () => {
    const decision = canStartDisruptiveStep([nodeOs], at('2026-04-15T12:00:00Z'), { minimumRemainingMinutes: 7 * 60 });

    expect(decision).toStrictEqual({
      allowed: false,
      reason: 'OutsideMaintenanceWindow',
      message: 'No maintenance window is open at 2026-04-15T12:00:00.000Z. No window of aksManagedNodeOSUpgradeSchedule lasting 420 minutes opens in the next 400 days.',
    });
  });

  test('no configuration, or none that defines a window: NoMaintenanceWindow', () => {
    const blockedOnly = parseMaintenanceConfig(restConfig('default', { notAllowedTime: [{ start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' }] }));

    expect(canStartDisruptiveStep([], at('2026-04-15T12:00:00Z'), { minimumRemainingMinutes: 30 })).toStrictEqual({
      allowed: false,
      reason: 'NoMaintenanceWindow',
      message: 'The cluster has no maintenance configuration, so no disruptive step can be placed in a window.',
    });
    expect(canStartDisruptiveStep([blockedOnly], at('2026-04-15T12:00:00Z'), { minimumRemainingMinutes: 30 })).toStrictEqual({
      allowed: false,
      reason: 'NoMaintenanceWindow',
      message: 'The cluster has maintenance configurations (default) that define no window, so no disruptive step can be placed in a window.',
    });
  });

  test('rejects an invalid instant or a negative minimum', () => {
    expect(problemsOf(() => canStartDisruptiveStep([nodeOs], new Date('nope'), { minimumRemainingMinutes: 1 }))).toStrictEqual(['now: must be a valid Date, got an invalid date']);
    expect(problemsOf(() => windowAt(nodeOs, null as unknown as Date))).toStrictEqual(['now: must be a valid Date, got null']);
    expect(problemsOf(() => canStartDisruptiveStep([nodeOs], at('2026-04-15T12:00:00Z'), { minimumRemainingMinutes: -1 }))).toStrictEqual(['minimumRemainingMinutes: must be a number of at least 0, got -1']);
    expect(problemsOf(() => nextWindow(nodeOs, at('2026-04-15T12:00:00Z'), { horizonDays: Number.NaN }))).toStrictEqual(['horizonDays: must be a number of at least 0, got NaN']);
  });
});
