// The one place that says what a failed ARM or Storage call means, and whether trying again later can help.
// Every adapter turns what the SDKs throw into one of these kinds (ArmError carries an ArmFailure, StorageError a
// kind); everything above the adapters branches on the kind, never on status codes, error names or messages.
// Retries themselves belong to the SDK pipelines (configured in arm/clients.ts and storage/clients.ts): by the
// time an error reaches here they have already happened.
import { isRestError } from '@azure/core-rest-pipeline';

/**
 * not-found: the resource (or entity) is absent. conflict: ARM refused the write because of the resource's state,
 * or, in Storage, another writer got there first (409 exists, 412 ETag changed). precondition: ARM's If-Match
 * failed (the cluster changed since it was read). busy: the resource is mid-operation. throttled: 429 after the
 * SDK's retries. transient: 408/5xx/network after the SDK's retries. permanent: anything else (auth, bad request).
 */
export const FAILURE_KINDS = ['not-found', 'conflict', 'precondition', 'busy', 'throttled', 'transient', 'permanent'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** The kinds that mean "not now" rather than "no": the same call may succeed later, unchanged. Decided here, once. */
const RETRYABLE: ReadonlySet<FailureKind> = new Set(['busy', 'throttled', 'transient']);

export function isRetryable(kind: FailureKind): boolean {
  return RETRYABLE.has(kind);
}

/** The kind of a failure an adapter threw (ArmError or StorageError); undefined for anything else. */
export function failureKindOf(error: unknown): FailureKind | undefined {
  if (error instanceof ArmError) return error.failure.kind;
  if (error instanceof StorageError) return error.kind;
  return undefined;
}

// ---- ARM -------------------------------------------------------------------------------------------------------

export type ArmFailureKind = FailureKind;

export interface ArmFailure {
  kind: ArmFailureKind;
  /** The ARM error code (e.g. `ResourceNotFound`, `OperationNotAllowed`), or a code of ours when ARM gave none. */
  code: string;
  /** Names the resource and the code; safe to log (ARM error messages carry no secrets, we add none). */
  message: string;
  statusCode?: number;
}

const LRO_FAILED = /^The long-running operation has failed\.\s*([^.\s]+)\.\s*([\s\S]*)$/;
const BUSY_MESSAGE = /another operation.*in progress|operation is in progress|in progress .*operation|currently (being )?(updated|upgraded|provisioned)/i;
const BUSY_CODES = new Set(['operationnotallowed', 'anotheroperationinprogress', 'conflictingoperationinprogress', 'operationinprogress']);
const SYSTEM_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

export function classifyArmError(error: unknown, resourceId: string): ArmFailure {
  if (error instanceof ArmError) return error.failure;
  if (isRestError(error)) {
    const statusCode = error.statusCode;
    const code = error.code ?? (statusCode === undefined ? 'ConnectionFailed' : `Http${statusCode}`);
    const detail = error.message;
    if (statusCode === undefined) return armFailure('transient', code, resourceId, detail);
    if (statusCode === 404) return armFailure('not-found', code, resourceId, detail, statusCode);
    if (statusCode === 409) return armFailure(isBusyAnswer(code, detail) ? 'busy' : 'conflict', code, resourceId, detail, statusCode);
    if (statusCode === 412) return armFailure('precondition', code, resourceId, detail, statusCode);
    if (statusCode === 429) return armFailure('throttled', code, resourceId, detail, statusCode);
    if (statusCode === 408 || (statusCode >= 500 && statusCode !== 501 && statusCode !== 505)) {
      return armFailure('transient', code, resourceId, detail, statusCode);
    }
    return armFailure('permanent', code, resourceId, detail, statusCode);
  }

  if (error instanceof Error) {
    const lro = LRO_FAILED.exec(error.message);
    if (lro) {
      const code = lro[1] ?? 'OperationFailed';
      const detail = lro[2] ?? error.message;
      return armFailure(isBusyAnswer(code, detail) ? 'busy' : 'permanent', code, resourceId, `the operation failed: ${detail}`);
    }
    if (error.message.startsWith('The long-running operation has failed')) {
      return armFailure('permanent', 'OperationFailed', resourceId, 'the operation failed without an error body');
    }
    const systemCode = (error as NodeJS.ErrnoException).code;
    if (systemCode !== undefined && SYSTEM_ERRORS.has(systemCode)) return armFailure('transient', systemCode, resourceId, error.message);
    if (error.name === 'AbortError') return armFailure('transient', 'Cancelled', resourceId, 'the request was cancelled');
    // e.g. CredentialUnavailableError, AuthenticationError from @azure/identity: the name is the useful code.
    return armFailure('permanent', error.name && error.name !== 'Error' ? error.name : 'Unexpected', resourceId, error.message);
  }
  return armFailure('permanent', 'Unexpected', resourceId, String(error));
}

/** The failure reported when a write is not sent because the resource is mid-operation. */
export function busyFailure(resourceId: string, provisioningState: string | undefined): ArmFailure {
  return armFailure('busy', 'ResourceNotReady', resourceId, `provisioningState is ${provisioningState ?? 'unknown'}: an operation is running; try later`);
}

/**
 * An operation ARM accepted that ended Failed or Canceled, from its status resource (ARM's async operation contract:
 * `status` and `error.code` / `error.message`). Permanent: the same write would fail the same way; whether to try
 * again is the attempt limit's call.
 */
export function operationFailure(resourceId: string, status: string, error: { code?: unknown; message?: unknown } | undefined): ArmFailure {
  const code = typeof error?.code === 'string' && error.code.length > 0 ? error.code : `Operation${status}`;
  const detail = typeof error?.message === 'string' && error.message.length > 0 ? error.message : `the operation ended ${status} without an error body`;
  return armFailure('permanent', code, resourceId, `the operation ended ${status}: ${detail}`);
}

/** A failure decided without ARM (a missing eTag, an unresolvable protected setting): permanent, with our code. */
export function refusedFailure(code: string, resourceId: string, detail: string): ArmFailure {
  return { kind: 'permanent', code, message: `${resourceId}: ${code}: ${detail}` };
}

/** True when a request never got an HTTP answer (reset, refused, timed out): what the pacing policy counts. */
export function isConnectionFailure(error: unknown): boolean {
  return isRestError(error) && error.statusCode === undefined;
}

function isBusyAnswer(code: string, message: string): boolean {
  return BUSY_CODES.has(code.toLowerCase()) || BUSY_MESSAGE.test(message);
}

function armFailure(kind: ArmFailureKind, code: string, resourceId: string, detail: string, statusCode?: number): ArmFailure {
  const status = statusCode === undefined ? '' : ` (HTTP ${statusCode})`;
  return {
    kind,
    code,
    message: `${resourceId}: ${code}${status}: ${oneLine(detail)}`,
    ...(statusCode === undefined ? {} : { statusCode }),
  };
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 497)}...` : flat;
}

/** Thrown by the ARM adapters when a call fails; carries the classified failure. */
export class ArmError extends Error {
  override name = 'ArmError';
  readonly failure: ArmFailure;

  constructor(failure: ArmFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

// ---- Storage ---------------------------------------------------------------------------------------------------

/** The kinds a Storage call can fail with: a 409 and a 412 both mean another writer got there first (conflict). */
export type StorageErrorKind = Extract<FailureKind, 'not-found' | 'conflict' | 'transient' | 'permanent'>;

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
