// The baseline's JSON Schema, built from the rule registry: each rule's entry under `rules` (its `mode` and the
// parameters its definition declares) and the required-extension family's list come from the definitions. The
// published copy, schema/baseline.schema.json, is written by `npm run schema` (a test keeps it current;
// `aks-baseline-guard baseline schema` prints it).
// `errorMessage` is the custom-message keyword VS Code's JSON support understands; we use it for our messages too.
import { DEFAULT_REGISTRY, type Registry } from './registry.js';
import { ROLLOUTS_SCHEMA } from './rollouts.js';
import { modeSchema, type ClusterRuleDefinition, type JsonSchema } from './rules/rule.js';

/** A cluster rule's entry under `rules`: `mode`, then its own parameters. */
function ruleSetting(rule: ClusterRuleDefinition<never, string>): JsonSchema {
  return {
    type: 'object',
    description: `Rule ${rule.id}: ${rule.title}`,
    additionalProperties: false,
    required: ['mode', ...(rule.settings.required ?? [])],
    properties: { mode: modeSchema('a finding of this rule'), ...rule.settings.properties },
  };
}

export const BASELINE_SCHEMA_ID = 'urn:aks-baseline-guard:schema:baseline:1';

/** The baseline schema for the rules of `registry`. */
export function baselineSchemaFor(registry: Registry) {
  const family = registry.extensionRule;
  const ruleNames = registry.rules.map((rule) => (rule.kind === 'cluster' ? rule.id : rule.idPattern));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: BASELINE_SCHEMA_ID,
    title: 'aks-baseline-guard baseline',
    description:
      'What every AKS cluster in scope must have: identity settings and required cluster extensions, with how to act on drift.',
    type: 'object',
    additionalProperties: false,
    required: ['version'],
    properties: {
      $schema: { type: 'string', description: 'Path or URL of this schema, for editors. Ignored by aks-baseline-guard.' },
      version: { const: 1, description: 'Format version of this document. Always 1.' },
      description: { type: 'string', description: 'Free text for people reading the baseline.' },
      rules: {
        type: 'object',
        description: 'Cluster identity rules. A rule left out is not checked.',
        additionalProperties: false,
        properties: Object.fromEntries(registry.clusterRules.map((rule) => [rule.key, ruleSetting(rule)])),
      },
      ...(family ? { [family.key]: { ...family.list, items: family.settings } } : {}),
      scope: {
        type: 'object',
        description: 'Which clusters the baseline covers. Leave a list out to include everything.',
        additionalProperties: false,
        properties: {
          subscriptions: {
            type: 'array',
            description: 'Subscription ids to include.',
            items: {
              type: 'string',
              pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$',
              errorMessage: 'must be a subscription id (a GUID)',
            },
          },
          resourceGroups: {
            type: 'array',
            description: 'Resource groups to include: a name (in any included subscription) or a full id /subscriptions/<id>/resourceGroups/<name>.',
            items: {
              type: 'string',
              // Ids are checked by the code, which compares the fixed segments case-insensitively as ARM does.
              pattern: '^([-\\w._()]{1,90}|/.+)$',
              errorMessage: 'must be a resource group name or /subscriptions/<id>/resourceGroups/<name>',
            },
          },
        },
      },
      excludeTags: {
        type: 'object',
        description: 'Clusters carrying any of these tags (name: value, "*" for any value) are Exempt from every rule. Tag names compare case-insensitively.',
        additionalProperties: { type: 'string' },
      },
      rollouts: ROLLOUTS_SCHEMA,
      exemptions: {
        type: 'array',
        description: 'Per-cluster, per-rule exemptions. An exemption stops applying after it expires.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['clusterId', 'ruleId', 'reason', 'expires'],
          properties: {
            clusterId: {
              type: 'string',
              pattern: '^/subscriptions/',
              errorMessage: 'must be an AKS cluster resource id',
              description: 'Resource id of the exempted cluster (compared case-insensitively).',
            },
            ruleId: {
              type: 'string',
              minLength: 1,
              description: `Rule id (${ruleNames.join(', ')}) or "*" for all rules.`,
            },
            reason: { type: 'string', minLength: 1, description: 'Why the cluster is exempt; shown with every Exempt result.' },
            expires: {
              type: 'string',
              pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
              errorMessage: 'must be a date (2026-06-30, valid through that day UTC) or a date-time with a zone (2026-06-30T12:00:00Z)',
              description: 'When the exemption ends. A date alone means the end of that day, UTC.',
            },
          },
        },
      },
    },
  };
}

/** The schema of the default registry: the one the app validates with and schema/baseline.schema.json publishes. */
export const BASELINE_SCHEMA = baselineSchemaFor(DEFAULT_REGISTRY);
