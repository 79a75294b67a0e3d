// Approval matching: which plan steps a person's approvals let run. An approval names a step (`<ruleId>:<action>`)
// or a whole rule (every step of it), in any casing.
import type { PlanStep } from './types.js';

/** Whether `approvals` approve `step`: one of them is its step id or its rule id, compared case-insensitively. */
export function approves(approvals: readonly string[], step: Pick<PlanStep, 'id' | 'ruleId'>): boolean {
  const id = step.id.toLowerCase();
  const ruleId = step.ruleId.toLowerCase();
  return approvals.some((approval) => {
    const name = approval.toLowerCase();
    return name === id || name === ruleId;
  });
}
