// What a rule is: a pure check of one snapshot that returns a result and, when the cluster drifted, the remediation
// that would fix it. The engine adds exemptions and exclusions; the planner turns remediations into ordered steps.
import type { JsonObject } from '../cluster-body.js';
import type { ArmChange, ClusterSnapshot, Mode, ProtectedSettingRef, RemediationAction, RuleResult } from '../types.js';

export interface Remediation {
  action: RemediationAction;
  description: string;
  /** Cluster-level fix: the fragment merged into the cluster body (the planner builds the PUT). */
  clusterPatch?: JsonObject;
  /** Extension-level fix: the exact request. */
  change?: ArmChange;
  protectedSettingRefs?: Record<string, ProtectedSettingRef>;
}

export interface RuleOutcome {
  result: RuleResult;
  /** Present only with a NonCompliant result that a change can fix. */
  remediation?: Remediation;
}

/** A rule as the engine runs it: bound to its baseline settings. */
export interface Rule {
  id: string;
  mode: Mode;
  check(snapshot: ClusterSnapshot): RuleOutcome;
}

export function outcome(result: RuleResult, remediation?: Remediation): RuleOutcome {
  return remediation ? { result, remediation } : { result };
}
