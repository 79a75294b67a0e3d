import { describe, expect, test } from '@jest/globals';
import { CLUSTER_STATUSES, isPassingStatus, recordedStatus, type ClusterStatus, type RuleOverride } from '../../../src/core/statuses.js';
import { RULE_STATUSES, type RuleStatus } from '../../../src/core/types.js';

const FAILED: RuleOverride = { ruleId: 'required-extension/flux', status: 'RemediationFailed', lastError: { code: 'Conflict', message: 'busy' } };

describe('recordedStatus', () => {
  const cases: [evaluated: RuleStatus, overrides: RuleOverride[], recorded: ClusterStatus][] = [
    ['NonCompliant', [], 'NonCompliant'],
    ['Compliant', [], 'Compliant'],
    ['Unknown', [], 'Unknown'],
    ['NonCompliant', [FAILED], 'RemediationFailed'],
    ['Unknown', [FAILED], 'RemediationFailed'],
    ['NonCompliant', [FAILED, { ...FAILED, ruleId: 'managed-identity' }], 'RemediationFailed'],
  ];
  test.each(cases)('evaluated %s with overrides %j is recorded as %s', (evaluated, overrides, recorded) => {
    expect(recordedStatus({ status: evaluated }, overrides)).toBe(recorded);
  });
});

describe('isPassingStatus', () => {
  const cases: [status: string, passing: boolean][] = [
    ['Compliant', true],
    ['NotApplicable', true],
    ['Exempt', true],
    ['NonCompliant', false],
    ['Unknown', false],
    ['RemediationFailed', false],
    ['Deleted', false],
    ['', false],
  ];
  test.each(cases)('%s -> %s', (status, passing) => {
    expect(isPassingStatus(status)).toBe(passing);
  });
});

describe('CLUSTER_STATUSES', () => {
  test('are the rule statuses, then what can happen to a cluster since it was evaluated', () => {
    expect(CLUSTER_STATUSES).toStrictEqual([...RULE_STATUSES, 'RemediationFailed', 'Deleted']);
  });
});
