// The engine: one snapshot, one baseline, one point in time -> results and a plan. Pure and deterministic.
import { clusterIdOf } from './resource-ids.js';
import { activeExemption, exclusionTagOf, exemptionExpiry, type Baseline } from './baseline.js';
import { planRemediation, type Finding } from './planner.js';
import { DEFAULT_REGISTRY, type Registry } from './registry.js';
import type { ClusterSnapshot, Evaluation, EvaluationFacts, RemediationAction, RuleResult, RuleStatus } from './types.js';

export interface EvaluateOptions<A extends string = RemediationAction> {
  /** The time exemptions are checked against. Passed in so evaluation stays deterministic. */
  now: Date;
  /** The rules to run: the default registry unless given (see createEngine). */
  registry?: Registry<A>;
  /**
   * What the edge read around the cluster (tenant, provider registrations, storage accounts). Optional, and so is each
   * fact: without one, the evaluation does what EvaluationFacts documents (unchecked, or blocked naming the fact).
   */
  facts?: EvaluationFacts;
}

/** NonCompliant if any result is; else Unknown if any is; else Compliant. */
export function overallStatus(results: readonly RuleResult[]): RuleStatus {
  if (results.some((r) => r.status === 'NonCompliant')) return 'NonCompliant';
  if (results.some((r) => r.status === 'Unknown')) return 'Unknown';
  return 'Compliant';
}

/** Evaluates one cluster snapshot against a baseline (the queue function that reads and records is `functions/evaluateCluster`). */
export function evaluateSnapshot<A extends string = RemediationAction>(snapshot: ClusterSnapshot, baseline: Baseline, options: EvaluateOptions<A>): Evaluation<A> {
  const clusterId = clusterIdOf(snapshot.id);
  const registry = options.registry ?? (DEFAULT_REGISTRY as Registry<string> as Registry<A>);
  const rules = registry.rulesFor(baseline);

  const excludedBy = exclusionTagOf(baseline, snapshot.tags);
  if (excludedBy) {
    const results = rules.map<RuleResult>((rule) => ({
      ruleId: rule.id,
      status: 'Exempt',
      reason: 'ExcludedByTag',
      message: `The cluster is excluded from the baseline by its tag ${excludedBy.name}=${excludedBy.value}.`,
      observed: { tag: excludedBy },
    }));
    return { clusterId, status: 'Exempt', results, plan: [] };
  }

  const results: RuleResult[] = [];
  const findings: Finding<A>[] = [];
  const context = { facts: options.facts ?? {} };
  for (const rule of rules) {
    const { result, remediation, manual } = rule.check(snapshot, context);
    const exemption = result.status === 'NotApplicable' ? undefined : activeExemption(baseline, clusterId, rule.id, options.now);
    if (exemption) {
      results.push({
        ruleId: rule.id,
        status: 'Exempt',
        reason: 'Exempted',
        message: `Exempt until ${exemptionExpiry(exemption).toISOString()}: ${exemption.reason} (otherwise ${result.status}: ${result.message})`,
        ...(result.expected !== undefined ? { expected: result.expected } : {}),
        ...(result.observed !== undefined ? { observed: result.observed } : {}),
      });
      continue;
    }
    results.push(result);
    if (result.status === 'NonCompliant' && remediation) {
      findings.push({ ruleId: rule.id, mode: rule.mode, remediation });
      for (const step of manual ?? []) findings.push({ ruleId: rule.id, mode: rule.mode, remediation: step });
    }
  }
  return { clusterId, status: overallStatus(results), results, plan: planRemediation(snapshot, findings, registry) };
}
