// workload-identity: workload identity and the OIDC issuer it needs must both be on.
import { describe, expect, test } from '@jest/globals';
import { evaluateInput, resultOf, type RuleCase } from '../../../support/builders.js';

const cases: RuleCase[] = [
  { name: 'workload identity and issuer on', ruleId: 'workload-identity', status: 'Compliant', reason: 'WorkloadIdentityEnabled' },
  { name: 'workload identity without the issuer', cluster: { oidc: false }, ruleId: 'workload-identity', status: 'NonCompliant', reason: 'OidcIssuerDisabled' },
  { name: 'issuer without workload identity', cluster: { workloadIdentity: false }, ruleId: 'workload-identity', status: 'NonCompliant', reason: 'WorkloadIdentityDisabled', message: /issuer is on/ },
  { name: 'both off', cluster: { workloadIdentity: false, oidc: false }, ruleId: 'workload-identity', status: 'NonCompliant', reason: 'WorkloadIdentityDisabled', message: /issuer is off too/ },
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
