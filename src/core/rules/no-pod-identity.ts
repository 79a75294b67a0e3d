// no-pod-identity: the deprecated AAD pod identity add-on must be off. Workload identity replaces it.
import type { ClusterSnapshot } from '../types.js';
import { defineClusterRule, outcome, type RuleOutcome } from './rule.js';

export const NO_POD_IDENTITY_RULE_ID = 'no-pod-identity';

export const noPodIdentityRule = defineClusterRule({
  id: NO_POD_IDENTITY_RULE_ID,
  key: 'podIdentityDisabled',
  title: 'the deprecated AAD pod identity add-on is off (workload identity replaces it).',
  settings: {},
  actions: [
    {
      name: 'disable-pod-identity',
      target: 'cluster',
      // Its replacement first: workloads move to workload identity before pod identity goes.
      after: ['enable-workload-identity'],
      description: '`PUT <clusterId>` with `podIdentityProfile.enabled: false`.',
    },
  ],
  check: checkNoPodIdentity,
});

function checkNoPodIdentity(snapshot: ClusterSnapshot): RuleOutcome<'disable-pod-identity'> {
  const ruleId = NO_POD_IDENTITY_RULE_ID;
  const expected = { podIdentityProfile: { enabled: false } };
  const observed = { podIdentityProfile: { enabled: snapshot.podIdentityEnabled } };
  if (!snapshot.podIdentityEnabled) {
    return outcome({ ruleId, status: 'Compliant', reason: 'PodIdentityDisabled', message: 'AAD pod identity is off.', expected, observed });
  }
  return outcome(
    {
      ruleId,
      status: 'NonCompliant',
      reason: 'PodIdentityEnabled',
      message: 'AAD pod identity is on; it is deprecated: move workloads to workload identity, then turn pod identity off.',
      expected,
      observed,
    },
    {
      action: 'disable-pod-identity',
      description: 'Turn off AAD pod identity (properties.podIdentityProfile.enabled = false), after workload identity is on.',
      clusterPatch: { properties: { podIdentityProfile: { enabled: false } } },
    },
  );
}
