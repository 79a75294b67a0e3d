// The one place that turns an ARM failure into something a caller can branch on. Callers switch on `kind`,
// never on status codes. Retries already happened in the SDK pipeline by the time an error reaches here.
import { isRestError } from '@azure/core-rest-pipeline';

export const ARM_FAILURE_KINDS = ['not-found', 'conflict', 'precondition', 'busy', 'throttled', 'transient', 'permanent'] as const;
export type ArmFailureKind = (typeof ARM_FAILURE_KINDS)[number];

export interface ArmFailure {
  kind: ArmFailureKind;
  /** The ARM error code (e.g. `ResourceNotFound`, `OperationNotAllowed`), or a code of ours when ARM gave none. */
  code: string;
  /** Names the resource and the code; safe to log (ARM error messages carry no secrets, we add none). */
  message: string;
  statusCode?: number;
}

/** True for failures that say "not now" rather than "no": the same step may succeed later, unchanged. */
export function isTryLater(failure: ArmFailure): boolean {
  return failure.kind === 'busy' || failure.kind === 'throttled' || failure.kind === 'transient';
}

const LRO_FAILED = /^The long-running operation has failed\.\s*([^.\s]+)\.\s*([\s\S]*)$/;
const BUSY_MESSAGE = /another operation.*in progress|operation is in progress|in progress .*operation|currently (being )?(updated|upgraded|provisioned)/i;
const BUSY_CODES = new Set(['operationnotallowed', 'anotheroperationinprogress', 'conflictingoperationinprogress', 'operationinprogress']);
const SYSTEM_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

export function classifyArmError(error: unknown, resourceId: string): ArmFailure {
  if (isRestError(error)) {
    const statusCode = error.statusCode;
    const code = error.code ?? (statusCode === undefined ? 'ConnectionFailed' : `Http${statusCode}`);
    const detail = error.message;
    if (statusCode === undefined) return failure('transient', code, resourceId, detail);
    if (statusCode === 404) return failure('not-found', code, resourceId, detail, statusCode);
    if (statusCode === 409) return failure(isBusy(code, detail) ? 'busy' : 'conflict', code, resourceId, detail, statusCode);
    if (statusCode === 412) return failure('precondition', code, resourceId, detail, statusCode);
    if (statusCode === 429) return failure('throttled', code, resourceId, detail, statusCode);
    if (statusCode === 408 || (statusCode >= 500 && statusCode !== 501 && statusCode !== 505)) {
      return failure('transient', code, resourceId, detail, statusCode);
    }
    return failure('permanent', code, resourceId, detail, statusCode);
  }

  if (error instanceof Error) {
    const lro = LRO_FAILED.exec(error.message);
    if (lro) {
      const code = lro[1] ?? 'OperationFailed';
      const detail = lro[2] ?? error.message;
      return failure(isBusy(code, detail) ? 'busy' : 'permanent', code, resourceId, `the operation failed: ${detail}`);
    }
    if (error.message.startsWith('The long-running operation has failed')) {
      return failure('permanent', 'OperationFailed', resourceId, 'the operation failed without an error body');
    }
    const systemCode = (error as NodeJS.ErrnoException).code;
    if (systemCode !== undefined && SYSTEM_ERRORS.has(systemCode)) return failure('transient', systemCode, resourceId, error.message);
    if (error.name === 'AbortError') return failure('transient', 'Cancelled', resourceId, 'the request was cancelled');
    // e.g. CredentialUnavailableError, AuthenticationError from @azure/identity: the name is the useful code.
    return failure('permanent', error.name && error.name !== 'Error' ? error.name : 'Unexpected', resourceId, error.message);
  }
  return failure('permanent', 'Unexpected', resourceId, String(error));
}

/** The failure a caller reports when it refuses to write because the resource is mid-operation. */
export function busyFailure(resourceId: string, provisioningState: string | undefined): ArmFailure {
  return failure('busy', 'ResourceNotReady', resourceId, `provisioningState is ${provisioningState ?? 'unknown'}: an operation is running; try later`);
}

function isBusy(code: string, message: string): boolean {
  return BUSY_CODES.has(code.toLowerCase()) || BUSY_MESSAGE.test(message);
}

function failure(kind: ArmFailureKind, code: string, resourceId: string, detail: string, statusCode?: number): ArmFailure {
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

/** Thrown by services when an ARM call they cannot do without fails; carries the classified failure. */
export class ArmError extends Error {
  override name = 'ArmError';
  readonly failure: ArmFailure;

  constructor(failure: ArmFailure) {
    super(failure.message);
    this.failure = failure;
  }
}
