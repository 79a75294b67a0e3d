// AKS planned maintenance windows: parse the maintenance configurations ARM returns, and decide whether a disruptive
// step may start now. Pure: no Azure SDK, no I/O, no clock (every function takes `now`).
//
// What AKS publishes, and what we chose where it publishes nothing. Sources:
//   [spec]  azure-rest-api-specs, Microsoft.ContainerService/aks/stable/2026-04-01/managedClusters.json, definitions
//           MaintenanceConfigurationProperties, MaintenanceWindow, Schedule, *Schedule, WeekDay, DateSpan, TimeInWeek,
//           TimeSpan. The 2026-06-01 examples use the same shape.
//   [doc]   MicrosoftDocs/azure-docs articles/aks/planned-maintenance.md (ms.date 01/29/2024).
//   [5720]  https://github.com/Azure/AKS/issues/5720 (open docs question, 2026-04): how weekly intervals count.
//   [5050]  https://github.com/Azure/AKS/issues/5050: since June 2025 AKS ignores `default` windows longer than weekly.
//   [cli]   Azure CLI aks-preview maintenanceconfiguration.py: `--weekday` without `--start-hour` sends no hourSlots.
//
// - Shapes [spec]: `maintenanceWindow` (schedule: exactly one of daily/weekly/absoluteMonthly/relativeMonthly;
//   durationHours 4-24; utcOffset "±hh:mm", default +00:00; startDate; startTime "HH:mm"; notAllowedDates) and the
//   legacy `timeInWeek` (day + UTC hour slots) with `notAllowedTime` (instants), used by `default` [doc].
// - Fixed offset [spec]: utcOffset is a fixed "±hh:mm", not a time zone, so there is no daylight saving time: a
//   window at 02:00 "+01:00" stays at 01:00 UTC all year, whatever the owner's wall clock does.
// - Windows may cross midnight (startTime 22:00 for 8 hours ends at 06:00 the next day); durations are exact hours.
// - startDate [spec]: no occurrence before it (compared as a date in the window's own offset).
// - Weekly intervals [5720]: weeks are calendar weeks starting on Sunday; the week holding startDate is week 0, and
//   windows fall in weeks 0, n, 2n... on dayOfWeek, skipping any before startDate. This reproduces the issue's example
//   (every 2 weeks on Sunday from Tuesday 2026-04-14 first opens on 2026-04-26, not 04-19); the issue's prose alone
//   could be read otherwise, so the example decides. Sunday as the first day of the week is inferred from that
//   example and from WeekDay listing Sunday first; it is not stated anywhere.
// - NOT PUBLIC, our choice: daily intervals count in days from startDate; monthly intervals count in calendar months
//   from the month of startDate (that month is month 0), the weekly rule carried over. Without startDate an interval
//   greater than 1 has no published phase: we anchor it at 1970-01-01 (daily), the week starting Sunday 1969-12-28
//   (weekly) and January 1970 (monthly), so the answer never depends on when it is asked. With interval 1 the anchor
//   does not matter; with more, AKS's own phase may differ from ours.
// - NOT PUBLIC, our choice: absoluteMonthly on a day the month lacks (31 in April) has no window that month (fewer
//   windows is the safe side; other clouds differ: GCP skips the month, AWS moves to the last day).
// - weekIndex [spec, doc]: First..Fourth are the 1st..4th such weekday of the month (days 1-7, 8-14, 15-21, 22-28).
//   "Last week of the month" is read as the last such weekday (the doc's example: "the last Monday"); NOT PUBLIC
//   beyond that example.
// - notAllowedDates [spec]: whole days, both ends included, in the window's utcOffset ("+02:00", 2022-12-23..2023-01-03
//   blocks 2022-12-22T22:00Z to 2023-01-03T22:00Z). notAllowedTime: instants, start included, end excluded.
//   NOT PUBLIC, our choice (the safe side): a window whose start falls in a blocked span does not open at all; a window
//   that opens before a blocked span closes where the span begins. So no window starts or runs inside a blocked span.
//   Both lists apply to every window of the configuration.
// - Legacy timeInWeek [spec, doc]: each hour slot is one UTC hour ([0,1] = 00:00-02:00 UTC); entries naming the same
//   day are combined; contiguous slots, also across midnight and from Saturday into Sunday, make one window. A day with
//   no hourSlots is the whole day [cli, doc: leaving out the start hour means the whole day].
// - NOT PUBLIC, our choice: a configuration with both maintenanceWindow and timeInWeek opens when either does.
// - Windows that touch or overlap (a daily 24-hour window, slots on adjacent days) are one window. A window that stays
//   open for longer than MERGE_SPAN_DAYS is reported cut at about that many days from the instant asked about.
// - We read windows as "when the owner accepts disruption". AKS itself treats them as best effort, may maintain outside
//   them [doc], and ignores `default` windows longer than weekly [5050]; that does not change when we may disrupt.
import { InvalidInputError } from './errors.js';

export const MAINTENANCE_CONFIG_NAMES = ['default', 'aksManagedAutoUpgradeSchedule', 'aksManagedNodeOSUpgradeSchedule'] as const;
export type MaintenanceConfigName = (typeof MAINTENANCE_CONFIG_NAMES)[number];

export const WEEK_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

export const WEEK_INDEXES = ['First', 'Second', 'Third', 'Fourth', 'Last'] as const;
export type WeekIndex = (typeof WEEK_INDEXES)[number];

export const SCHEDULE_TYPES = ['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly'] as const;

export type MaintenanceSchedule =
  | { type: 'daily'; intervalDays: number }
  | { type: 'weekly'; intervalWeeks: number; dayOfWeek: WeekDay }
  | { type: 'absoluteMonthly'; intervalMonths: number; dayOfMonth: number }
  | { type: 'relativeMonthly'; intervalMonths: number; weekIndex: WeekIndex; dayOfWeek: WeekDay };

/** Whole days, `yyyy-mm-dd`, both ends included, in the window's utcOffset. */
export interface DateSpan {
  start: string;
  end: string;
}

/** Instants as ISO strings in UTC; start included, end excluded. */
export interface TimeSpan {
  start: string;
  end: string;
}

/** The new-style recurring window (`properties.maintenanceWindow`). */
export interface RecurringWindow {
  schedule: MaintenanceSchedule;
  durationHours: number;
  /** "±hh:mm"; "+00:00" when ARM leaves it out (the spec's default). */
  utcOffset: string;
  /** `yyyy-mm-dd`: no window before this date. */
  startDate?: string;
  /** "HH:mm" in utcOffset. */
  startTime: string;
  notAllowedDates: DateSpan[];
}

/** Legacy weekly hours: one entry per day (entries for the same day combined), UTC hours sorted. */
export interface WeeklyHours {
  day: WeekDay;
  hourSlots: number[];
}

export interface MaintenanceConfig {
  name: string;
  maintenanceWindow?: RecurringWindow;
  timeInWeek: WeeklyHours[];
  notAllowedTime: TimeSpan[];
}

/** A configuration ARM returned that we could not read: its name (or a placeholder) and every problem. */
export interface UnreadableMaintenanceConfig {
  name: string;
  problems: string[];
}

export interface MaintenanceConfigs {
  /** By configuration name as ARM returned it. */
  configurations: Record<string, MaintenanceConfig>;
  unreadable: UnreadableMaintenanceConfig[];
}

/** One window: the configuration it comes from and its bounds as ISO instants (start included, end excluded). */
export interface TimeWindow {
  configName: string;
  start: string;
  end: string;
}

export interface NextWindowOptions {
  /** How far ahead to look. Default 400 days: every schedule repeats within 6 months, blocked dates aside. */
  horizonDays?: number;
  /** Skip windows shorter than this. Default 0. */
  minimumDurationMinutes?: number;
}

export interface CanStartOptions {
  /** The step may start only if the open window has at least this much time left. */
  minimumRemainingMinutes: number;
  horizonDays?: number;
}

export const WINDOW_BLOCK_REASONS = ['OutsideMaintenanceWindow', 'NoMaintenanceWindow'] as const;
export type WindowBlockReason = (typeof WINDOW_BLOCK_REASONS)[number];

export type StartDecision =
  | { allowed: true; window: TimeWindow }
  | { allowed: false; reason: WindowBlockReason; nextWindowStart?: string; message: string };

export const DEFAULT_HORIZON_DAYS = 400;
export const MERGE_SPAN_DAYS = 31;

// ---------------------------------------------------------------------------------------------------------------
// Parsing

type Json = Record<string, unknown>;

const LIMITS = {
  durationHours: [4, 24],
  intervalDays: [1, 7],
  intervalWeeks: [1, 4],
  intervalMonths: [1, 6],
  dayOfMonth: [1, 31],
  hourSlot: [0, 23],
} as const;
/** Real offsets run from -12:00 to +14:00; the spec's pattern only asks for digits. */
const MAX_OFFSET_MINUTES = 14 * 60;

/** The SDK's Date objects; checked by tag, not instanceof, so a Date from another realm counts too. */
function isDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]';
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isDate(value);
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isDate(value)) return Number.isNaN(value.getTime()) ? 'an invalid date' : value.toISOString();
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

const absent = (value: unknown): value is null | undefined => value === undefined || value === null;

class Problems {
  readonly list: string[] = [];

  add(path: string, message: string): undefined {
    this.list.push(`${path}: ${message}`);
    return undefined;
  }

  integer(value: unknown, path: string, [min, max]: readonly [number, number]): number | undefined {
    if (absent(value)) return this.add(path, `is missing: an integer from ${min} to ${max} is required`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.add(path, `must be an integer from ${min} to ${max}, got ${show(value)}`);
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (absent(value)) return this.add(path, `is missing: one of ${allowed.join(', ')} is required`);
    const found = typeof value === 'string' ? allowed.find((item) => item.toLowerCase() === value.toLowerCase()) : undefined;
    return found ?? this.add(path, `must be one of ${allowed.join(', ')}, got ${show(value)}`);
  }

  object(value: unknown, path: string, what: string): Json | undefined {
    if (absent(value)) return this.add(path, `is missing: ${what} is required`);
    return isObject(value) ? value : this.add(path, `must be ${what}, got ${show(value)}`);
  }

  /** An optional list: absent is empty. */
  list_(value: unknown, path: string): unknown[] {
    if (absent(value)) return [];
    if (Array.isArray(value)) return value;
    this.add(path, `must be a list, got ${show(value)}`);
    return [];
  }

  /** A calendar date, `yyyy-mm-dd` (midnight UTC date-times and the SDK's Date objects are accepted too). */
  date(value: unknown, path: string): string | undefined {
    if (absent(value)) return this.add(path, 'is missing: a date (yyyy-mm-dd) is required');
    const text = isDate(value) ? (Number.isNaN(value.getTime()) ? '' : value.toISOString()) : value;
    const match = typeof text === 'string' ? /^(\d{4})-(\d{2})-(\d{2})(?:T00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:00)?)?$/.exec(text) : null;
    if (match && validDate(Number(match[1]), Number(match[2]), Number(match[3]))) return `${match[1]}-${match[2]}-${match[3]}`;
    return this.add(path, `must be a date (yyyy-mm-dd), got ${show(value)}`);
  }

  /** An instant: ISO 8601 date-time; one without a zone is UTC (ARM's times are). Returned as ms. */
  instant(value: unknown, path: string): number | undefined {
    if (absent(value)) return this.add(path, 'is missing: a date-time is required');
    if (isDate(value) && !Number.isNaN(value.getTime())) return value.getTime();
    const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|([+-])(\d{2}):(\d{2}))?$/i.exec(value) : null;
    if (match) {
      const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
      const fraction = Number(`0.${match[7] ?? '0'}`);
      const zone = match[9] ? (match[9] === '-' ? -1 : 1) * (Number(match[10]) * 60 + Number(match[11])) : 0;
      if (validDate(year, month, day) && hour < 24 && minute < 60 && second < 60 && Math.abs(zone) <= MAX_OFFSET_MINUTES) {
        return Date.UTC(year, month - 1, day, hour, minute, second) + Math.floor(fraction * 1000) - zone * MINUTE;
      }
    }
    return this.add(path, `must be a date-time (for example 2026-01-02T03:04:05Z), got ${show(value)}`);
  }
}

function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseOffset(value: unknown, path: string, problems: Problems): number | undefined {
  if (absent(value)) return 0;
  const match = typeof value === 'string' ? /^([+-])(\d{2}):(\d{2})$/.exec(value) : null;
  if (!match) return problems.add(path, `must be an offset from UTC like +05:30 or -08:00, got ${show(value)}`);
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  if (Number(match[3]) >= 60 || minutes > MAX_OFFSET_MINUTES) return problems.add(path, `must be between -14:00 and +14:00 with minutes under 60, got ${show(value)}`);
  return match[1] === '-' ? -minutes : minutes;
}

function formatOffset(minutes: number): string {
  const size = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(size / 60)).padStart(2, '0')}:${String(size % 60).padStart(2, '0')}`;
}

function parseStartTime(value: unknown, path: string, problems: Problems): string | undefined {
  if (absent(value)) return problems.add(path, 'is missing: a start time (HH:mm) is required');
  const match = typeof value === 'string' ? /^(\d{2}):(\d{2})$/.exec(value) : null;
  if (match && Number(match[1]) <= 23 && Number(match[2]) <= 59) return value as string;
  return problems.add(path, `must be a time of day from 00:00 to 23:59 (HH:mm), got ${show(value)}`);
}

function parseSchedule(value: unknown, path: string, problems: Problems): MaintenanceSchedule | undefined {
  const schedule = problems.object(value, path, `an object with one of ${SCHEDULE_TYPES.join(', ')}`);
  if (!schedule) return undefined;
  const set = SCHEDULE_TYPES.filter((type) => !absent(schedule[type]));
  if (set.length !== 1) {
    const others = Object.keys(schedule).filter((key) => !absent(schedule[key]));
    const got = set.length > 1 ? set.join(' and ') : others.length > 0 ? `only ${others.join(', ')}` : 'none';
    return problems.add(path, `must set exactly one of ${SCHEDULE_TYPES.join(', ')}; got ${got}`);
  }
  const type = set[0] as (typeof SCHEDULE_TYPES)[number];
  const at = `${path}.${type}`;
  const body = problems.object(schedule[type], at, 'an object');
  if (!body) return undefined;
  switch (type) {
    case 'daily': {
      const intervalDays = problems.integer(body.intervalDays, `${at}.intervalDays`, LIMITS.intervalDays);
      return intervalDays === undefined ? undefined : { type, intervalDays };
    }
    case 'weekly': {
      const intervalWeeks = problems.integer(body.intervalWeeks, `${at}.intervalWeeks`, LIMITS.intervalWeeks);
      const dayOfWeek = problems.oneOf(body.dayOfWeek, `${at}.dayOfWeek`, WEEK_DAYS);
      return intervalWeeks === undefined || dayOfWeek === undefined ? undefined : { type, intervalWeeks, dayOfWeek };
    }
    case 'absoluteMonthly': {
      const intervalMonths = problems.integer(body.intervalMonths, `${at}.intervalMonths`, LIMITS.intervalMonths);
      const dayOfMonth = problems.integer(body.dayOfMonth, `${at}.dayOfMonth`, LIMITS.dayOfMonth);
      return intervalMonths === undefined || dayOfMonth === undefined ? undefined : { type, intervalMonths, dayOfMonth };
    }
    case 'relativeMonthly': {
      const intervalMonths = problems.integer(body.intervalMonths, `${at}.intervalMonths`, LIMITS.intervalMonths);
      const weekIndex = problems.oneOf(body.weekIndex, `${at}.weekIndex`, WEEK_INDEXES);
      const dayOfWeek = problems.oneOf(body.dayOfWeek, `${at}.dayOfWeek`, WEEK_DAYS);
      return intervalMonths === undefined || weekIndex === undefined || dayOfWeek === undefined ? undefined : { type, intervalMonths, weekIndex, dayOfWeek };
    }
  }
}

function parseRecurringWindow(value: Json, path: string, problems: Problems): RecurringWindow | undefined {
  const before = problems.list.length;
  const schedule = parseSchedule(value.schedule, `${path}.schedule`, problems);
  const durationHours = problems.integer(value.durationHours, `${path}.durationHours`, LIMITS.durationHours);
  const offset = parseOffset(value.utcOffset, `${path}.utcOffset`, problems);
  const startDate = absent(value.startDate) ? undefined : problems.date(value.startDate, `${path}.startDate`);
  const startTime = parseStartTime(value.startTime, `${path}.startTime`, problems);
  const notAllowedDates: DateSpan[] = [];
  problems.list_(value.notAllowedDates, `${path}.notAllowedDates`).forEach((item, index) => {
    const at = `${path}.notAllowedDates[${index}]`;
    const span = problems.object(item, at, 'an object with start and end dates');
    if (!span) return;
    const start = problems.date(span.start, `${at}.start`);
    const end = problems.date(span.end, `${at}.end`);
    if (start === undefined || end === undefined) return;
    if (end < start) problems.add(`${at}.end`, `${end} is before start ${start}`);
    else notAllowedDates.push({ start, end });
  });
  if (problems.list.length > before || !schedule || durationHours === undefined || offset === undefined || !startTime) return undefined;
  return { schedule, durationHours, utcOffset: formatOffset(offset), ...(startDate ? { startDate } : {}), startTime, notAllowedDates };
}

function parseTimeInWeek(value: unknown, path: string, problems: Problems): WeeklyHours[] {
  const byDay = new Map<WeekDay, Set<number>>();
  problems.list_(value, path).forEach((item, index) => {
    const at = `${path}[${index}]`;
    const entry = problems.object(item, at, 'an object with day and hourSlots');
    if (!entry) return;
    const day = problems.oneOf(entry.day, `${at}.day`, WEEK_DAYS);
    const listed = problems.list_(entry.hourSlots, `${at}.hourSlots`);
    const slots = listed.map((slot, slotIndex) => problems.integer(slot, `${at}.hourSlots[${slotIndex}]`, LIMITS.hourSlot));
    if (day === undefined) return;
    const hours = byDay.get(day) ?? new Set<number>();
    // A day without hour slots is the whole day (see the header).
    for (const hour of isEmptyList(entry.hourSlots) ? range(24) : slots) if (hour !== undefined) hours.add(hour);
    byDay.set(day, hours);
  });
  return WEEK_DAYS.flatMap((day) => {
    const hours = byDay.get(day);
    return hours ? [{ day, hourSlots: [...hours].sort((a, b) => a - b) }] : [];
  });
}

const isEmptyList = (value: unknown): boolean => absent(value) || (Array.isArray(value) && value.length === 0);
const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index);

function parseNotAllowedTime(value: unknown, path: string, problems: Problems): TimeSpan[] {
  const spans: TimeSpan[] = [];
  problems.list_(value, path).forEach((item, index) => {
    const at = `${path}[${index}]`;
    const span = problems.object(item, at, 'an object with start and end date-times');
    if (!span) return;
    const start = problems.instant(span.start, `${at}.start`);
    const end = problems.instant(span.end, `${at}.end`);
    if (start === undefined || end === undefined) return;
    if (end < start) problems.add(`${at}.end`, `${iso(end)} is before start ${iso(start)}`);
    else spans.push({ start: iso(start), end: iso(end) });
  });
  return spans;
}

/**
 * Parses one maintenance configuration: the ARM REST body (`{ name, properties: { maintenanceWindow | timeInWeek |
 * notAllowedTime } }`) or the flattened shape of `@azure/arm-containerservice` (the same fields beside `name`, dates
 * as Date objects). Throws InvalidInputError with one `path: what is wrong` per problem.
 */
export function parseMaintenanceConfig(input: unknown): MaintenanceConfig {
  if (!isObject(input)) throw new InvalidInputError(`is not a maintenance configuration: expected an object with name and properties, got ${show(input)}`);
  const problems = new Problems();
  const name = typeof input.name === 'string' && input.name.trim() !== '' ? input.name : problems.add('name', `must be the configuration name, got ${show(input.name)}`);
  const rest = isObject(input.properties);
  const props = rest ? (input.properties as Json) : input;
  const prefix = rest ? 'properties.' : '';
  let maintenanceWindow: RecurringWindow | undefined;
  if (!absent(props.maintenanceWindow)) {
    const window = problems.object(props.maintenanceWindow, `${prefix}maintenanceWindow`, 'an object');
    if (window) maintenanceWindow = parseRecurringWindow(window, `${prefix}maintenanceWindow`, problems);
  }
  const timeInWeek = parseTimeInWeek(props.timeInWeek, `${prefix}timeInWeek`, problems);
  const notAllowedTime = parseNotAllowedTime(props.notAllowedTime, `${prefix}notAllowedTime`, problems);
  if (problems.list.length > 0 || name === undefined) throw new InvalidInputError(problems.list);
  return { name, ...(maintenanceWindow ? { maintenanceWindow } : {}), timeInWeek, notAllowedTime };
}

/**
 * Parses every configuration of a cluster, as listed. Never throws: one that does not parse is reported in
 * `unreadable` with its name and problems, and the others are still read.
 */
export function parseMaintenanceConfigs(items: readonly unknown[]): MaintenanceConfigs {
  const result: MaintenanceConfigs = { configurations: {}, unreadable: [] };
  items.forEach((item, index) => {
    const rawName = isObject(item) && typeof item.name === 'string' && item.name.trim() !== '' ? item.name : `value[${index}]`;
    try {
      const config = parseMaintenanceConfig(item);
      if (Object.hasOwn(result.configurations, config.name)) result.unreadable.push({ name: rawName, problems: ['name: the list holds this configuration twice; the first one is used'] });
      else result.configurations[config.name] = config;
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      result.unreadable.push({ name: rawName, problems: [...error.problems] });
    }
  });
  return result;
}

/** Whether the configuration defines any window at all (a configuration may hold only blocked times). */
export function hasSchedule(config: MaintenanceConfig): boolean {
  return config.maintenanceWindow !== undefined || config.timeInWeek.some((entry) => entry.hourSlots.length > 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Computing windows. Instants are epoch milliseconds; a "day" is a day number (days since 1970-01-01) of a
// calendar date in some fixed offset.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** Day number of Sunday 1969-12-28: weeks run Sunday to Saturday (see the header). */
const FIRST_SUNDAY = -4;
/** Longer than any single occurrence (24 h new style, 167 h legacy), so merging across a search boundary is exact. */
const MAX_OCCURRENCE = WEEK;

interface Interval {
  start: number;
  end: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const mod = (value: number, by: number): number => ((value % by) + by) % by;
const weekDayOf = (day: number): number => mod(day + 4, 7);
const weekOf = (day: number): number => Math.floor((day - FIRST_SUNDAY) / 7);

function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY;
}

function calendarOf(day: number): { year: number; month: number; dayOfMonth: number } {
  const date = new Date(day * DAY);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, dayOfMonth: date.getUTCDate() };
}

function offsetMinutes(utcOffset: string): number {
  const minutes = Number(utcOffset.slice(1, 3)) * 60 + Number(utcOffset.slice(4, 6));
  return utcOffset.startsWith('-') ? -minutes : minutes;
}

/** Whether the recurring window has an occurrence on this local day. */
function occursOn(window: RecurringWindow, day: number): boolean {
  const anchor = window.startDate === undefined ? 0 : dayNumber(window.startDate);
  if (window.startDate !== undefined && day < anchor) return false;
  const schedule = window.schedule;
  switch (schedule.type) {
    case 'daily':
      return mod(day - anchor, schedule.intervalDays) === 0;
    case 'weekly':
      return weekDayOf(day) === WEEK_DAYS.indexOf(schedule.dayOfWeek) && mod(weekOf(day) - weekOf(anchor), schedule.intervalWeeks) === 0;
    case 'absoluteMonthly':
    case 'relativeMonthly': {
      const date = calendarOf(day);
      const start = calendarOf(anchor);
      if (mod(date.year * 12 + date.month - (start.year * 12 + start.month), schedule.intervalMonths) !== 0) return false;
      if (schedule.type === 'absoluteMonthly') return date.dayOfMonth === schedule.dayOfMonth;
      if (weekDayOf(day) !== WEEK_DAYS.indexOf(schedule.dayOfWeek)) return false;
      if (schedule.weekIndex === 'Last') return date.dayOfMonth > daysInMonth(date.year, date.month) - 7;
      return Math.ceil(date.dayOfMonth / 7) === WEEK_INDEXES.indexOf(schedule.weekIndex) + 1;
    }
  }
}

/** Occurrences of the recurring window starting in [from, to). */
function recurringOccurrences(window: RecurringWindow, from: number, to: number): Interval[] {
  const offset = offsetMinutes(window.utcOffset) * MINUTE;
  const startOfDay = (Number(window.startTime.slice(0, 2)) * 60 + Number(window.startTime.slice(3, 5))) * MINUTE;
  const result: Interval[] = [];
  for (let day = Math.floor((from + offset) / DAY) - 1; day <= Math.floor((to + offset) / DAY); day++) {
    const start = day * DAY + startOfDay - offset;
    if (start >= from && start < to && occursOn(window, day)) result.push({ start, end: start + window.durationHours * HOUR });
  }
  return result;
}

/** Runs of contiguous legacy hours on the weekly ring, as [first hour of the week (Sunday 00 = 0), length in hours]. */
function legacyRuns(timeInWeek: readonly WeeklyHours[]): [number, number][] {
  const hours = new Set<number>();
  for (const entry of timeInWeek) for (const hour of entry.hourSlots) hours.add(WEEK_DAYS.indexOf(entry.day) * 24 + hour);
  // Every hour of the week: no run has a start, so count each UTC day as one (they merge into one window later).
  if (hours.size === 168) return range(7).map((day) => [day * 24, 24]);
  const runs: [number, number][] = [];
  for (const hour of [...hours].sort((a, b) => a - b)) {
    if (hours.has(mod(hour - 1, 168))) continue;
    let length = 1;
    while (hours.has(mod(hour + length, 168))) length++;
    runs.push([hour, length]);
  }
  return runs;
}

/** Legacy windows starting in [from, to). */
function legacyOccurrences(timeInWeek: readonly WeeklyHours[], from: number, to: number): Interval[] {
  const runs = legacyRuns(timeInWeek);
  const result: Interval[] = [];
  if (runs.length === 0) return result;
  for (let week = Math.floor((from - FIRST_SUNDAY * DAY) / WEEK) - 1; week * WEEK + FIRST_SUNDAY * DAY < to; week++) {
    const weekStart = week * WEEK + FIRST_SUNDAY * DAY;
    for (const [hour, length] of runs) {
      const start = weekStart + hour * HOUR;
      if (start >= from && start < to) result.push({ start, end: start + length * HOUR });
    }
  }
  return result;
}

function blockedSpans(config: MaintenanceConfig): Interval[] {
  const spans = config.notAllowedTime.map((span) => ({ start: Date.parse(span.start), end: Date.parse(span.end) }));
  const window = config.maintenanceWindow;
  if (window) {
    const offset = offsetMinutes(window.utcOffset) * MINUTE;
    for (const span of window.notAllowedDates) spans.push({ start: dayNumber(span.start) * DAY - offset, end: (dayNumber(span.end) + 1) * DAY - offset });
  }
  return spans;
}

/** Drops an occurrence that opens inside a blocked span and closes one where the first blocked span inside it begins. */
function withoutBlocked(occurrences: Interval[], blocked: readonly Interval[]): Interval[] {
  if (blocked.length === 0) return occurrences;
  const result: Interval[] = [];
  for (const occurrence of occurrences) {
    if (blocked.some((span) => span.start <= occurrence.start && occurrence.start < span.end)) continue;
    const end = blocked.reduce((cut, span) => (span.start > occurrence.start && span.start < cut ? span.start : cut), occurrence.end);
    result.push({ start: occurrence.start, end });
  }
  return result;
}

function merged(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const result: Interval[] = [];
  for (const interval of sorted) {
    const last = result.at(-1);
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else result.push({ ...interval });
  }
  return result;
}

/**
 * The configuration's windows that start in [from, to), each with its true start and its end (cut MERGE_SPAN_DAYS
 * past `to` at most), plus any window already open at `from` (its start cut at most MAX_OCCURRENCE before `from`).
 */
function windowsStartingIn(config: MaintenanceConfig, from: number, to: number): Interval[] {
  const lower = from - MAX_OCCURRENCE;
  const upper = to + MERGE_SPAN_DAYS * DAY;
  const occurrences = [
    ...(config.maintenanceWindow ? recurringOccurrences(config.maintenanceWindow, lower, upper) : []),
    ...legacyOccurrences(config.timeInWeek, lower, upper),
  ];
  return merged(withoutBlocked(occurrences, blockedSpans(config))).filter((window) => window.start < to && window.end > from);
}

function instantOf(now: Date, what = 'now'): number {
  const ms = isDate(now) ? now.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidInputError(`${what}: must be a valid Date, got ${show(now)}`);
  return ms;
}

function nonNegative(value: number | undefined, path: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidInputError(`${path}: must be a number of at least 0, got ${show(value)}`);
  return value;
}

const toWindow = (config: MaintenanceConfig, interval: Interval): TimeWindow => ({ configName: config.name, start: iso(interval.start), end: iso(interval.end) });

/** The window of this configuration open at `now` (start <= now < end), or undefined. */
export function windowAt(config: MaintenanceConfig, now: Date): TimeWindow | undefined {
  const at = instantOf(now);
  const open = windowsStartingIn(config, at - MERGE_SPAN_DAYS * DAY, at + 1).find((window) => window.start <= at && at < window.end);
  return open ? toWindow(config, open) : undefined;
}

/**
 * The first window of this configuration that starts at or after `now` (a window already open at `now` does not count)
 * and lasts at least `minimumDurationMinutes`, looking `horizonDays` ahead; undefined when there is none.
 */
export function nextWindow(config: MaintenanceConfig, now: Date, options: NextWindowOptions = {}): TimeWindow | undefined {
  const at = instantOf(now);
  const horizon = at + nonNegative(options.horizonDays, 'horizonDays', DEFAULT_HORIZON_DAYS) * DAY;
  const minimum = nonNegative(options.minimumDurationMinutes, 'minimumDurationMinutes', 0) * MINUTE;
  // Search a month at a time: most schedules answer in the first step.
  for (let from = at; from < horizon; from += MERGE_SPAN_DAYS * DAY) {
    const to = Math.min(from + MERGE_SPAN_DAYS * DAY, horizon);
    const found = windowsStartingIn(config, from, to).find((window) => window.start >= from && window.end - window.start >= minimum);
    if (found) return toWindow(config, found);
  }
  return undefined;
}

/**
 * Whether a disruptive step may start at `now` given the cluster's maintenance configurations: only inside an open
 * window with at least `minimumRemainingMinutes` left (any configuration's window will do). Otherwise the reason, the
 * start of the next window long enough for the step (when one opens within the horizon) and a message for people.
 */
export function canStartDisruptiveStep(configs: readonly MaintenanceConfig[], now: Date, options: CanStartOptions): StartDecision {
  const at = instantOf(now);
  const minimum = nonNegative(options.minimumRemainingMinutes, 'minimumRemainingMinutes', 0);
  const horizonDays = nonNegative(options.horizonDays, 'horizonDays', DEFAULT_HORIZON_DAYS);
  const scheduled = configs.filter(hasSchedule);
  if (scheduled.length === 0) {
    const held = configs.length === 0 ? 'has no maintenance configuration' : `has maintenance configurations (${configs.map((c) => c.name).join(', ')}) that define no window`;
    return { allowed: false, reason: 'NoMaintenanceWindow', message: `The cluster ${held}, so no disruptive step can be placed in a window.` };
  }
  const open = scheduled
    .map((config) => windowAt(config, now))
    .filter((window) => window !== undefined)
    .sort((a, b) => Date.parse(b.end) - Date.parse(a.end))[0];
  if (open && Date.parse(open.end) - at >= minimum * MINUTE) return { allowed: true, window: open };

  const next = scheduled
    .map((config) => nextWindow(config, now, { horizonDays, minimumDurationMinutes: minimum }))
    .filter((window) => window !== undefined)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))[0];
  const why = open
    ? `The maintenance window of ${open.configName} closes at ${open.end}, ${Math.floor((Date.parse(open.end) - at) / MINUTE)} minutes after ${iso(at)}; the step needs ${minimum}.`
    : `No maintenance window is open at ${iso(at)}.`;
  const then = next
    ? ` The next window long enough opens at ${next.start} (${next.configName}).`
    : ` No window of ${scheduled.map((c) => c.name).join(', ')} lasting ${minimum} minutes opens in the next ${horizonDays} days.`;
  return { allowed: false, reason: 'OutsideMaintenanceWindow', ...(next ? { nextWindowStart: next.start } : {}), message: why + then };
}
