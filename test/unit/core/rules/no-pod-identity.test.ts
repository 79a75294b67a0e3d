// no-pod-identity: the deprecated AAD pod identity add-on must be off.
import { describe, expect, test } from '@jest/globals';
import { evaluateInput, resultOf, type RuleCase } from '../../../support/builders.js';

const cases: RuleCase[] = [
  { name: 'pod identity off', ruleId: 'no-pod-identity', status: 'Compliant', reason: 'PodIdentityDisabled' },
  { name: 'pod identity on', cluster: { podIdentity: true }, ruleId: 'no-pod-identity', status: 'NonCompliant', reason: 'PodIdentityEnabled', message: /workload identity/ },
];

describe('rule results', () => {
  test.each(cases)('$name -> $ruleId $status $reason', (c) => {
    const result = resultOf(evaluateInput(c), c.ruleId);

    expect(result.status).toBe(c.status);
    expect(result.reason).toBe(c.reason);
    expect(result.message).not.toBe('');
    // A case without a message pattern accepts any message (no conditional expect).
    expect(result.message).toMatch(c.message ?? /./);
  });
});
