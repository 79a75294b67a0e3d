// Turns the fixable findings of one evaluation into an ordered, deterministic plan.
// Ordering rules, and why:
//  - cluster updates run one after another (MI -> workload identity -> pod identity off): ARM refuses a second PUT
//    while one is running, and each body carries the earlier patches so a later PUT never undoes an earlier one;
//  - every extension step waits for the managed identity: extensions do not work on service principal clusters;
//  - disabling pod identity waits for workload identity, its replacement.
import { clusterIdOf } from './resource-ids.js';
import { clusterPutBody, deepMerge, type JsonObject } from './cluster-body.js';
import type { Remediation } from './rules/rule.js';
import type { ClusterSnapshot, Mode, PlanStep, RemediationAction } from './types.js';

export interface Finding {
  ruleId: string;
  mode: Mode;
  remediation: Remediation;
}

/** Cluster-level actions in the order they are applied. */
export const CLUSTER_ACTION_ORDER: readonly RemediationAction[] = ['enable-managed-identity', 'enable-workload-identity', 'disable-pod-identity'];

export function stepId(ruleId: string, action: RemediationAction): string {
  return `${ruleId}:${action}`;
}

/** Topological order; among steps that are ready at the same time, the smaller id first. */
export function orderSteps(steps: readonly PlanStep[]): PlanStep[] {
  const pending = new Map(steps.map((step) => [step.id, step]));
  const done = new Set<string>();
  const ordered: PlanStep[] = [];
  while (pending.size > 0) {
    const ready = [...pending.values()]
      .filter((step) => step.dependsOn.every((dep) => done.has(dep) || !pending.has(dep)))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const next = ready[0];
    if (!next) throw new Error(`plan has a dependency cycle among ${[...pending.keys()].join(', ')}`);
    pending.delete(next.id);
    done.add(next.id);
    ordered.push(next);
  }
  return ordered;
}

/** What every step carries, whatever ARM change it makes. */
function stepHead(finding: Finding, dependsOn: string[]): Omit<PlanStep, 'change'> {
  return {
    id: stepId(finding.ruleId, finding.remediation.action),
    ruleId: finding.ruleId,
    action: finding.remediation.action,
    mode: finding.mode,
    dependsOn,
    description: finding.remediation.description,
  };
}

/** Builds the plan for one cluster from its fixable findings (NonCompliant, not exempt). */
export function planRemediation(snapshot: ClusterSnapshot, findings: readonly Finding[]): PlanStep[] {
  const clusterId = clusterIdOf(snapshot.id);
  const clusterFindings = findings
    .filter((f) => f.remediation.clusterPatch !== undefined)
    .sort((a, b) => CLUSTER_ACTION_ORDER.indexOf(a.remediation.action) - CLUSTER_ACTION_ORDER.indexOf(b.remediation.action));
  const steps: PlanStep[] = [];

  let cumulative: JsonObject = {};
  let previous: PlanStep | undefined;
  let managedIdentityStep: PlanStep | undefined;
  for (const finding of clusterFindings) {
    const patch = finding.remediation.clusterPatch ?? {};
    cumulative = deepMerge(cumulative, patch);
    const step: PlanStep = {
      ...stepHead(finding, previous ? [previous.id] : []),
      change: {
        method: 'PUT',
        path: clusterId,
        body: clusterPutBody(snapshot.body, cumulative),
        // Only the first PUT can use the eTag we read; later ones follow a change that gives the cluster a new one.
        ...(previous === undefined && snapshot.eTag ? { ifMatch: snapshot.eTag } : {}),
      },
      clusterPatch: patch,
    };
    if (step.action === 'enable-managed-identity') managedIdentityStep = step;
    steps.push(step);
    previous = step;
  }

  for (const finding of findings) {
    const change = finding.remediation.change;
    if (finding.remediation.clusterPatch !== undefined || !change) continue;
    const step: PlanStep = { ...stepHead(finding, managedIdentityStep ? [managedIdentityStep.id] : []), change };
    if (finding.remediation.protectedSettingRefs) step.protectedSettingRefs = finding.remediation.protectedSettingRefs;
    steps.push(step);
  }
  return orderSteps(steps);
}
