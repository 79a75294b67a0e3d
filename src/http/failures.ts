// What a route answers when its work throws: a problem (RFC 9457) chosen by the failure's kind, never by error
// names or status codes, and never with ARM's or Storage's own text. Anything unexpected is a 500 with no internals.
import { ArmError, failureKindOf, isRetryable } from '../azure/errors.js';
import { InvalidInputError } from '../core/index.js';
import { RolloutConflict, RolloutNotFound } from '../pipeline/rollouts.js';
import { problem, type HttpResult } from './problem.js';
import { BadRequest, type ApiRequest } from './request.js';
import { describeFailure } from './views.js';

export function failureResult(error: unknown, request: ApiRequest, what: string): HttpResult {
  if (error instanceof BadRequest) return problem(400, error.problems.length === 1 ? (error.problems[0] as string) : `${error.problems.length} problems with the request`, { errors: error.problems });
  if (error instanceof RolloutNotFound) return problem(404, error.message);
  if (error instanceof RolloutConflict) return problem(409, error.message);
  if (error instanceof ArmError) {
    const { failure } = error;
    request.log.warn(`${what}: ${failure.message}`);
    if (failure.kind === 'not-found') return problem(404, `${what}: the cluster does not exist (or the app's identity cannot see it)`);
    if (isRetryable(failure.kind)) return problem(503, `${what}: ${describeFailure(failure, 'read')}`, { retryAfterSeconds: 30 });
    return problem(502, `${what}: ${describeFailure(failure, 'read')}`);
  }
  if (error instanceof InvalidInputError) {
    request.log.error(`${what}: ${error.message}`);
    return problem(502, `${what}: ARM returned a cluster the engine cannot read`);
  }
  const kind = failureKindOf(error);
  if (kind !== undefined && isRetryable(kind)) {
    request.log.error(`${what}: ${(error as Error).message}`);
    return problem(503, `${what}: the compliance store is unavailable; retry later`, { retryAfterSeconds: 10 });
  }
  request.log.error(`${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return problem(500, `${what}: an internal error occurred (request ${request.requestId})`);
}
