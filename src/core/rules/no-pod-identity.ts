// no-pod-identity: the deprecated AAD pod identity add-on must be off. Workload identity replaces it.
import { isObject, type JsonObject } from '../cluster-body.js';
import type { ClusterSnapshot, RemovedPodIdentity, RemovedPodIdentityException, StepRemovals } from '../types.js';
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
      description:
        '`PUT <clusterId>` with `podIdentityProfile` replaced by `{ "enabled": false }`: its pod identities, exceptions and `allowNetworkPluginKubenet` are dropped, as `az aks update --disable-pod-identity` does. The step lists what it removes (`removes`).',
      // Azure CLI aks-preview _podidentity.py (_update_addon_pod_identity): disabling replaces the profile with one
      // that has only enabled=false, dropping the identities and exceptions; what the pods got through them goes.
      disrupts: 'Removes every pod identity and exception from the cluster (listed in the step): pods that got Azure tokens through AAD pod identity stop getting them, until they use workload identity.',
    },
  ],
  check: checkNoPodIdentity,
});

/**
 * The profile as `az aks update --disable-pod-identity` sends it, as a merge patch: `enabled: false`, and every other
 * member the cluster has set to null (removed), so the PUT carries exactly `{ "enabled": false }`.
 */
function disablePatch(profile: JsonObject): JsonObject {
  const patch: JsonObject = Object.fromEntries(Object.keys(profile).filter((key) => key !== 'enabled').map((key) => [key, null]));
  return { properties: { podIdentityProfile: { ...patch, enabled: false } } };
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const entries = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** The pod identities and exceptions the profile holds: what disabling removes, for the record. */
function removals(profile: JsonObject): StepRemovals {
  const podIdentities = entries(profile.userAssignedIdentities).map((entry): RemovedPodIdentity => {
    const identity = isObject(entry.identity) ? entry.identity : {};
    return { name: text(entry.name) ?? '', namespace: text(entry.namespace) ?? '', identityResourceId: text(identity.resourceId), clientId: text(identity.clientId) };
  });
  const podIdentityExceptions = entries(profile.userAssignedIdentityExceptions).map((entry): RemovedPodIdentityException => {
    const labels = isObject(entry.podLabels) ? entry.podLabels : {};
    const podLabels = Object.fromEntries(Object.entries(labels).filter((pair): pair is [string, string] => typeof pair[1] === 'string'));
    return { name: text(entry.name) ?? '', namespace: text(entry.namespace) ?? '', podLabels };
  });
  return { podIdentities, podIdentityExceptions };
}

function checkNoPodIdentity(snapshot: ClusterSnapshot): RuleOutcome<'disable-pod-identity'> {
  const ruleId = NO_POD_IDENTITY_RULE_ID;
  const expected = { podIdentityProfile: { enabled: false } };
  const observed = { podIdentityProfile: { enabled: snapshot.podIdentityEnabled } };
  if (!snapshot.podIdentityEnabled) {
    return outcome({ ruleId, status: 'Compliant', reason: 'PodIdentityDisabled', message: 'AAD pod identity is off.', expected, observed });
  }
  const properties = isObject(snapshot.body.properties) ? snapshot.body.properties : {};
  const profile = isObject(properties.podIdentityProfile) ? properties.podIdentityProfile : {};
  const removes = removals(profile);
  const listed = `${removes.podIdentities.length} pod ${removes.podIdentities.length === 1 ? 'identity' : 'identities'} and ${removes.podIdentityExceptions.length} ${removes.podIdentityExceptions.length === 1 ? 'exception' : 'exceptions'}`;
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
      description: `Turn off AAD pod identity (properties.podIdentityProfile becomes { enabled: false }, removing its ${listed}), after workload identity is on.`,
      clusterPatch: disablePatch(profile),
      removes,
    },
  );
}
