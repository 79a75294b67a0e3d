// The rule registry. RULES lists every rule, in evaluation order; everything else about rules is derived from it: the
// baseline schema (baseline-schema.ts), the rule keys and ids of a baseline, the action list and its type, the plan
// order (topological by each action's `after`), and the docs tables (registry-docs.ts, written by `npm run schema`).
//
// Adding a rule: one module in rules/ exporting its definition (see rules/rule.ts and docs/architecture.md), one line
// in RULES. A registry is checked when it is built, so a wrong `after` fails at module load, never as a silent -1.
import type { Baseline } from './baseline.js';
import { managedIdentityRule } from './rules/managed-identity.js';
import { noPodIdentityRule } from './rules/no-pod-identity.js';
import { requiredExtensionRule } from './rules/required-extension.js';
import type { ActionDefinition, ActionNameOf, ClusterRuleDefinition, Rule, RuleDefinition, RuleFamilyDefinition } from './rules/rule.js';
import { workloadIdentityRule } from './rules/workload-identity.js';

/** Every rule, in evaluation order (a family's rules in the order of its baseline list). */
export const RULES = [managedIdentityRule, noPodIdentityRule, workloadIdentityRule, requiredExtensionRule] as const;

/** The actions of the rules in RULES. */
export type RemediationAction = ActionNameOf<typeof RULES>;

export interface Registry<A extends string = string> {
  /** The definitions, in evaluation order. */
  readonly rules: readonly RuleDefinition<A>[];
  readonly clusterRules: readonly ClusterRuleDefinition<never, A>[];
  /** The family that reads `requiredExtensions`, if the registry has it. */
  readonly extensionRule: RuleFamilyDefinition<never, A> | undefined;
  /** Every action, in plan order: after what it declares `after`; among the rest, cluster actions first, then in declaration order. */
  readonly actions: readonly ActionDefinition<A>[];
  /** The action called `name`; throws for an action no rule declares. */
  action(name: string): ActionDefinition<A>;
  /** Position of an action in the plan order. */
  actionIndex(name: string): number;
  /** The rules a baseline turns on, bound to their settings, in evaluation order. */
  rulesFor(baseline: Pick<Baseline, 'rules' | 'requiredExtensions'>): Rule<A>[];
  /** The ids of the rules a baseline turns on, in evaluation order. */
  ruleIdsOf(baseline: Pick<Baseline, 'rules' | 'requiredExtensions'>): string[];
}

const RULE_ID = /^[a-z0-9][a-z0-9-]*$/;
const ACTION_NAME = /^[a-z][a-z0-9-]*$/;
const RULE_KEY = /^[A-Za-z][A-Za-z0-9]*$/;

function ruleName(rule: RuleDefinition): string {
  return rule.kind === 'cluster' ? rule.id : rule.idPattern;
}

function duplicates(values: readonly string[]): string[] {
  return [...new Set(values.filter((value, i) => values.indexOf(value) !== i))];
}

/** A cycle among `remaining` (each action with the actions it must run after), as `a after b after a`. */
function cycleIn(remaining: ReadonlyMap<string, readonly string[]>): string {
  const path: string[] = [];
  let current = [...remaining.keys()][0] ?? '';
  while (!path.includes(current)) {
    path.push(current);
    current = (remaining.get(current) ?? []).find((name) => remaining.has(name)) ?? '';
  }
  // `current` has no unfinished predecessor outside the loop: the cycle starts where it was first seen.
  return [...path.slice(path.indexOf(current)), current].join(' after ');
}

/** Topological order by `after`; among ready actions, cluster actions first (their PUTs are chained), then declaration order. */
function planOrder<A extends string>(declared: readonly ActionDefinition<A>[]): ActionDefinition<A>[] {
  const remaining = new Map(declared.map((action) => [action.name as string, action.after]));
  const ordered: ActionDefinition<A>[] = [];
  const rank = (action: ActionDefinition<A>) => (action.target === 'cluster' ? 0 : 1);
  while (remaining.size > 0) {
    const next = declared
      .filter((action) => remaining.has(action.name) && action.after.every((name) => !remaining.has(name)))
      .sort((a, b) => rank(a) - rank(b))[0];
    if (!next) throw new Error(`rule registry: the actions' "after" form a cycle: ${cycleIn(remaining)}`);
    remaining.delete(next.name);
    ordered.push(next);
  }
  return ordered;
}

/** Every problem with a list of definitions, one message each. */
function problemsOf(rules: readonly RuleDefinition[]): string[] {
  const problems: string[] = [];
  const clusterRules = rules.filter((rule) => rule.kind === 'cluster');
  const families = rules.filter((rule) => rule.kind === 'family');
  for (const id of duplicates(rules.map(ruleName))) problems.push(`rule id ${id} is declared twice`);
  for (const key of duplicates(clusterRules.map((rule) => rule.key))) problems.push(`baseline key rules.${key} is used by two rules`);
  if (families.length > 1) problems.push(`${families.map(ruleName).join(' and ')} both read ${families[0]?.key}; a baseline list has one rule family`);
  for (const rule of clusterRules) {
    if (!RULE_ID.test(rule.id)) problems.push(`rule id "${rule.id}" must be lower-case letters, digits and "-"`);
    if (!RULE_KEY.test(rule.key)) problems.push(`rule ${rule.id}: baseline key "${rule.key}" must be letters and digits`);
    const properties = Object.keys(rule.settings.properties ?? {});
    if (properties.includes('mode')) problems.push(`rule ${rule.id}: settings must not declare "mode"; every rule has it`);
    for (const name of rule.settings.required ?? []) {
      if (!properties.includes(name)) problems.push(`rule ${rule.id}: required setting "${name}" is not among its settings' properties`);
    }
  }

  const owner = new Map<string, string[]>();
  for (const rule of rules) for (const action of rule.actions) owner.set(action.name, [...(owner.get(action.name) ?? []), ruleName(rule)]);
  for (const [name, owners] of owner) if (owners.length > 1) problems.push(`action ${name} is declared by ${owners.join(' and ')}; action names are unique`);
  for (const rule of rules) {
    for (const action of rule.actions) {
      if (!ACTION_NAME.test(action.name)) problems.push(`action "${action.name}" (rule ${ruleName(rule)}) must be lower-case letters, digits and "-"`);
      for (const name of action.after) {
        if (name === action.name) problems.push(`action ${action.name} (rule ${ruleName(rule)}) runs after itself`);
        else if (!owner.has(name)) problems.push(`action ${action.name} (rule ${ruleName(rule)}) runs after "${name}", which no rule declares; known actions: ${[...owner.keys()].join(', ')}`);
      }
    }
  }
  return problems;
}

/** Builds a registry from definitions, checking them first. Throws one error listing every problem. */
export function createRegistry<const R extends readonly RuleDefinition[]>(definitions: R): Registry<ActionNameOf<R>> {
  type A = ActionNameOf<R>;
  const rules = definitions as readonly RuleDefinition<A>[];
  const problems = problemsOf(rules);
  if (problems.length > 0) throw new Error(`rule registry: ${problems.join('; ')}`);
  const actions = planOrder(rules.flatMap((rule) => rule.actions));
  const byName = new Map(actions.map((action, i) => [action.name as string, { action, index: i }]));
  const clusterRules = rules.filter((rule) => rule.kind === 'cluster');
  const extensionRule = rules.find((rule) => rule.kind === 'family');

  const lookup = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new Error(`unknown remediation action "${name}"; the registry declares ${[...byName.keys()].join(', ')}`);
    return found;
  };
  const rulesFor = (baseline: Pick<Baseline, 'rules' | 'requiredExtensions'>): Rule<A>[] =>
    rules.flatMap((definition): Rule<A>[] => {
      if (definition.kind === 'family') {
        // The entries passed the baseline schema, which `settings` is: past that edge their type is trusted.
        return baseline.requiredExtensions.map((entry) => ({ id: definition.ruleId(entry as never), mode: entry.mode, check: (snapshot, context) => definition.check(snapshot, entry as never, context) }));
      }
      const setting = baseline.rules[definition.key];
      return setting ? [{ id: definition.id, mode: setting.mode, check: (snapshot, context) => definition.check(snapshot, setting as never, context) }] : [];
    });

  return {
    rules,
    clusterRules,
    extensionRule,
    actions,
    action: (name) => lookup(name).action,
    actionIndex: (name) => lookup(name).index,
    rulesFor,
    ruleIdsOf: (baseline) => rulesFor(baseline).map((rule) => rule.id),
  };
}

/** The registry of RULES: what the app, the CLI and the docs use. */
export const DEFAULT_REGISTRY: Registry<RemediationAction> = createRegistry(RULES);

/** Every action of RULES, in plan order. */
export const ACTION_ORDER: readonly RemediationAction[] = DEFAULT_REGISTRY.actions.map((action) => action.name);
