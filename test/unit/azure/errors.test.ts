// ARM and Storage failures sorted into what a caller can act on (one list of kinds, one answer to "retry?"),
// and wrapped with the resource, table or key named.
import { describe, expect, test } from '@jest/globals';
import { RestError } from '@azure/core-rest-pipeline';
import {
  ArmError,
  FAILURE_KINDS,
  StorageError,
  busyFailure,
  classifyArmError,
  classifyStorageError,
  failureKindOf,
  isConnectionFailure,
  isMissingEntity,
  isRetryable,
  refusedFailure,
  toStorageError,
} from '../../../src/azure/errors.js';

const CLUSTER = '/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks';

describe('isRetryable', () => {
  test('says "try again later" for busy, throttled and transient failures only', () => {
    expect(FAILURE_KINDS.filter(isRetryable)).toStrictEqual(['busy', 'throttled', 'transient']);
  });

  test('reads the kind of what the adapters throw, and nothing else', () => {
    const arm = new ArmError(busyFailure(CLUSTER, 'Updating'));
    const storage = toStorageError(new RestError('slow', { statusCode: 503 }), { resource: 'ClusterState', operation: 'read' });

    expect(failureKindOf(arm)).toBe('busy');
    expect(failureKindOf(storage)).toBe('transient');
    expect(failureKindOf(new Error('plain'))).toBeUndefined();
    expect(failureKindOf('text')).toBeUndefined();
  });
});

describe('classifyArmError', () => {
  const rest = (statusCode: number | undefined, code?: string, message = 'boom'): RestError =>
    new RestError(message, { ...(statusCode ? { statusCode } : {}), ...(code ? { code } : {}) });

  const cases: [string, unknown, string, string][] = [
    ['404', rest(404, 'ResourceNotFound'), 'not-found', 'ResourceNotFound'],
    ['409 operation in progress', rest(409, 'OperationNotAllowed'), 'busy', 'OperationNotAllowed'],
    ['409 other', rest(409, 'Conflict', 'the name is taken'), 'conflict', 'Conflict'],
    ['412', rest(412, 'PreconditionFailed'), 'precondition', 'PreconditionFailed'],
    ['429', rest(429, 'TooManyRequests'), 'throttled', 'TooManyRequests'],
    ['503', rest(503), 'transient', 'Http503'],
    ['501', rest(501), 'permanent', 'Http501'],
    ['403', rest(403, 'AuthorizationFailed'), 'permanent', 'AuthorizationFailed'],
    ['a reset connection', rest(undefined), 'transient', 'ConnectionFailed'],
    ['an LRO that failed', new Error('The long-running operation has failed. BadRequest. The value is wrong.'), 'permanent', 'BadRequest'],
    ['an LRO that failed busy', new Error('The long-running operation has failed. Conflict. Another operation is in progress.'), 'busy', 'Conflict'],
    ['an LRO with no body', new Error('The long-running operation has failed'), 'permanent', 'OperationFailed'],
    ['a socket error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'transient', 'ECONNRESET'],
    ['an abort', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'transient', 'Cancelled'],
    ['an identity error', Object.assign(new Error('no credential'), { name: 'CredentialUnavailableError' }), 'permanent', 'CredentialUnavailableError'],
    ['a thrown string', 'odd', 'permanent', 'Unexpected'],
  ];
  test.each(cases)('sorts %s', (_name, error, kind, code) => {
    const failure = classifyArmError(error, CLUSTER);

    expect(failure).toMatchObject({ kind, code });
    expect(failure.message.startsWith(`${CLUSTER}: ${code}`)).toBe(true);
  });

  test('passes an ArmError through with the failure it carries', () => {
    const failure = refusedFailure('MissingETag', CLUSTER, 'no eTag');

    expect(classifyArmError(new ArmError(failure), 'elsewhere')).toBe(failure);
    expect(failure).toStrictEqual({ kind: 'permanent', code: 'MissingETag', message: `${CLUSTER}: MissingETag: no eTag` });
  });

  test('counts a request without an HTTP answer as a connection failure', () => {
    expect(isConnectionFailure(rest(undefined))).toBe(true);
    expect(isConnectionFailure(rest(500))).toBe(false);
    expect(isConnectionFailure(new Error('x'))).toBe(false);
  });
});

describe('classifyStorageError', () => {
  const rest = (statusCode: number | undefined, code?: string): RestError => new RestError('boom', { ...(statusCode ? { statusCode } : {}), ...(code ? { code } : {}) });

  test('sorts Storage failures into what a caller can act on', () => {
    expect(classifyStorageError(rest(404))).toBe('not-found');
    expect(classifyStorageError(rest(409))).toBe('conflict');
    expect(classifyStorageError(rest(412))).toBe('conflict');
    expect([408, 429, 500, 503].map((status) => classifyStorageError(rest(status)))).toStrictEqual(['transient', 'transient', 'transient', 'transient']);
    expect(classifyStorageError(rest(undefined, 'ECONNRESET'))).toBe('transient');
    expect(classifyStorageError(rest(403))).toBe('permanent');
    expect(classifyStorageError(rest(400))).toBe('permanent');
    expect(classifyStorageError(new Error('not a rest error'))).toBe('permanent');
  });

  test('tells a missing entity from a missing table', () => {
    // Prepare
    const missingTable = new RestError('gone', { statusCode: 404 });
    missingTable.details = { errorCode: 'TableNotFound' };
    const missingRow = new RestError('gone', { statusCode: 404 });
    missingRow.details = { errorCode: 'ResourceNotFound' };

    // Act and assess
    expect(isMissingEntity(missingTable)).toBe(false);
    expect(isMissingEntity(rest(404, 'QueueNotFound'))).toBe(false);
    expect(isMissingEntity(missingRow)).toBe(true);
    expect(isMissingEntity(rest(409))).toBe(false);
  });

  test('wraps a failure with the table and key named, keeping the kind and the cause', () => {
    const cause = rest(403, 'AuthorizationPermissionMismatch');

    const error = toStorageError(cause, { resource: 'ClusterState', operation: 'read', key: 'pk, state' });

    expect(error).toBeInstanceOf(StorageError);
    expect(error.kind).toBe('permanent');
    expect(error.cause).toBe(cause);
    expect(error.message).toMatch(/^read on ClusterState "pk, state" failed \(403 AuthorizationPermissionMismatch\): boom/);
    // A StorageError is passed through, not wrapped again.
    expect(toStorageError(error, { resource: 'other', operation: 'x' })).toBe(error);
  });
});
