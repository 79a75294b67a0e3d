// managed-identity: the cluster runs as a managed identity. `identity.type` decides; a service principal client id of
// "msi" only corroborates it. Cluster extensions do not work on service principal clusters.
import type { ClusterSnapshot } from '../types.js';
import { defineClusterRule, outcome, type RuleOutcome } from './rule.js';

export const MANAGED_IDENTITY_RULE_ID = 'managed-identity';
const MANAGED_TYPES = ['systemassigned', 'userassigned'];

export const managedIdentityRule = defineClusterRule({
  id: MANAGED_IDENTITY_RULE_ID,
  key: 'managedIdentity',
  title: 'the cluster uses a system- or user-assigned managed identity, not a service principal.',
  settings: {},
  actions: [
    {
      name: 'enable-managed-identity',
      target: 'cluster',
      after: [],
      description:
        '`PUT <clusterId>`: the cluster as read, without read-only fields, with `identity: { type: "SystemAssigned" }` (what `az aks update --enable-managed-identity` sends).',
      // AKS docs system-assigned-managed-identity.md (ms.date 06/07/2024): the switch reimages every node (cordon,
      // drain, reimage) so kubelet uses the identity at once, and cannot be undone. user-assigned-managed-identity.md:
      // with a user-assigned identity, kubelet keeps the service principal until a node image upgrade, which reimages.
      disrupts:
        'Reimages every node (cordon, drain, reimage) so kubelet uses the new system-assigned identity: workloads are rescheduled, expect downtime. It cannot be undone. (A user-assigned identity would instead wait for a node image upgrade, which reimages the nodes then.) Run `az aks update --attach-acr` again afterwards if the cluster pulls from ACR.',
    },
  ],
  check: checkManagedIdentity,
});

function checkManagedIdentity(snapshot: ClusterSnapshot): RuleOutcome<'enable-managed-identity'> {
  const ruleId = MANAGED_IDENTITY_RULE_ID;
  const type = snapshot.identityType;
  const clientId = snapshot.servicePrincipalClientId;
  const observed = { identityType: type ?? null, servicePrincipalClientId: clientId ?? null };
  const expected = { identityType: 'SystemAssigned or UserAssigned' };

  if (type && MANAGED_TYPES.includes(type.toLowerCase())) {
    const corroboration = clientId === undefined || clientId.toLowerCase() === 'msi' ? '' : ` (servicePrincipalProfile.clientId is "${clientId}", not "msi"; identity.type decides)`;
    return outcome({ ruleId, status: 'Compliant', reason: 'ManagedIdentityEnabled', message: `The cluster uses a ${type} managed identity${corroboration}.`, expected, observed });
  }
  if (clientId?.toLowerCase() === 'msi') {
    return outcome({
      ruleId,
      status: 'Unknown',
      reason: 'IdentityInconclusive',
      message: 'servicePrincipalProfile.clientId is "msi" but the body has no managed identity type; re-read the cluster from ARM.',
      expected,
      observed,
    });
  }
  const remediation = {
    action: 'enable-managed-identity' as const,
    description: 'Switch the cluster to a system-assigned managed identity (PUT with identity.type SystemAssigned, as az aks update --enable-managed-identity does).',
    clusterPatch: { identity: { type: 'SystemAssigned' } },
  };
  if (clientId) {
    return outcome(
      { ruleId, status: 'NonCompliant', reason: 'ServicePrincipalCluster', message: `The cluster runs as service principal ${clientId}; it must use a managed identity.`, expected, observed },
      remediation,
    );
  }
  return outcome(
    { ruleId, status: 'NonCompliant', reason: 'ManagedIdentityMissing', message: `The cluster has no managed identity (identity.type is ${type ? `"${type}"` : 'missing'}).`, expected, observed },
    remediation,
  );
}
