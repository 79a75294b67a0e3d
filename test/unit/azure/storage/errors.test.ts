// Storage failures sorted into what a caller can act on, and wrapped with the table and key named.
import { describe, expect, test } from '@jest/globals';
import { RestError } from '@azure/core-rest-pipeline';
import { StorageError, classifyStorageError, isMissingEntity, toStorageError } from '../../../../src/azure/storage/errors.js';

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
