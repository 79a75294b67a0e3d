// Shared pieces of row layouts: how a Cause and an error are spread over Table properties and read back.

import type { ErrorInfo } from '../../core/statuses.js';
import { CAUSE_KINDS, type Cause } from '../../ports.js';
import type { Properties, RowReader } from './table-ops.js';

// Error texts come from ARM and can be long; a row keeps enough to act on.
const MAX_ERROR_MESSAGE = 4000;

export function causeProperties(cause: Cause): Properties {
  return { causeKind: cause.kind, causeId: cause.id, causeCorrelationId: cause.correlationId, causeCaller: cause.caller };
}

export function readCause(row: RowReader): Cause {
  const cause: Cause = { kind: row.oneOf('causeKind', CAUSE_KINDS), id: row.text('causeId') };
  const correlationId = row.optionalText('causeCorrelationId');
  const caller = row.optionalText('causeCaller');
  if (correlationId !== undefined) cause.correlationId = correlationId;
  if (caller !== undefined) cause.caller = caller;
  return cause;
}

/** The error as it will be stored (long messages cut). */
export function storedError(error: ErrorInfo): ErrorInfo {
  return { code: error.code, message: truncate(error.message, MAX_ERROR_MESSAGE) };
}

export function errorProperties(error: ErrorInfo | undefined, prefix: string): Properties {
  if (!error) return {};
  const stored = storedError(error);
  return { [`${prefix}Code`]: stored.code, [`${prefix}Message`]: stored.message };
}

export function readError(row: RowReader, prefix: string): ErrorInfo | undefined {
  const code = row.optionalText(`${prefix}Code`);
  if (code === undefined) return undefined;
  return { code, message: row.optionalText(`${prefix}Message`) ?? '' };
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A caller-supplied Cause checked before it is stored: records must say why they were written. */
export function assertCause(cause: Cause, where: string): void {
  if (!(CAUSE_KINDS as readonly string[]).includes(cause.kind)) throw new RangeError(`${where}: cause.kind must be one of ${CAUSE_KINDS.join(', ')}, got "${String(cause.kind)}"`);
  if (typeof cause.id !== 'string' || cause.id.length === 0) throw new RangeError(`${where}: cause.id must be a non-empty string`);
}

export function assertDate(value: Date, what: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new RangeError(`${what} must be a valid Date`);
}

export function limitOption(limit: number | undefined, fallback: number, what: string): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RangeError(`${what}: limit must be a whole number from 1 to 1000, got ${limit}`);
  return limit;
}
