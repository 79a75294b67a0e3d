// An engine built from a given list of rule definitions: its own registry, schema, baseline parser and evaluation.
// The app, the CLI and the docs use the default registry (RULES) through the plain functions (evaluateSnapshot,
// parseBaseline, BASELINE_SCHEMA); this is for a rule defined elsewhere, e.g. in a test, before it joins RULES.
import { parseBaseline, validateBaseline, type Baseline } from './baseline.js';
import { baselineSchemaFor } from './baseline-schema.js';
import { evaluateSnapshot } from './evaluate.js';
import { createRegistry, type Registry } from './registry.js';
import type { ActionNameOf, RuleDefinition } from './rules/rule.js';
import type { ClusterSnapshot, Evaluation, EvaluationFacts } from './types.js';

export interface Engine<A extends string> {
  readonly registry: Registry<A>;
  /** The baseline JSON Schema for these rules. */
  readonly schema: ReturnType<typeof baselineSchemaFor>;
  parseBaseline(text: string, sourceName: string): Baseline;
  validateBaseline(document: unknown): Baseline;
  ruleIdsOf(baseline: Pick<Baseline, 'rules' | 'requiredExtensions'>): string[];
  evaluate(snapshot: ClusterSnapshot, baseline: Baseline, options: { now: Date; facts?: EvaluationFacts }): Evaluation<A>;
}

/** Builds an engine from `rules` (checked like RULES: unknown `after` names and cycles throw here). */
export function createEngine<const R extends readonly RuleDefinition[]>(rules: R): Engine<ActionNameOf<R>> {
  const registry = createRegistry(rules);
  return {
    registry,
    schema: baselineSchemaFor(registry),
    parseBaseline: (text, sourceName) => parseBaseline(text, sourceName, registry),
    validateBaseline: (document) => validateBaseline(document, registry),
    ruleIdsOf: (baseline) => registry.ruleIdsOf(baseline),
    evaluate: (snapshot, baseline, options) => evaluateSnapshot(snapshot, baseline, { ...options, registry }),
  };
}
