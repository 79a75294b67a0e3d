// The rule registry: which rules a baseline turns on, in evaluation order. Adding a cluster rule is one file plus one
// entry here; extension rules come from the baseline's requiredExtensions.
import { CLUSTER_RULE_KEYS, type Baseline, type ClusterRuleKey } from '../baseline.js';
import type { ClusterSnapshot } from '../types.js';
import { checkManagedIdentity } from './managed-identity.js';
import { checkNoPodIdentity } from './no-pod-identity.js';
import { checkRequiredExtension, requiredExtensionRuleId } from './required-extension.js';
import type { Rule, RuleOutcome } from './rule.js';
import { checkWorkloadIdentity } from './workload-identity.js';

export type { Remediation, Rule, RuleOutcome } from './rule.js';
export { MANAGED_IDENTITY_RULE_ID } from './managed-identity.js';
export { NO_POD_IDENTITY_RULE_ID } from './no-pod-identity.js';
export { WORKLOAD_IDENTITY_RULE_ID } from './workload-identity.js';
export { requiredExtensionRuleId } from './required-extension.js';

/** Cluster rules by their key in the baseline's `rules`. */
export const CLUSTER_RULE_CHECKS: Record<ClusterRuleKey, (snapshot: ClusterSnapshot) => RuleOutcome> = {
  managedIdentity: checkManagedIdentity,
  podIdentityDisabled: checkNoPodIdentity,
  workloadIdentity: checkWorkloadIdentity,
};

/** The rules the baseline turns on: cluster rules first (in CLUSTER_RULE_KEYS order), then one per required extension. */
export function rulesFor(baseline: Pick<Baseline, 'rules' | 'requiredExtensions'>): Rule[] {
  const rules: Rule[] = [];
  for (const key of Object.keys(CLUSTER_RULE_KEYS) as ClusterRuleKey[]) {
    const setting = baseline.rules[key];
    if (setting) rules.push({ id: CLUSTER_RULE_KEYS[key], mode: setting.mode, check: CLUSTER_RULE_CHECKS[key] });
  }
  for (const spec of baseline.requiredExtensions) {
    rules.push({ id: requiredExtensionRuleId(spec), mode: spec.mode, check: (snapshot) => checkRequiredExtension(spec, snapshot) });
  }
  return rules;
}
