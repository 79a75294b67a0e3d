// What the routes send back: plan steps, step reports, results and records as a caller sees them. ARM and
// Storage error texts never reach a caller: a failure becomes its kind, ARM's code and a sentence of ours, and
// recorded errors are cut down to their code.
import type { ArmFailure, ArmFailureKind } from '../azure/errors.js';
import { isRetryable } from '../azure/errors.js';
import { planStepView, type RuleOverride, type RuleResult } from '../core/index.js';
import type { StepReport } from '../pipeline/evaluation.js';
import type { ClusterState, RemediationRecord } from '../ports.js';

const FAILURE_TEXT: Record<ArmFailureKind, string> = {
  'not-found': 'ARM reports that the resource does not exist',
  conflict: "ARM refused the request: it conflicts with the resource's current state",
  precondition: 'the cluster changed while the change was being made',
  busy: 'the resource is busy with another operation',
  throttled: 'ARM is throttling requests',
  transient: 'ARM failed or could not be reached',
  permanent: 'ARM refused the request',
};

/**
 * Our words for a classified ARM failure, with ARM's error code (never its message). For a write, the failures
 * that pass say so: the worker tries the change again.
 */
export function describeFailure(failure: Pick<ArmFailure, 'kind' | 'code'>, context: 'read' | 'write' = 'write'): string {
  const passes = isRetryable(failure.kind) || failure.kind === 'precondition';
  const next = passes ? (context === 'write' ? '; the change is tried again later' : '; retry later') : '';
  return `${FAILURE_TEXT[failure.kind]}${next} (${failure.code})`;
}

/** A plan step as an approver needs it: one view, shared with the CLI scan (core/planner.ts). */
export const stepView = planStepView;

export function reportView(report: StepReport) {
  return {
    stepId: report.step.id,
    ruleId: report.step.ruleId,
    action: report.step.action,
    mode: report.step.mode,
    outcome: report.outcome,
    ...(report.blockedBy ? { blockedBy: report.blockedBy } : {}),
    ...(report.step.disrupts ? { disrupts: report.step.disrupts } : {}),
    ...(report.error ? { reason: describeFailure(report.error), error: { kind: report.error.kind, code: report.error.code } } : report.reason ? { reason: report.reason } : {}),
    ...(report.operation?.correlationId ? { armCorrelationId: report.operation.correlationId } : {}),
  };
}

/** A rule's result; RemediationFailed (with only the code of the last error) when the run gave up on it. */
export function resultView(result: RuleResult, ruleOverrides: readonly RuleOverride[]) {
  const override = ruleOverrides.find((candidate) => candidate.ruleId === result.ruleId);
  return override ? { ...result, status: 'RemediationFailed', lastError: { code: override.lastError.code } } : result;
}

export function stateView(state: ClusterState) {
  return { ...state, results: state.results.map(({ lastError, ...result }) => (lastError ? { ...result, lastError: { code: lastError.code } } : result)) };
}

export function remediationView(record: RemediationRecord) {
  const { ref: _ref, error, ...rest } = record;
  return { ...rest, ...(error ? { error: { code: error.code } } : {}) };
}
