// Fuzz tests of the queue message parser (issue 17): arbitrary and mutated messages, as objects, JSON text or base64,
// give a work item whose cluster id follows ARM's naming rules, or the typed InvalidWorkItemError (the worker
// dead-letters it), never another error.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { encodeWorkItem, InvalidWorkItemError, parseWorkItem } from '../../../../src/azure/storage/queue.js';
import { parseClusterId } from '../../../../src/core/resource-ids.js';
import type { EvaluationWorkItem } from '../../../../src/ports.js';
import { FUZZ, mutationsOf, oddText, textMutationsOf, thrownBy, expectNoneOr } from '../../../support/fuzz.js';

const ITEM: EvaluationWorkItem = {
  clusterId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks',
  cause: { kind: 'event', id: 'evt-1', correlationId: 'corr-1' },
  enqueuedAt: '2025-01-02T03:04:05.000Z',
  approvals: ['mi:enable-managed-identity'],
  attempt: 2,
};

function expectItemOrInvalid(body: unknown): void {
  let item: EvaluationWorkItem | undefined;
  expectNoneOr(thrownBy(() => (item = parseWorkItem(body))), InvalidWorkItemError);
  // A work item that was read names a cluster ARM could have.
  if (item) expect(() => parseClusterId(item?.clusterId ?? '')).not.toThrow();
}

describe('parseWorkItem under fuzzing', () => {
  test('arbitrary values and arbitrary text', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), fc.string({ unit: 'binary', maxLength: 200 }), (value, text) => {
        expectItemOrInvalid(value);
        expectItemOrInvalid(text);
        expectItemOrInvalid(Buffer.from(text).toString('base64'));
      }),
      FUZZ,
    );
  });

  test('mutated work items, as objects, JSON and base64', () => {
    fc.assert(
      fc.property(mutationsOf(ITEM), (mutated) => {
        expectItemOrInvalid(mutated);
        expectItemOrInvalid(JSON.stringify(mutated));
        expectItemOrInvalid(Buffer.from(JSON.stringify(mutated) ?? '').toString('base64'));
      }),
      FUZZ,
    );
  });

  test('mutated message text', () => {
    fc.assert(
      fc.property(textMutationsOf(JSON.stringify(ITEM)), textMutationsOf(encodeWorkItem(ITEM)), (json, base64) => {
        expectItemOrInvalid(json);
        expectItemOrInvalid(base64);
      }),
      FUZZ,
    );
  });

  test('odd cluster names', () => {
    fc.assert(
      fc.property(oddText, (name) => expectItemOrInvalid({ ...ITEM, clusterId: ITEM.clusterId.replace(/aks$/, name) })),
      FUZZ,
    );
  });
});
