// The rule registry: which rules a baseline turns on, and in which order.
import { describe, expect, test } from '@jest/globals';
import { evaluateInput, FLUX } from '../../../support/builders.js';

describe('rule results', () => {
  test('turns on only the rules the baseline names, in a fixed order', () => {
    const evaluation = evaluateInput({ baseline: { requiredExtensions: [FLUX], rules: { workloadIdentity: { mode: 'auto' }, managedIdentity: { mode: 'audit' } } } });

    expect(evaluation.results.map((r) => r.ruleId)).toStrictEqual(['managed-identity', 'workload-identity', 'required-extension/flux']);
  });
});
