// The one place that decides what a failed Storage call means. Callers branch on `kind`, never on status codes.

import { isRestError } from '@azure/core-rest-pipeline';

/**
 * not-found: the entity/table/queue is absent. conflict: someone else wrote first (409 exists, 412 ETag changed).
 * transient: throttled, timed out or unreachable; retrying later can succeed. permanent: anything else (auth, bad request).
 */
export type StorageErrorKind = 'not-found' | 'conflict' | 'transient' | 'permanent';

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set(['REQUEST_SEND_ERROR', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

export function classifyStorageError(error: unknown): StorageErrorKind {
  if (error instanceof StorageError) return error.kind;
  if (!isRestError(error)) return 'permanent';
  const status = error.statusCode;
  if (status === undefined) return error.code !== undefined && NETWORK_CODES.has(error.code) ? 'transient' : 'permanent';
  if (status === 404) return 'not-found';
  if (status === 409 || status === 412) return 'conflict';
  if (TRANSIENT_STATUS.has(status)) return 'transient';
  return 'permanent';
}

export function isConflict(error: unknown): boolean {
  return classifyStorageError(error) === 'conflict';
}

export function isNotFound(error: unknown): boolean {
  return classifyStorageError(error) === 'not-found';
}

const MISSING_CONTAINER_CODES = new Set(['TableNotFound', 'QueueNotFound']);

/** A 404 about the entity itself, not about its table: a missing table is a setup error and must not read as "absent". */
export function isMissingEntity(error: unknown): boolean {
  if (!isNotFound(error)) return false;
  const code = serviceCode(error);
  return code === undefined || !MISSING_CONTAINER_CODES.has(code);
}

interface ServiceErrorBody {
  odataError?: { code?: string; message?: { value?: string } };
}

function errorBody(error: unknown): ServiceErrorBody | undefined {
  if (!isRestError(error)) return undefined;
  // core-client attaches the deserialized body to the response; the pipeline type does not declare it.
  const body = (error.response as { parsedBody?: unknown } | undefined)?.parsedBody;
  return body !== null && typeof body === 'object' ? body : undefined;
}

/** The service's error code (e.g. TableNotFound, UpdateConditionNotSatisfied), wherever the SDK put it. */
export function serviceCode(error: unknown): string | undefined {
  if (error instanceof StorageError) return error.code;
  if (!isRestError(error)) return undefined;
  const details = error.details as { errorCode?: unknown } | undefined;
  const fromDetails = typeof details?.errorCode === 'string' ? details.errorCode : undefined;
  return error.code ?? fromDetails ?? errorBody(error)?.odataError?.code;
}

export interface StorageErrorContext {
  /** Table or queue name. */
  resource: string;
  /** What we were doing, e.g. "update". */
  operation: string;
  /** The entity key or message, when there is one. */
  key?: string;
}

/** A failed Storage call, with the table/queue and key it was about. `cause` keeps the SDK's error. */
export class StorageError extends Error {
  override name = 'StorageError';
  readonly kind: StorageErrorKind;
  readonly statusCode: number | undefined;
  readonly code: string | undefined;
  readonly resource: string;
  readonly key: string | undefined;

  constructor(message: string, details: { kind: StorageErrorKind; statusCode?: number; code?: string; context: StorageErrorContext; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.kind = details.kind;
    this.statusCode = details.statusCode;
    this.code = details.code;
    this.resource = details.context.resource;
    this.key = details.context.key;
  }
}

const HINTS: Record<StorageErrorKind, string> = {
  'not-found': 'Was the table or queue created (ensureTables/ensureQueues)?',
  conflict: 'Another writer changed it first.',
  transient: 'Storage is busy or unreachable; retrying later can succeed.',
  permanent: 'Check the storage settings and the app identity\'s data-plane role (Storage Table/Queue Data Contributor).',
};

/** Wraps any thrown value into a StorageError naming the table/queue and key. Already-wrapped errors pass through. */
export function toStorageError(error: unknown, context: StorageErrorContext): StorageError {
  if (error instanceof StorageError) return error;
  const kind = classifyStorageError(error);
  const statusCode = isRestError(error) ? error.statusCode : undefined;
  const code = serviceCode(error);
  const detail = firstLine(errorBody(error)?.odataError?.message?.value ?? (error instanceof Error ? error.message : String(error)));
  const target = context.key === undefined ? context.resource : `${context.resource} "${context.key}"`;
  const status = [statusCode, code].filter((part) => part !== undefined).join(' ');
  const message = `${context.operation} on ${target} failed${status ? ` (${status})` : ''}: ${detail} ${HINTS[kind]}`;
  return new StorageError(message, {
    kind,
    ...(statusCode !== undefined ? { statusCode } : {}),
    ...(code !== undefined ? { code } : {}),
    context,
    cause: error,
  });
}

// Service messages carry the request id and time on following lines; the first line is the useful part.
function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}...` : line;
}
