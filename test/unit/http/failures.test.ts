// What a route answers when its work throws: a problem chosen by the failure's kind, never with ARM's or Storage's text.
import { describe, expect, test } from '@jest/globals';
import { RestError } from '@azure/core-rest-pipeline';
import { ArmError, toStorageError } from '../../../src/azure/errors.js';
import { InvalidInputError } from '../../../src/core/index.js';
import { failureResult } from '../../../src/http/failures.js';
import { BadRequest, type ApiRequest } from '../../../src/http/request.js';

const CLUSTER = '/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks';

function request(): ApiRequest & { lines: string[] } {
  const lines: string[] = [];
  const log = (...args: unknown[]): void => void lines.push(args.map(String).join(' '));
  return { params: {}, query: new URLSearchParams(), requestId: 'request-1', log: { info: log, warn: log, error: log }, lines };
}

function answer(error: unknown): { status: number; detail: string; retryAfter: string | undefined; lines: string[] } {
  const req = request();
  const result = failureResult(error, req, 'remediate');
  return { status: result.status, detail: (result.jsonBody as { detail: string }).detail, retryAfter: result.headers?.['retry-after'], lines: req.lines };
}

describe('failureResult', () => {
  const arm = (kind: 'not-found' | 'busy' | 'permanent', code: string) => new ArmError({ kind, code, message: `${CLUSTER}: ${code}: ARM's own words` });

  const cases: [string, unknown, number, RegExp, string | undefined][] = [
    ['a bad request', new BadRequest(['body.dryRun: must be true or false']), 400, /^body\.dryRun: must be true or false$/, undefined],
    ['a cluster ARM does not have', arm('not-found', 'ResourceNotFound'), 404, /the cluster does not exist/, undefined],
    ['a busy cluster', arm('busy', 'OperationNotAllowed'), 503, /the resource is busy with another operation; retry later \(OperationNotAllowed\)/, '30'],
    ['a refusal', arm('permanent', 'AuthorizationFailed'), 502, /ARM refused the request \(AuthorizationFailed\)/, undefined],
    ['a body the engine cannot read', new InvalidInputError('properties: is not an object'), 502, /ARM returned a cluster the engine cannot read/, undefined],
    ['a store that is down', toStorageError(new RestError('down', { statusCode: 503 }), { resource: 'ClusterState', operation: 'read' }), 503, /the compliance store is unavailable/, '10'],
    ['anything else', new TypeError('x is undefined'), 500, /an internal error occurred \(request request-1\)/, undefined],
  ];
  test.each(cases)('answers %s with its own status and words', (_name, error, status, detail, retryAfter) => {
    const result = answer(error);

    expect([result.status, result.retryAfter]).toStrictEqual([status, retryAfter]);
    expect(result.detail).toMatch(detail);
    // ARM's own message is logged at most, never answered.
    expect(result.detail).not.toContain("ARM's own words");
  });

  test('logs what it does not answer', () => {
    expect(answer(arm('permanent', 'AuthorizationFailed')).lines).toStrictEqual([`remediate: ${CLUSTER}: AuthorizationFailed: ARM's own words`]);
  });
});
