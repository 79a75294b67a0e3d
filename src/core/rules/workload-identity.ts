// workload-identity: workload identity needs the OIDC issuer; both must be on. Workload identity without the issuer
// is drift too (pods cannot exchange their tokens).
import type { ClusterSnapshot } from '../types.js';
import { defineClusterRule, outcome, type RuleOutcome } from './rule.js';

export const WORKLOAD_IDENTITY_RULE_ID = 'workload-identity';

const OIDC_ISSUER_DISRUPTION = 'Turning the OIDC issuer on restarts the API server (brief control-plane downtime), and it cannot be turned off again. Nothing when the issuer is already on.';

export const workloadIdentityRule = defineClusterRule({
  id: WORKLOAD_IDENTITY_RULE_ID,
  key: 'workloadIdentity',
  title: 'workload identity and the OIDC issuer it needs are both on.',
  settings: {},
  actions: [
    {
      name: 'enable-workload-identity',
      target: 'cluster',
      // The identity switch goes first, as it always has: every later cluster PUT then carries the managed identity.
      after: ['enable-managed-identity'],
      description: '`PUT <clusterId>` with `oidcIssuerProfile.enabled` and `securityProfile.workloadIdentity.enabled` both true.',
      // AKS docs use-oidc-issuer.md (ms.date 10/16/2025), limitations: enabling the issuer on an existing cluster
      // restarts the API server, and it cannot be disabled afterwards.
      disrupts: OIDC_ISSUER_DISRUPTION,
    },
  ],
  check: checkWorkloadIdentity,
});

function checkWorkloadIdentity(snapshot: ClusterSnapshot): RuleOutcome<'enable-workload-identity'> {
  const ruleId = WORKLOAD_IDENTITY_RULE_ID;
  const expected = { oidcIssuerEnabled: true, workloadIdentityEnabled: true };
  const observed = { oidcIssuerEnabled: snapshot.oidcIssuerEnabled, workloadIdentityEnabled: snapshot.workloadIdentityEnabled };
  if (snapshot.oidcIssuerEnabled && snapshot.workloadIdentityEnabled) {
    return outcome({ ruleId, status: 'Compliant', reason: 'WorkloadIdentityEnabled', message: 'Workload identity and the OIDC issuer are on.', expected, observed });
  }
  const remediation = {
    action: 'enable-workload-identity' as const,
    description: 'Turn on the OIDC issuer and workload identity in one cluster update.',
    clusterPatch: { properties: { oidcIssuerProfile: { enabled: true }, securityProfile: { workloadIdentity: { enabled: true } } } },
    // Only turning the issuer on restarts the API server.
    disrupts: snapshot.oidcIssuerEnabled ? null : 'Turns the OIDC issuer on, which restarts the API server (brief control-plane downtime); it cannot be turned off again.',
  };
  if (snapshot.workloadIdentityEnabled) {
    return outcome(
      { ruleId, status: 'NonCompliant', reason: 'OidcIssuerDisabled', message: 'Workload identity is on but the OIDC issuer it needs is off.', expected, observed },
      remediation,
    );
  }
  const issuer = snapshot.oidcIssuerEnabled ? 'the OIDC issuer is on' : 'the OIDC issuer is off too';
  return outcome(
    { ruleId, status: 'NonCompliant', reason: 'WorkloadIdentityDisabled', message: `Workload identity is off (${issuer}).`, expected, observed },
    remediation,
  );
}
