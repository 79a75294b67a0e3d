// The decisions behind a state write, kept free of I/O so they can be tested on their own: which rule results are
// recorded, which statuses changed, and how large JSON is split across Table properties. The recorded status itself
// comes from core/statuses.ts.

import type { Evaluation } from '../../core/types.js';
import type { ClusterStatus, RuleOverride } from '../../core/statuses.js';
import type { Cause, RecordedBlock, RecordedRuleResult, Transition } from '../../ports.js';

// Never stored, wherever they appear in expected/observed values: protected settings and anything credential-like.
const SECRET_KEYS = /^(configurationprotectedsettings|protectedsettings|secret|clientsecret|password|accesstoken|refreshtoken|token|sastoken|connectionstring|accountkey)$/i;

/** A deep copy of a JSON-like value without secret-bearing keys. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      if (!SECRET_KEYS.test(key)) out[key] = withoutSecrets(inner);
    }
    return out;
  }
  return value;
}

/** The rule results to record: evaluated results with secrets removed and overrides applied. */
export function recordedResults(evaluation: Evaluation, overrides: readonly RuleOverride[] = []): RecordedRuleResult[] {
  const byRule = new Map<string, RuleOverride>();
  for (const override of overrides) {
    if (!evaluation.results.some((result) => result.ruleId === override.ruleId)) {
      throw new RangeError(`ruleOverrides: rule "${override.ruleId}" is not among the evaluation's results`);
    }
    byRule.set(override.ruleId, override);
  }
  return evaluation.results.map((result) => {
    const override = byRule.get(result.ruleId);
    const recorded: RecordedRuleResult = {
      ruleId: result.ruleId,
      status: override ? override.status : result.status,
      reason: result.reason,
      message: result.message,
    };
    if (result.expected !== undefined) recorded.expected = withoutSecrets(result.expected);
    if (result.observed !== undefined) recorded.observed = withoutSecrets(result.observed);
    if (override) recorded.lastError = { code: override.lastError.code, message: override.lastError.message };
    // Plans are not stored: the steps that cannot run whatever their mode (a stopped cluster, an AKS-managed
    // extension, a missing prerequisite) are kept with the finding, so the report can say why nothing happens and what
    // a person runs. A result the attempt limit overrode says that instead.
    const blocked = evaluation.plan.filter((step) => step.ruleId === result.ruleId && step.blockedBy).map((step): RecordedBlock => ({
      stepId: step.id,
      reason: step.blockedBy?.reason ?? '',
      message: step.blockedBy?.message ?? '',
      ...(step.missingPrerequisites?.length ? { missing: step.missingPrerequisites.map(({ id, message, fix }) => ({ id, message, fix })) } : {}),
    }));
    if (blocked.length > 0 && !override) recorded.blocked = blocked;
    return recorded;
  });
}

export interface StatusSnapshot {
  status: ClusterStatus;
  results: readonly Pick<RecordedRuleResult, 'ruleId' | 'status' | 'reason'>[];
}

/** Overall transition first, then rules in evaluation order, then rules that are no longer evaluated. */
export function diffTransitions(clusterId: string, before: StatusSnapshot | undefined, after: StatusSnapshot, at: Date, cause: Cause): Transition[] {
  const when = at.toISOString();
  const transitions: Transition[] = [];
  if (before?.status !== after.status) transitions.push({ clusterId, from: before?.status ?? null, to: after.status, at: when, cause });
  const previous = new Map((before?.results ?? []).map((result) => [result.ruleId, result.status]));
  for (const result of after.results) {
    const from = previous.get(result.ruleId) ?? null;
    if (from !== result.status) transitions.push({ clusterId, ruleId: result.ruleId, from, to: result.status, reason: result.reason, at: when, cause });
    previous.delete(result.ruleId);
  }
  for (const [ruleId, from] of previous) transitions.push({ clusterId, ruleId, from, to: null, at: when, cause });
  return transitions;
}

// A string property holds at most 64 KiB (32K UTF-16 units); an entity at most 1 MiB in all. Large JSON is
// spread over numbered properties `<name>0`, `<name>1`, ... with the count in `<name>Parts`.
export const CHUNK_CHARS = 30_000;
export const MAX_CHUNKS = 12;

/** The properties to store `value` under, or undefined when it needs more than `maxChunks` of them. */
export function splitJson(name: string, value: unknown, maxChunks: number = MAX_CHUNKS): Record<string, string | number> | undefined {
  const json = JSON.stringify(value);
  const parts = Math.max(1, Math.ceil(json.length / CHUNK_CHARS));
  if (parts > Math.min(maxChunks, MAX_CHUNKS)) return undefined;
  const out: Record<string, string | number> = { [`${name}Parts`]: parts };
  for (let i = 0; i < parts; i++) out[`${name}${i}`] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  return out;
}

/** Reads what `splitJson` wrote; undefined when the property set is absent. Throws naming `where` when it is damaged. */
export function joinJson(entity: Record<string, unknown>, name: string, where: string): unknown {
  const parts = entity[`${name}Parts`];
  if (parts === undefined || parts === 0) return undefined;
  if (typeof parts !== 'number' || !Number.isInteger(parts) || parts < 0 || parts > MAX_CHUNKS) throw new Error(`${where}: ${name}Parts is not a chunk count`);
  let json = '';
  for (let i = 0; i < parts; i++) {
    const part = entity[`${name}${i}`];
    if (typeof part !== 'string') throw new Error(`${where}: ${name}${i} is missing`);
    json += part;
  }
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw new Error(`${where}: ${name} is not valid JSON`);
  }
}
