// A cluster's status as recorded, and how it is derived from an evaluation: the one place that decides that
// RemediationFailed outranks the evaluated status.
import { RULE_STATUSES, type Evaluation, type RuleStatus } from './types.js';

/** A cluster's overall status as recorded: an evaluation outcome, or what happened to it since. */
export const CLUSTER_STATUSES = [...RULE_STATUSES, 'RemediationFailed', 'Deleted'] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

/** A rule's status as recorded: the evaluated status, or RemediationFailed once the attempt limit is reached. */
export type RecordedRuleStatus = RuleStatus | 'RemediationFailed';

/** A failure as recorded: a code to branch on and a message for a person. */
export interface ErrorInfo {
  code: string;
  message: string;
}

/** Record this rule as RemediationFailed (its fixes reached the attempt limit) instead of its evaluated status. */
export interface RuleOverride {
  ruleId: string;
  status: 'RemediationFailed';
  lastError: ErrorInfo;
}

const PASSING: ReadonlySet<string> = new Set<RuleStatus>(['Compliant', 'NotApplicable', 'Exempt']);

/** Whether a rule or cluster status needs nothing from anyone: Compliant, NotApplicable or Exempt. */
export function isPassingStatus(status: string): boolean {
  return PASSING.has(status);
}

/** The status to record for an evaluation: RemediationFailed outranks the evaluated one, as it is the one that needs a person. */
export function recordedStatus(evaluation: Pick<Evaluation, 'status'>, overrides: readonly RuleOverride[]): ClusterStatus {
  return overrides.some((override) => override.status === 'RemediationFailed') ? 'RemediationFailed' : evaluation.status;
}
