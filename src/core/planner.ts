// Turns the fixable findings of one evaluation into an ordered, deterministic plan. The order comes from the rule
// registry: each action declares what it runs `after` (registry.ts sorts them), and:
//  - cluster updates run one after another, in the registry's plan order (today managed identity -> workload
//    identity -> pod identity off): ARM refuses a second PUT while one is running, and each body carries the earlier
//    patches so a later PUT never undoes an earlier one;
//  - an extension step waits for the steps of the actions it declares `after` (today: the managed identity, as
//    extensions do not work on service principal clusters).
import { clusterIdOf } from './resource-ids.js';
import { clusterPutBody, deepMerge, type JsonObject } from './cluster-body.js';
import { DEFAULT_REGISTRY, type Registry } from './registry.js';
import { stepId, type Remediation } from './rules/rule.js';
import { isStopped } from './states.js';
import type { ArmChange, BlockedBy, ClusterSnapshot, MissingPrerequisite, Mode, PlanStep, RemediationAction } from './types.js';

export interface Finding<A extends string = RemediationAction> {
  ruleId: string;
  mode: Mode;
  remediation: Remediation<A>;
}

export { stepId };

/** Topological order; among steps that are ready at the same time, the smaller id first. */
export function orderSteps<S extends Pick<PlanStep<string>, 'id' | 'dependsOn'>>(steps: readonly S[]): S[] {
  const pending = new Map(steps.map((step) => [step.id, step]));
  const done = new Set<string>();
  const ordered: S[] = [];
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

/** Why nothing can be written to a stopped cluster, and the command that starts it. */
export function clusterStoppedBlock(snapshot: Pick<ClusterSnapshot, 'name' | 'resourceGroup'>): BlockedBy {
  return {
    reason: 'ClusterStopped',
    message: `Cluster ${snapshot.name} is stopped, and AKS accepts only start and delete on a stopped cluster. Start it (az aks start --resource-group ${snapshot.resourceGroup} --name ${snapshot.name}); the step is planned again once it runs.`,
  };
}

/** The block of a step that waits for prerequisites: each one with its fix, in the message and as data. */
export function prerequisiteBlock(missing: readonly MissingPrerequisite[]): BlockedBy {
  const items = missing.map((item, i) => `${missing.length > 1 ? `(${i + 1}) ` : ''}${item.message} Fix: ${item.fix}`);
  return { reason: 'PrerequisiteMissing', message: `Waits for ${missing.length === 1 ? 'a prerequisite' : `${missing.length} prerequisites`}: ${items.join(' ')}` };
}

/**
 * What every step carries, whatever ARM change it makes. A rule's own block (true whatever the power state) comes
 * first, then missing prerequisites (except those a step of this plan fixes: the managed identity it enables), then
 * ClusterStopped: starting the cluster would not unblock the others.
 */
function stepHead<A extends string>(finding: Finding<A>, snapshot: ClusterSnapshot, registry: Registry<A>, planned: ReadonlySet<string>): Omit<PlanStep<A>, 'change'> {
  const { remediation } = finding;
  const missing = (remediation.missingPrerequisites ?? []).filter((item) => item.fixedByAction === undefined || !planned.has(item.fixedByAction)).map(({ fixedByAction: _fixedBy, ...item }) => item);
  const head: Omit<PlanStep<A>, 'change'> = {
    id: stepId(finding.ruleId, remediation.action),
    ruleId: finding.ruleId,
    action: remediation.action,
    mode: finding.mode,
    dependsOn: [],
    description: remediation.description,
    blockedBy: remediation.blockedBy ?? (missing.length > 0 ? prerequisiteBlock(missing) : isStopped(snapshot.powerState) ? clusterStoppedBlock(snapshot) : null),
    disrupts: remediation.disrupts !== undefined ? remediation.disrupts : registry.action(remediation.action).disrupts,
  };
  if (remediation.removes) head.removes = remediation.removes;
  if (missing.length > 0 && head.blockedBy?.reason === 'PrerequisiteMissing') head.missingPrerequisites = missing;
  if (remediation.unchecked && remediation.unchecked.length > 0) head.unchecked = [...remediation.unchecked];
  return head;
}

/**
 * Builds the plan for one cluster from its fixable findings (NonCompliant, not exempt). `registry` is the one whose
 * rules produced the findings (the default registry unless the engine was built from another).
 */
export function planRemediation<A extends string = RemediationAction>(
  snapshot: ClusterSnapshot,
  findings: readonly Finding<A>[],
  registry: Registry<A> = DEFAULT_REGISTRY as Registry<string> as Registry<A>,
): PlanStep<A>[] {
  const clusterId = clusterIdOf(snapshot.id);
  const isCluster = (action: string) => registry.action(action).target === 'cluster';
  const planned = new Set<string>(findings.map((finding) => finding.remediation.action));
  const clusterFindings: { finding: Finding<A>; patch: JsonObject }[] = [];
  const extensionFindings: { finding: Finding<A>; change: ArmChange }[] = [];
  for (const finding of findings) {
    const { action, clusterPatch, change } = finding.remediation;
    if (isCluster(action) && clusterPatch) clusterFindings.push({ finding, patch: clusterPatch });
    else if (!isCluster(action) && change) extensionFindings.push({ finding, change });
    else throw new Error(`rule ${finding.ruleId}: action ${action} writes the ${isCluster(action) ? 'cluster but its remediation has no clusterPatch' : 'extension but its remediation has no change'}`);
  }
  clusterFindings.sort((a, b) => registry.actionIndex(a.finding.remediation.action) - registry.actionIndex(b.finding.remediation.action));
  const steps: PlanStep<A>[] = [];

  let cumulative: JsonObject = {};
  let previous: PlanStep<A> | undefined;
  for (const { finding, patch } of clusterFindings) {
    cumulative = deepMerge(cumulative, patch);
    const step: PlanStep<A> = {
      ...stepHead(finding, snapshot, registry, planned),
      dependsOn: previous ? [previous.id] : [],
      change: {
        method: 'PUT',
        path: clusterId,
        body: clusterPutBody(snapshot.body, cumulative),
        // Only the first PUT can use the eTag we read; later ones follow a change that gives the cluster a new one.
        ...(previous === undefined && snapshot.eTag ? { ifMatch: snapshot.eTag } : {}),
      },
      clusterPatch: patch,
    };
    steps.push(step);
    previous = step;
  }

  for (const { finding, change } of extensionFindings) {
    const step: PlanStep<A> = { ...stepHead(finding, snapshot, registry, planned), change };
    if (finding.remediation.protectedSettingRefs) step.protectedSettingRefs = finding.remediation.protectedSettingRefs;
    steps.push(step);
  }

  // What each step declares it runs after. A cluster step's cluster predecessors are already covered by the chain.
  for (const step of steps) {
    const { after } = registry.action(step.action);
    const waits = steps.filter((other) => after.includes(other.action) && !(isCluster(step.action) && isCluster(other.action))).map((other) => other.id);
    step.dependsOn = [...new Set([...step.dependsOn, ...waits])];
  }
  return orderSteps(steps);
}

/**
 * A plan step as an approver needs it (the HTTP plan views and the CLI scan's JSON): what it sends, whether it can run
 * now (`blockedBy`: why not, and what a person can do), what it disrupts, and what it removes from the cluster
 * (pod identities: names, namespaces, ids; no secret).
 */
export function planStepView(step: PlanStep<string>) {
  return {
    id: step.id,
    ruleId: step.ruleId,
    action: step.action,
    mode: step.mode,
    dependsOn: step.dependsOn,
    description: step.description,
    request: { method: step.change.method, path: step.change.path, ...(step.change.recreate ? { deleteFirst: true } : {}) },
    blockedBy: step.blockedBy,
    disrupts: step.disrupts,
    ...(step.removes ? { removes: step.removes } : {}),
  };
}
