// Evaluation work items as queue messages: parsing whatever the trigger hands over, and encoding for the queue.
import { describe, expect, test } from '@jest/globals';
import { InvalidWorkItemError, encodeWorkItem, parseWorkItem } from '../../../../src/azure/storage/queue.js';
import type { EvaluationWorkItem } from '../../../../src/ports.js';

const ITEM: EvaluationWorkItem = {
  clusterId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks',
  cause: { kind: 'event', id: 'evt-1', correlationId: 'corr-1' },
  enqueuedAt: '2025-01-02T03:04:05.000Z',
  approvals: ['mi:enable-managed-identity'],
  attempt: 2,
};

describe('parseWorkItem', () => {
  test('accepts the decoded object, a JSON string and base64 JSON alike', () => {
    expect(parseWorkItem(structuredClone(ITEM))).toStrictEqual(ITEM);
    expect(parseWorkItem(JSON.stringify(ITEM))).toStrictEqual(ITEM);
    expect(parseWorkItem(encodeWorkItem(ITEM))).toStrictEqual(ITEM);
    expect(parseWorkItem(Buffer.from(JSON.stringify(ITEM)))).toStrictEqual(ITEM);
  });

  test('encodes as base64 of the JSON, the Functions trigger default', () => {
    const encoded = encodeWorkItem(ITEM);

    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toStrictEqual(ITEM);
  });

  test('ignores unknown fields instead of passing them on', () => {
    expect(parseWorkItem({ ...ITEM, extra: true })).toStrictEqual(ITEM);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not JSON', 'hello there', /message is neither JSON nor base64-encoded JSON/],
    ['an array', [], /message must be a JSON object/],
    ['no clusterId', { ...ITEM, clusterId: undefined }, /"clusterId" must be a non-empty string/],
    ['blank clusterId', { ...ITEM, clusterId: '  ' }, /"clusterId" must be a non-empty string/],
    ['no cause', { ...ITEM, cause: 'event' }, /"cause" must be an object/],
    ['unknown cause kind', { ...ITEM, cause: { kind: 'cron', id: 'x' } }, /"cause.kind" must be one of event, sweep, http, cli, continuation, rollout, got "cron"/],
    ['empty cause id', { ...ITEM, cause: { kind: 'sweep', id: '' } }, /"cause.id" must be a non-empty string/],
    ['bad correlation id', { ...ITEM, cause: { kind: 'sweep', id: 'x', correlationId: 5 } }, /"cause.correlationId" must be a non-empty string/],
    ['bad date', { ...ITEM, enqueuedAt: 'yesterday' }, /"enqueuedAt" must be an ISO 8601 date/],
    // Issue 17: the id is checked against ARM's naming rules, the date against the calendar.
    ['a date that is not in the calendar', { ...ITEM, enqueuedAt: '2026-02-30T00:00:00Z' }, /"enqueuedAt" must be an ISO 8601 date/],
    ['a clusterId that is no cluster id', { ...ITEM, clusterId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg' }, /"clusterId" .*is not a managed cluster resource id/],
    ['a cluster named ..', { ...ITEM, clusterId: ITEM.clusterId.replace(/aks$/, '..') }, /"clusterId" .*managed cluster name "\.\." is not valid/],
    ['JSON nested 200,000 levels deep', `{"clusterId": ${'['.repeat(200_000)}`, /message nests deeper than 64 levels/],
    ['a cluster name of 100,000 characters', { ...ITEM, clusterId: ITEM.clusterId.replace(/aks$/, 'c'.repeat(100_000)) }, /"clusterId" .*managed cluster name/],
    ['approvals not a list', { ...ITEM, approvals: 'a' }, /"approvals" must be a list/],
    ['empty approval', { ...ITEM, approvals: ['a', ''] }, /"approvals\[1\]" must be a non-empty string/],
    ['negative attempt', { ...ITEM, attempt: -1 }, /"attempt" must be a whole number from 0, got -1/],
    ['fractional attempt', { ...ITEM, attempt: 1.5 }, /"attempt" must be a whole number/],
  ];
  test.each(bad)('rejects %s, naming the field', (_name, body, message) => {
    expect(() => parseWorkItem(body)).toThrow(InvalidWorkItemError);
    expect(() => parseWorkItem(body)).toThrow(message);
  });

  test('refuses a work item too large for one queue message', () => {
    const huge = { ...ITEM, approvals: Array.from({ length: 3000 }, (_, i) => `step-${i}-${'x'.repeat(10)}`) };

    expect(() => encodeWorkItem(huge)).toThrow(/at most 65536/);
  });
});
