// continuationOf: the work item a worker enqueues to evaluate a cluster again once a started write has had time.
import { describe, expect, test } from '@jest/globals';
import { continuationOf } from '../../../src/pipeline/worker.js';
import type { EvaluationWorkItem } from '../../../src/ports.js';
import { CLUSTER_ID } from '../../support/builders.js';

const NOW = new Date('2026-01-15T12:00:25.000Z');

const ITEM: EvaluationWorkItem = {
  clusterId: CLUSTER_ID,
  cause: { kind: 'http', id: 'req-1', correlationId: 'corr-1', caller: 'Ops Engineer (9f0c1d2e)' },
  enqueuedAt: '2026-01-15T12:00:00.000Z',
  approvals: ['managed-identity:enable-managed-identity'],
  attempt: 2,
};

describe('continuationOf', () => {
  test('continues the same cluster with the cause kept but marked continuation, enqueued now, one attempt further', () => {
    const next = continuationOf(ITEM, NOW);

    expect(next).toStrictEqual({
      clusterId: CLUSTER_ID,
      cause: { kind: 'continuation', id: 'req-1', correlationId: 'corr-1', caller: 'Ops Engineer (9f0c1d2e)' },
      enqueuedAt: '2026-01-15T12:00:25.000Z',
      approvals: ['managed-identity:enable-managed-identity'],
      attempt: 3,
    });
  });

  test('counts the first continuation as attempt 1 when the item has no attempt yet', () => {
    const { attempt: _attempt, ...first } = ITEM;

    expect(continuationOf(first, NOW).attempt).toBe(1);
    expect(continuationOf({ ...ITEM, attempt: 0 }, NOW).attempt).toBe(1);
  });

  test('keeps approvals as a copy, so the chain carries them without sharing the list', () => {
    const next = continuationOf(ITEM, NOW);

    expect(next.approvals).toStrictEqual(ITEM.approvals);
    expect(next.approvals).not.toBe(ITEM.approvals);
  });

  test('leaves approvals out when there are none', () => {
    const { approvals: _approvals, ...withoutApprovals } = ITEM;

    expect(continuationOf(withoutApprovals, NOW)).not.toHaveProperty('approvals');
    expect(continuationOf({ ...ITEM, approvals: [] }, NOW)).not.toHaveProperty('approvals');
  });

  test('does not change the item it continues', () => {
    const before = structuredClone(ITEM);

    continuationOf(ITEM, NOW);

    expect(ITEM).toStrictEqual(before);
  });

  test('a continuation of a continuation stays a continuation of the original cause', () => {
    const second = continuationOf(continuationOf(ITEM, NOW), new Date('2026-01-15T12:00:50.000Z'));

    expect(second).toMatchObject({ cause: { kind: 'continuation', id: 'req-1', correlationId: 'corr-1' }, enqueuedAt: '2026-01-15T12:00:50.000Z', attempt: 4 });
  });
});
