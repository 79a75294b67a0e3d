// What a rule is. Each rule is one module exporting one definition: its id, where it sits in the baseline, the schema
// of its settings, the actions that fix it (each with what it must run after), and a pure check of one snapshot that
// returns a result and, when the cluster drifted, the remediation. src/core/registry.ts lists the definitions and
// derives the rest from them (baseline schema, rule keys, action list, plan order, docs tables). The engine adds
// exemptions and exclusions; the planner turns remediations into ordered steps.
import type { JsonObject } from '../cluster-body.js';
import { MODES, type ArmChange, type BlockedBy, type ClusterSnapshot, type EvaluationFacts, type MissingPrerequisite, type Mode, type ProtectedSettingRef, type RuleResult, type StepRemovals } from '../types.js';

/** A JSON Schema fragment, as it is published in schema/baseline.schema.json. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** The schema of `mode`, which every rule's settings have. */
export function modeSchema(what: string): JsonSchema {
  return {
    type: 'string',
    enum: [...MODES],
    description: `How to act on ${what}: "audit" records only, "auto" fixes without asking, "approval" fixes when a person approves.`,
  };
}

/**
 * What a remediation writes: the cluster (a PUT chained with the other cluster steps), one of its extensions, or
 * nothing the app may write (`manual`: a grant a person makes; such a step is always blocked, see ArmChange).
 */
export type ActionTarget = 'cluster' | 'extension' | 'manual';

/** What a check may know besides the snapshot: the facts the edge read around the cluster (see EvaluationFacts). */
export interface CheckContext {
  facts: EvaluationFacts;
}

export interface ActionDefinition<A extends string = string> {
  /** Unique across the registry: 'enable-managed-identity'. Step ids are `<ruleId>:<name>`. */
  readonly name: A;
  readonly target: ActionTarget;
  /**
   * Actions of any rule that must run before this one, when both are in a plan; `[]` for none. Required, so an action
   * without a declared order does not compile. Unknown names and cycles are refused when the registry is built.
   */
  readonly after: readonly string[];
  /** The request it sends, in Markdown, for the docs' action table. */
  readonly description: string;
  /**
   * What running it disrupts, from the product docs (with a source comment beside it), or null when the docs name
   * nothing. Required, so an action cannot be added without saying. Plan steps carry it (a remediation may say more
   * for one step); the docs' action table shows it.
   */
  readonly disrupts: string | null;
}

/** The parameters a rule takes in the baseline besides `mode`: JSON Schema `properties` (and which are `required`). */
export interface RuleSettingsSchema {
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
}

/** A rule turned on by a key under the baseline's `rules`: `"managedIdentity": { "mode": "approval" }`. */
export interface ClusterRuleDefinition<S extends object = object, A extends string = string> {
  readonly kind: 'cluster';
  /** The rule id in results, step ids and exemptions: 'managed-identity'. */
  readonly id: string;
  /** Its key under the baseline's `rules`: 'managedIdentity'. */
  readonly key: string;
  /** What it checks, one sentence starting in lower case; the schema says "Rule <id>: <title>", the docs tables show it. */
  readonly title: string;
  /** Its parameters besides `mode` (`{}` when it has none), validated by the baseline schema before `check` sees them. */
  readonly settings: RuleSettingsSchema;
  readonly actions: readonly ActionDefinition<A>[];
  /** Pure: the same snapshot, settings and context always give the same outcome. `settings` passed the schema. */
  check(snapshot: ClusterSnapshot, settings: S & { mode: Mode }, context: CheckContext): RuleOutcome<NoInfer<A>>;
}

/**
 * A family of rules, one per entry of a list in the baseline: `requiredExtensions[]` gives one rule
 * `required-extension/<name>` per entry. The entry is the rule's settings (its schema includes `mode`).
 */
export interface RuleFamilyDefinition<E extends { mode: Mode } = { mode: Mode }, A extends string = string> {
  readonly kind: 'family';
  /** How its rule ids look, for docs and messages: 'required-extension/<name>'. */
  readonly idPattern: string;
  /** The list in the baseline it reads (top level): 'requiredExtensions'. */
  readonly key: 'requiredExtensions';
  readonly title: string;
  /** The schema of the list itself (type array, description); `items` is `settings`. */
  readonly list: JsonSchema;
  /** The schema of one entry, `mode` included. */
  readonly settings: JsonSchema;
  readonly actions: readonly ActionDefinition<A>[];
  ruleId(entry: E): string;
  check(snapshot: ClusterSnapshot, entry: E, context: CheckContext): RuleOutcome<NoInfer<A>>;
}

export type RuleDefinition<A extends string = string> = ClusterRuleDefinition<never, A> | RuleFamilyDefinition<never, A>;

/** The action names of a list of rule definitions, as a union of literals. */
export type ActionNameOf<R extends readonly RuleDefinition[]> = R[number]['actions'][number]['name'];

/** Typed definitions: the action names stay literal, and `check` can only return the rule's own actions. */
export function defineClusterRule<const A extends string, S extends object = object>(definition: Omit<ClusterRuleDefinition<S, A>, 'kind'>): ClusterRuleDefinition<S, A> {
  return { kind: 'cluster', ...definition };
}

export function defineRuleFamily<const A extends string, E extends { mode: Mode }>(definition: Omit<RuleFamilyDefinition<E, A>, 'kind'>): RuleFamilyDefinition<E, A> {
  return { kind: 'family', ...definition };
}

export interface Remediation<A extends string = string> {
  action: A;
  description: string;
  /** Cluster-level fix: the fragment merged into the cluster body (the planner builds the PUT). */
  clusterPatch?: JsonObject;
  /** Extension-level fix: the exact request. */
  change?: ArmChange;
  /** Every protected setting the baseline declares, when the write sends them (see PlanStep.protectedSettingRefs). */
  protectedSettingRefs?: Record<string, ProtectedSettingRef>;
  /** Why this fix cannot run whatever the cluster's state (ManagedByAks, ImmutableSetting, PrerequisiteMissing). */
  blockedBy?: BlockedBy;
  /** What this step disrupts, when it says more (or less: null) than its action's `disrupts`: the recreate names what it deletes. */
  disrupts?: string | null;
  /** What the fix removes from the cluster's configuration (PlanStep.removes). */
  removes?: StepRemovals;
  /**
   * What the fix needs and is not there. The planner blocks the step (`PrerequisiteMissing`) unless every one is fixed
   * by a step of the same plan (`fixedByAction`: the managed identity the plan enables); a block of the rule's own
   * (`blockedBy`) comes first.
   */
  missingPrerequisites?: (MissingPrerequisite & { fixedByAction?: string })[];
  /** Prerequisites not checked for want of a fact (PlanStep.unchecked). */
  unchecked?: string[];
}

export interface RuleOutcome<A extends string = string> {
  result: RuleResult;
  /** Present only with a NonCompliant result that a change can fix. */
  remediation?: Remediation<A>;
  /**
   * Steps a person takes with the fix, because the app's role cannot (actions of target `manual`, always blocked):
   * granting the identity an install creates access to a storage account, binding a Backup vault by Trusted Access.
   */
  manual?: Remediation<A>[];
}

/** A rule as the engine runs it: bound to its baseline settings. */
export interface Rule<A extends string = string> {
  id: string;
  mode: Mode;
  check(snapshot: ClusterSnapshot, context: CheckContext): RuleOutcome<A>;
}

/** A plan step's id: `<ruleId>:<action>`, stable across runs for the same finding. */
export function stepId(ruleId: string, action: string): string {
  return `${ruleId}:${action}`;
}

/** A result alone (nothing to plan), or a NonCompliant result with the remediation that fixes it. */
export function outcome(result: RuleResult): RuleOutcome<never>;
export function outcome<A extends string>(result: RuleResult, remediation: Remediation<A>, manual?: Remediation<A>[]): RuleOutcome<A>;
export function outcome<A extends string>(result: RuleResult, remediation?: Remediation<A>, manual?: Remediation<A>[]): RuleOutcome<A> {
  if (!remediation) return { result };
  return manual && manual.length > 0 ? { result, remediation, manual } : { result, remediation };
}
