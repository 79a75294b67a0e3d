import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RestError } from '@azure/core-rest-pipeline';
import { InvalidWorkItemError, encodeWorkItem, parseWorkItem } from '../../../../src/azure/storage/queue.js';
import { StorageError, classifyStorageError, isMissingEntity, toStorageError } from '../../../../src/azure/storage/errors.js';
import { usesHttp } from '../../../../src/azure/storage/clients.js';
import type { EvaluationWorkItem } from '../../../../src/ports.js';

const ITEM: EvaluationWorkItem = {
  clusterId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks',
  cause: { kind: 'event', id: 'evt-1', correlationId: 'corr-1' },
  enqueuedAt: '2025-01-02T03:04:05.000Z',
  approvals: ['mi:enable-managed-identity'],
  attempt: 2,
};

describe('parseWorkItem', () => {
  it('accepts the decoded object, a JSON string and base64 JSON alike', () => {
    assert.deepEqual(parseWorkItem(structuredClone(ITEM)), ITEM);
    assert.deepEqual(parseWorkItem(JSON.stringify(ITEM)), ITEM);
    assert.deepEqual(parseWorkItem(encodeWorkItem(ITEM)), ITEM);
    assert.deepEqual(parseWorkItem(Buffer.from(JSON.stringify(ITEM))), ITEM);
  });

  it('encodes as base64 of the JSON, the Functions trigger default', () => {
    assert.deepEqual(JSON.parse(Buffer.from(encodeWorkItem(ITEM), 'base64').toString('utf8')), ITEM);
  });

  it('ignores unknown fields instead of passing them on', () => {
    assert.deepEqual(parseWorkItem({ ...ITEM, extra: true }), ITEM);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not JSON', 'hello there', /message is neither JSON nor base64-encoded JSON/],
    ['an array', [], /message must be a JSON object/],
    ['no clusterId', { ...ITEM, clusterId: undefined }, /"clusterId" must be a non-empty string/],
    ['blank clusterId', { ...ITEM, clusterId: '  ' }, /"clusterId" must be a non-empty string/],
    ['no cause', { ...ITEM, cause: 'event' }, /"cause" must be an object/],
    ['unknown cause kind', { ...ITEM, cause: { kind: 'cron', id: 'x' } }, /"cause.kind" must be one of event, sweep, http, cli, continuation, got "cron"/],
    ['empty cause id', { ...ITEM, cause: { kind: 'sweep', id: '' } }, /"cause.id" must be a non-empty string/],
    ['bad correlation id', { ...ITEM, cause: { kind: 'sweep', id: 'x', correlationId: 5 } }, /"cause.correlationId" must be a non-empty string/],
    ['bad date', { ...ITEM, enqueuedAt: 'yesterday' }, /"enqueuedAt" must be an ISO-8601 date-time string/],
    ['approvals not a list', { ...ITEM, approvals: 'a' }, /"approvals" must be a list/],
    ['empty approval', { ...ITEM, approvals: ['a', ''] }, /"approvals\[1\]" must be a non-empty string/],
    ['negative attempt', { ...ITEM, attempt: -1 }, /"attempt" must be a whole number from 0, got -1/],
    ['fractional attempt', { ...ITEM, attempt: 1.5 }, /"attempt" must be a whole number/],
  ];
  for (const [name, body, message] of bad) {
    it(`rejects ${name}, naming the field`, () => {
      assert.throws(() => parseWorkItem(body), (error: unknown) => error instanceof InvalidWorkItemError && message.test(error.message));
    });
  }

  it('refuses a work item too large for one queue message', () => {
    assert.throws(() => encodeWorkItem({ ...ITEM, approvals: Array.from({ length: 3000 }, (_, i) => `step-${i}-${'x'.repeat(10)}`) }), /at most 65536/);
  });
});

describe('classifyStorageError', () => {
  const rest = (statusCode: number | undefined, code?: string): RestError => new RestError('boom', { ...(statusCode ? { statusCode } : {}), ...(code ? { code } : {}) });

  it('sorts Storage failures into what a caller can act on', () => {
    assert.equal(classifyStorageError(rest(404)), 'not-found');
    assert.equal(classifyStorageError(rest(409)), 'conflict');
    assert.equal(classifyStorageError(rest(412)), 'conflict');
    for (const status of [408, 429, 500, 503]) assert.equal(classifyStorageError(rest(status)), 'transient');
    assert.equal(classifyStorageError(rest(undefined, 'ECONNRESET')), 'transient');
    assert.equal(classifyStorageError(rest(403)), 'permanent');
    assert.equal(classifyStorageError(rest(400)), 'permanent');
    assert.equal(classifyStorageError(new Error('not a rest error')), 'permanent');
  });

  it('tells a missing entity from a missing table', () => {
    const missingTable = new RestError('gone', { statusCode: 404 });
    missingTable.details = { errorCode: 'TableNotFound' };
    assert.equal(isMissingEntity(missingTable), false);
    assert.equal(isMissingEntity(rest(404, 'QueueNotFound')), false);
    const missingRow = new RestError('gone', { statusCode: 404 });
    missingRow.details = { errorCode: 'ResourceNotFound' };
    assert.equal(isMissingEntity(missingRow), true);
    assert.equal(isMissingEntity(rest(409)), false);
  });

  it('wraps a failure with the table and key named, keeping the kind and the cause', () => {
    const cause = rest(403, 'AuthorizationPermissionMismatch');
    const error = toStorageError(cause, { resource: 'ClusterState', operation: 'read', key: 'pk, state' });
    assert.ok(error instanceof StorageError);
    assert.equal(error.kind, 'permanent');
    assert.equal(error.cause, cause);
    assert.match(error.message, /^read on ClusterState "pk, state" failed \(403 AuthorizationPermissionMismatch\): boom/);
    assert.equal(toStorageError(error, { resource: 'other', operation: 'x' }), error);
  });
});

describe('usesHttp', () => {
  it('recognises emulator connection strings, which need allowInsecureConnection', () => {
    assert.equal(usesHttp('UseDevelopmentStorage=true'), true);
    assert.equal(usesHttp('DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;TableEndpoint=http://127.0.0.1:1/a;'), true);
    assert.equal(usesHttp('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.windows.net'), false);
    assert.equal(usesHttp('DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;TableEndpoint=https://a.table.core.windows.net'), false);
  });
});
