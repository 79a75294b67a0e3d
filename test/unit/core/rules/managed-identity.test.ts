// managed-identity: identity.type decides; a service principal client id only corroborates it.
import { describe, expect, test } from '@jest/globals';
import { evaluateInput, resultOf, type RuleCase } from '../../../support/builders.js';

const cases: RuleCase[] = [
  { name: 'system-assigned identity', ruleId: 'managed-identity', status: 'Compliant', reason: 'ManagedIdentityEnabled', message: /SystemAssigned managed identity\.$/ },
  { name: 'user-assigned identity', cluster: { identityType: 'UserAssigned' }, ruleId: 'managed-identity', status: 'Compliant', reason: 'ManagedIdentityEnabled' },
  { name: 'managed identity with a stale client id', cluster: { spClientId: 'c0ffee' }, ruleId: 'managed-identity', status: 'Compliant', reason: 'ManagedIdentityEnabled', message: /identity\.type decides/ },
  { name: 'service principal cluster', cluster: { identityType: null, spClientId: 'c0ffee' }, ruleId: 'managed-identity', status: 'NonCompliant', reason: 'ServicePrincipalCluster', message: /service principal c0ffee/ },
  { name: 'identity type None', cluster: { identityType: 'None', spClientId: null }, ruleId: 'managed-identity', status: 'NonCompliant', reason: 'ManagedIdentityMissing', message: /"None"/ },
  { name: 'client id msi without an identity block', cluster: { identityType: null, spClientId: 'msi' }, ruleId: 'managed-identity', status: 'Unknown', reason: 'IdentityInconclusive' },
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
