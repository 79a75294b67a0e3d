// Dates and date-times as every edge takes them (the CLI's --now, queue messages, baseline exemptions): ISO 8601, a
// calendar date (2026-02-30 is none), and a time only with its zone, so a value never depends on the machine's time
// zone. `Date.parse` alone is lenient: it turns 2026-02-30 into March 2nd.

/** `2026-06-30`, or `2026-06-30T12:00`, `...T12:00:00`, `...T12:00:00.123` with `Z` or `+02:00`. */
export const ISO_DATE_OR_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/** What `parseIsoDateTime` accepts, for messages. */
export const ISO_DATE_OR_DATE_TIME_RULE = 'an ISO 8601 date (2026-01-31) or date-time with a zone (2026-01-31T12:00:00Z)';

/** The instant `text` names (a date alone: its start, UTC), or undefined when it is not a real ISO 8601 date or date-time. */
export function parseIsoDateTime(text: string): Date | undefined {
  const match = ISO_DATE_OR_DATE_TIME.exec(text);
  if (!match) return undefined;
  const part = (index: number): number => Number(match[index] ?? 0);
  const [year, month, day, hour, minute, second, zoneHours, zoneMinutes] = [1, 2, 3, 4, 5, 6, 7, 8].map(part) as [number, number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls over (February 30th is March 2nd): a real date comes back as it went in.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || zoneHours > 23 || zoneMinutes > 59) return undefined;
  // The shape is checked above, and every such ISO 8601 string is one Date.parse reads exactly.
  return new Date(text);
}
