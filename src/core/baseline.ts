// The baseline document: parsed from JSON or YAML, validated against the published schema, then checked for what a
// schema cannot say. Every problem is reported as `path: message` (e.g. `requiredExtensions[1].releaseTrain: must
// be one of Stable, Preview`). Pure: reading the file is the caller's job (see src/baseline-file.ts).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { isObject } from './cluster-body.js';
import { clusterIdOf, nameProblem, normalizeLocation, parseResourceId, sameResourceId } from './resource-ids.js';
import { baselineSchemaFor } from './baseline-schema.js';
import { ISO_DATE_OR_DATE_TIME, parseIsoDateTime } from './dates.js';
import { INPUT_LIMITS, jsonTextProblem, valueDepthProblem, yamlTextProblem } from './limits.js';
import { InvalidInputError } from './errors.js';
import { extensionTypeFor, realSettingKey } from './extension-types/index.js';
import { profileProblems } from './profile-checks.js';
import { normalizeRolloutPolicy, rolloutProblems, type RawRolloutPolicy, type RolloutPolicy } from './rollouts.js';
import { DEFAULT_REGISTRY, type Registry } from './registry.js';
import type { ExtensionScope, MarketplacePlan, Mode, ProtectedSettingRef } from './types.js';

export { REQUIRED_EXTENSION_RULE_PREFIX } from './rules/required-extension.js';

/** A cluster rule's entry under `rules`: its mode, and the parameters its definition declares (checked by the schema). */
export interface RuleSetting {
  mode: Mode;
  [parameter: string]: unknown;
}

export interface RequiredExtension {
  name: string;
  extensionType: string;
  mode: Mode;
  releaseTrain?: string;
  version?: string;
  autoUpgradeMinorVersion?: boolean;
  /** Values as ARM stores them: strings. */
  configurationSettings: Record<string, string>;
  protectedSettings: Record<string, ProtectedSettingRef>;
  scope?: ExtensionScope;
  /** A Marketplace extension's plan: sent on install; a different plan on the cluster is drift (fixed by a recreate). */
  plan?: MarketplacePlan;
  minKubernetesVersion?: string;
  /** Normalised ARM locations. */
  regions?: string[];
}

export interface Exemption {
  clusterId: string;
  /** A rule id, or `*` for every rule. */
  ruleId: string;
  reason: string;
  /** As written: a date (valid through that day, UTC) or a date-time. See `exemptionExpiry`. */
  expires: string;
}

export interface BaselineScope {
  /** Lower-case subscription ids. */
  subscriptions?: string[];
  /** Names, or ids /subscriptions/<id>/resourceGroups/<name>. */
  resourceGroups?: string[];
}

export interface Baseline {
  version: 1;
  description?: string;
  /** By the rule's key in the registry (`managedIdentity`). A rule left out is not checked. */
  rules: Partial<Record<string, RuleSetting>>;
  requiredExtensions: RequiredExtension[];
  scope: BaselineScope;
  /** Tag name -> value (`*` matches any value). */
  excludeTags: Record<string, string>;
  exemptions: Exemption[];
  /** Rollout policies (src/core/rollouts.ts); absent or empty: every step runs as its mode says, cluster by cluster. */
  rollouts?: RolloutPolicy[];
}

const compiled = new WeakMap<Registry, ValidateFunction>();
/** The schema of the registry's baseline, compiled once per registry. */
function schemaValidator(registry: Registry): ValidateFunction {
  let validate = compiled.get(registry);
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true });
    ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
    validate = ajv.compile(baselineSchemaFor(registry));
    compiled.set(registry, validate);
  }
  return validate;
}

/** JSON pointer -> `requiredExtensions[1].configurationSettings["global.ha.enabled"]`. */
export function formatJsonPath(pointer: string, extra?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let path = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path || '(document)';
}

function schemaProblem(error: ErrorObject): string {
  const parent = error.parentSchema as { errorMessage?: string } | undefined;
  const custom = parent?.errorMessage;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${formatJsonPath(error.instancePath, String(params.missingProperty))}: is required`;
    case 'additionalProperties': {
      const property = String(params.additionalProperty);
      const path = formatJsonPath(error.instancePath, property);
      if (property === 'configurationProtectedSettings') {
        return `${path}: literal protected values are not allowed in a baseline; use "protectedSettings" with {"appSetting": "NAME"} or {"keyVaultSecretUri": "..."} references`;
      }
      if (custom) return `${formatJsonPath(error.instancePath)}: ${custom}`;
      return `${path}: is not a known property`;
    }
    case 'enum':
      return `${formatJsonPath(error.instancePath)}: must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'const':
      return `${formatJsonPath(error.instancePath)}: must be ${JSON.stringify(params.allowedValue)}`;
    case 'minItems':
      return `${formatJsonPath(error.instancePath)}: must not be empty`;
    case 'minLength':
      return `${formatJsonPath(error.instancePath)}: must not be empty`;
    case 'propertyNames':
      return `${formatJsonPath(error.instancePath)}: names must not be empty`;
    case 'type':
      return `${formatJsonPath(error.instancePath)}: ${custom ?? `must be ${params.type === 'object' ? 'an object' : params.type === 'array' ? 'an array' : `a ${String(params.type)}`}`}`;
    default:
      return `${formatJsonPath(error.instancePath)}: ${custom ?? error.message ?? 'is not valid'}`;
  }
}

function schemaProblems(errors: readonly ErrorObject[]): string[] {
  // One bad value can fail several keywords that share an errorMessage; say it once.
  return [...new Set(errors.map(schemaProblem))];
}

/** Date-only expiries run through the end of that day, UTC. */
export function exemptionExpiry(exemption: Pick<Exemption, 'expires'>): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(exemption.expires)) return new Date(Date.parse(`${exemption.expires}T00:00:00Z`) + 24 * 60 * 60 * 1000);
  return new Date(exemption.expires);
}


/** A required extension as written: settings may be numbers or booleans, and the optional maps may be left out. */
type RawExtension = Omit<RequiredExtension, 'configurationSettings' | 'protectedSettings'> & {
  configurationSettings?: Record<string, string | number | boolean>;
  protectedSettings?: Record<string, ProtectedSettingRef>;
};

interface RawBaseline {
  version: 1;
  description?: string;
  rules?: Partial<Record<string, RuleSetting>>;
  requiredExtensions?: RawExtension[];
  scope?: BaselineScope;
  excludeTags?: Record<string, string>;
  exemptions?: Exemption[];
  rollouts?: RawRolloutPolicy[];
}

/** Rule ids a baseline turns on, in evaluation order. */
export function ruleIdsOf(baseline: Pick<Baseline, 'rules' | 'requiredExtensions'>, registry: Registry = DEFAULT_REGISTRY): string[] {
  return registry.ruleIdsOf(baseline);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const record = (value: unknown): Record<string, unknown> => (isObject(value) ? value : {});

/**
 * What the schema cannot say. Written defensively (the document may also have failed the schema) so that every
 * problem is reported in one pass.
 */
function semanticProblems(document: unknown, registry: Registry): string[] {
  const problems: string[] = [];
  const root = record(document);
  const extensions = list(root.requiredExtensions).map(record);
  const names = extensions.map((e) => text(e.name)?.toLowerCase());
  const types = extensions.map((e) => text(e.extensionType)?.toLowerCase());
  extensions.forEach((extension, i) => {
    const at = `requiredExtensions[${i}]`;
    const name = names[i];
    const type = types[i];
    const earlierName = name === undefined ? -1 : names.indexOf(name);
    if (earlierName >= 0 && earlierName < i) problems.push(`${at}.name: "${text(extension.name)}" is already used by requiredExtensions[${earlierName}]`);
    const earlierType = type === undefined ? -1 : types.indexOf(type);
    if (earlierType >= 0 && earlierType < i) {
      problems.push(`${at}.extensionType: ${text(extension.extensionType)} is already required by requiredExtensions[${earlierType}]; a cluster runs one instance of an extension type`);
    }
    if (extension.version !== undefined && extension.autoUpgradeMinorVersion !== false) {
      problems.push(`${at}.version: a pinned version needs "autoUpgradeMinorVersion": false`);
    }
    const settings = record(extension.configurationSettings);
    for (const key of Object.keys(record(extension.protectedSettings))) {
      if (key in settings) problems.push(`${at}.protectedSettings${formatJsonPath('', key).replace(/^(?!\[)/, '.')}: is also in configurationSettings; a setting is either protected or not`);
    }
    // What the type's profile says: placeholders, CLI aliases, settings the CLI always computes.
    problems.push(...profileProblems(extension, i));
  });
  // The rules this document turns on, as far as it can be read (it may have failed the schema).
  const ruleIds = registry.ruleIdsOf({
    rules: Object.fromEntries(Object.entries(record(root.rules)).filter(([, setting]) => isObject(setting))) as Baseline['rules'],
    requiredExtensions: extensions.filter((e) => text(e.name) !== undefined) as unknown as RequiredExtension[],
  });
  list(root.exemptions).map(record).forEach((exemption, i) => {
    const at = `exemptions[${i}]`;
    const clusterId = text(exemption.clusterId);
    if (clusterId?.startsWith('/subscriptions/')) {
      try {
        const canonical = clusterIdOf(clusterId);
        if (!sameResourceId(canonical, clusterId)) problems.push(`${at}.clusterId: must be the id of a cluster, not of something inside one (${canonical})`);
      } catch (error) {
        problems.push(`${at}.clusterId: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const ruleId = text(exemption.ruleId);
    if (ruleId && ruleId !== '*' && !ruleIds.some((id) => id.toLowerCase() === ruleId.toLowerCase())) {
      problems.push(`${at}.ruleId: "${ruleId}" is not a rule of this baseline; expected "*" or one of ${ruleIds.join(', ') || '(no rules)'}`);
    }
    const expires = text(exemption.expires);
    if (expires && ISO_DATE_OR_DATE_TIME.test(expires) && !parseIsoDateTime(expires)) problems.push(`${at}.expires: "${expires}" is not a real date`);
  });
  problems.push(...rolloutProblems(root.rollouts, { actions: registry.actions.map((action) => action.name), ruleIds }));
  list(record(root.scope).resourceGroups).forEach((group, i) => {
    if (typeof group !== 'string') return;
    let name = group;
    if (group.startsWith('/')) {
      try {
        const parts = parseResourceId(group);
        if (parts.resources.length > 0 || !parts.resourceGroup) throw new Error('not a resource group id');
        name = parts.resourceGroup;
      } catch {
        problems.push(`scope.resourceGroups[${i}]: must be a resource group name or /subscriptions/<id>/resourceGroups/<name>`);
        return;
      }
    }
    const problem = nameProblem('resourceGroup', name);
    if (problem) problems.push(`scope.resourceGroups[${i}]: ${problem}`);
  });

  return problems;
}

/** The entry's settings as ARM stores them (strings), under their real keys: a cataloged type's CLI aliases are mapped. */
function settingsOf(extension: RawExtension): Record<string, string> {
  const profile = extensionTypeFor(extension.extensionType);
  return Object.fromEntries(Object.entries(extension.configurationSettings ?? {}).map(([key, value]) => [profile ? realSettingKey(profile, key) : key, String(value)]));
}

function normalize(raw: RawBaseline): Baseline {
  const baseline: Baseline = {
    version: 1,
    rules: { ...(raw.rules ?? {}) },
    requiredExtensions: (raw.requiredExtensions ?? []).map((extension) => {
      const normalized: RequiredExtension = {
        name: extension.name,
        extensionType: extension.extensionType,
        mode: extension.mode,
        configurationSettings: settingsOf(extension),
        protectedSettings: { ...(extension.protectedSettings ?? {}) },
      };
      if (extension.releaseTrain !== undefined) normalized.releaseTrain = extension.releaseTrain;
      if (extension.version !== undefined) normalized.version = extension.version;
      if (extension.autoUpgradeMinorVersion !== undefined) normalized.autoUpgradeMinorVersion = extension.autoUpgradeMinorVersion;
      if (extension.scope !== undefined) normalized.scope = extension.scope;
      if (extension.plan !== undefined) normalized.plan = { name: extension.plan.name, product: extension.plan.product, publisher: extension.plan.publisher };
      if (extension.minKubernetesVersion !== undefined) normalized.minKubernetesVersion = extension.minKubernetesVersion;
      if (extension.regions !== undefined) normalized.regions = [...new Set(extension.regions.map(normalizeLocation))];
      return normalized;
    }),
    scope: {},
    excludeTags: { ...(raw.excludeTags ?? {}) },
    exemptions: (raw.exemptions ?? []).map((e) => ({ clusterId: e.clusterId, ruleId: e.ruleId, reason: e.reason, expires: e.expires })),
  };
  if (raw.description !== undefined) baseline.description = raw.description;
  if (raw.rollouts !== undefined) baseline.rollouts = raw.rollouts.map(normalizeRolloutPolicy);
  if (raw.scope?.subscriptions) baseline.scope.subscriptions = raw.scope.subscriptions.map((s) => s.toLowerCase());
  if (raw.scope?.resourceGroups) baseline.scope.resourceGroups = [...raw.scope.resourceGroups];
  return baseline;
}

/**
 * Validates an already-parsed document against the registry's schema (the default registry's unless given). Throws
 * InvalidInputError with one `path: message` per problem.
 */
export function validateBaseline(document: unknown, registry: Registry = DEFAULT_REGISTRY): Baseline {
  const tooDeep = valueDepthProblem(document);
  if (tooDeep) throw new InvalidInputError(tooDeep);
  const validate = schemaValidator(registry);
  const problems = validate(document) ? [] : schemaProblems(validate.errors ?? []);
  problems.push(...semanticProblems(document, registry));
  if (problems.length > 0) throw new InvalidInputError(problems);
  return normalize(document as RawBaseline);
}

/**
 * Parses and validates baseline text. YAML when `sourceName` ends in .yaml/.yml (or the text does not start with
 * `{`), JSON otherwise. Throws InvalidInputError; problems do not repeat the source name.
 */
export function parseBaseline(text: string, sourceName: string, registry: Registry = DEFAULT_REGISTRY): Baseline {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new InvalidInputError('is empty: expected a baseline document');
  const yaml = /\.ya?ml$/i.test(sourceName) || (!/\.json$/i.test(sourceName) && !trimmed.startsWith('{'));
  // Size and nesting before parsing (core/limits.ts): a parser would fail on them with a stack overflow.
  const limit = yaml ? yamlTextProblem(trimmed) : jsonTextProblem(trimmed);
  if (limit) throw new InvalidInputError(limit);
  let document: unknown;
  if (yaml) {
    const parsed = parseDocument(trimmed, { uniqueKeys: true });
    if (parsed.errors.length > 0) {
      throw new InvalidInputError(parsed.errors.map((e) => `is not valid YAML: ${e.message.split('\n')[0] ?? e.code}`));
    }
    try {
      document = parsed.toJS({ maxAliasCount: INPUT_LIMITS.maxYamlAliases }) as unknown;
    } catch (error) {
      // The yaml package's answer to a "billion laughs" document: a ReferenceError about the alias count.
      if (error instanceof ReferenceError && /alias/i.test(error.message)) {
        throw new InvalidInputError(`is not a usable YAML document: its aliases expand more than ${INPUT_LIMITS.maxYamlAliases} times (the most that is read)`);
      }
      throw error;
    }
  } else {
    try {
      document = JSON.parse(trimmed) as unknown;
    } catch (error) {
      throw new InvalidInputError(`is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return validateBaseline(document, registry);
}

/** Whether the baseline's scope covers the cluster (HTTP and sweep callers answer 403 / skip when it does not). */
export function isInScope(baseline: Pick<Baseline, 'scope'>, clusterId: string): boolean {
  const parts = parseResourceId(clusterIdOf(clusterId));
  const { subscriptions, resourceGroups } = baseline.scope;
  if (subscriptions && subscriptions.length > 0 && !subscriptions.includes(parts.subscriptionId.toLowerCase())) return false;
  if (resourceGroups && resourceGroups.length > 0) {
    const group = parts.resourceGroup ?? '';
    const groupId = `/subscriptions/${parts.subscriptionId}/resourceGroups/${group}`;
    return resourceGroups.some((entry) => (entry.startsWith('/') ? sameResourceId(entry, groupId) : entry.toLowerCase() === group.toLowerCase()));
  }
  return true;
}

/** The exclusion tag the cluster carries, if any. Tag names compare case-insensitively, values exactly. */
export function exclusionTagOf(baseline: Pick<Baseline, 'excludeTags'>, tags: Record<string, string>): { name: string; value: string } | undefined {
  for (const [name, wanted] of Object.entries(baseline.excludeTags)) {
    const found = Object.entries(tags).find(([tag]) => tag.toLowerCase() === name.toLowerCase());
    if (found && (wanted === '*' || found[1] === wanted)) return { name: found[0], value: found[1] };
  }
  return undefined;
}

/** The exemption that covers (cluster, rule) at `now`; expired exemptions never apply. */
export function activeExemption(baseline: Pick<Baseline, 'exemptions'>, clusterId: string, ruleId: string, now: Date): Exemption | undefined {
  return baseline.exemptions.find(
    (e) =>
      sameResourceId(e.clusterId, clusterId) &&
      (e.ruleId === '*' || e.ruleId.toLowerCase() === ruleId.toLowerCase()) &&
      now.getTime() < exemptionExpiry(e).getTime(),
  );
}
