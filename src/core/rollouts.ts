// Rollouts, the pure part: the baseline's rollout policies (schema, checks, defaults), which policy governs a plan
// step, which wave a cluster belongs to, the failure budget, the maintenance-window gate, and the progress of a
// rollout derived from its record and its members. No I/O and no clock: `now` is an argument. The record lives in
// Table Storage (src/azure/storage/rollout-store.ts) and the pipeline drives it (src/pipeline/rollouts.ts).
import type { Baseline } from './baseline.js';
import { canStartDisruptiveStep, type MaintenanceConfig } from './maintenance-windows.js';
import { DEFAULT_REGISTRY, type Registry } from './registry.js';
import { parseResourceId, sameResourceId } from './resource-ids.js';
import type { BlockedBy } from './types.js';

/** Which clusters a wave takes. Every criterion given must match; within a list, any entry. */
export interface WaveSelector {
  /** Lower-case subscription ids. */
  subscriptions?: string[];
  /** Names, or ids /subscriptions/<id>/resourceGroups/<name>. */
  resourceGroups?: string[];
  /** Tag name -> value (`*` matches any value). Names compare case-insensitively, values exactly. */
  tags?: Record<string, string>;
}

export interface RolloutWave {
  name: string;
  match: WaveSelector;
  /** Clusters of this wave running the step at once; the policy's maxConcurrent when left out. */
  maxConcurrent?: number;
}

/** Failures tolerated before the rollout halts: a count, or a percentage of the clusters in the rollout. */
export type FailureBudget = { count: number } | { percent: number };

export interface RolloutPolicy {
  /** The rollout's id: its record, its routes and its CLI commands use it. */
  name: string;
  /** The actions it governs (any rule). */
  actions: string[];
  /** The rules it governs (any of their actions). */
  rules: string[];
  waves: RolloutWave[];
  /** Clusters of a wave running the step at once (each wave may say otherwise). */
  maxConcurrent: number;
  maxFailures: FailureBudget;
  /** Wait after a wave completes before the next one starts. */
  soakMinutes: number;
  /** A disruptive step starts only inside a maintenance window with `stepMinutes` left. */
  respectMaintenanceWindow: boolean;
  /** With respectMaintenanceWindow: whether a cluster without any window may be disrupted at any time. */
  allowWithoutWindow: boolean;
  /** How long the step needs inside a window. */
  stepMinutes: number;
}

/** The wave of the clusters no wave's selector matches: always last. */
export const REMAINING_WAVE = 'remaining';
export const ROLLOUT_DEFAULTS = { maxConcurrent: 10, maxFailures: 0, soakMinutes: 0, respectMaintenanceWindow: true, allowWithoutWindow: false, stepMinutes: 60 } as const;
const NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';

const selectorSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Which clusters the wave takes: every criterion given must match; within a list, any entry.',
  properties: {
    subscriptions: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$', errorMessage: 'must be a subscription id (a GUID)' },
      description: 'Subscription ids.',
    },
    resourceGroups: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: '^([-\\w._()]{1,90}|/.+)$', errorMessage: 'must be a resource group name or /subscriptions/<id>/resourceGroups/<name>' },
      description: 'Resource group names (in any subscription) or ids.',
    },
    tags: { type: 'object', minProperties: 1, additionalProperties: { type: 'string' }, description: 'Tag name: value ("*" for any value).' },
  },
} as const;

/** The baseline schema's `rollouts` entry. */
export const ROLLOUTS_SCHEMA = {
  type: 'array',
  description: 'Rollout policies: how steps of the named actions or rules are rolled out across the fleet (waves, maintenance windows, failure budget). Steps no policy names run as before.',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'waves'],
    properties: {
      name: { type: 'string', pattern: NAME_PATTERN, errorMessage: 'must be 1-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit', description: "The rollout's id (routes /api/rollouts/{name}, `aks-baseline-guard rollout ... <name>`)." },
      actions: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'Actions the policy governs, on any rule (enable-managed-identity, ...).' },
      rules: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'Rule ids the policy governs, every action of them.' },
      waves: {
        type: 'array',
        minItems: 1,
        description: `Waves in order. Clusters matching none go in a last wave, "${REMAINING_WAVE}".`,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'match'],
          properties: {
            name: { type: 'string', pattern: NAME_PATTERN, errorMessage: 'must be 1-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit', description: 'The wave\'s name (status, events, approvals).' },
            match: selectorSchema,
            maxConcurrent: { type: 'integer', minimum: 1, errorMessage: 'must be a whole number >= 1', description: "Clusters of this wave running the step at once (default: the policy's)." },
          },
        },
      },
      maxConcurrent: { type: 'integer', minimum: 1, errorMessage: 'must be a whole number >= 1', description: `Clusters of a wave running the step at once (default ${ROLLOUT_DEFAULTS.maxConcurrent}).` },
      maxFailures: {
        type: ['integer', 'string'],
        pattern: '^(100|[1-9]?[0-9])(\\.[0-9]+)?%$',
        minimum: 0,
        errorMessage: 'must be a whole number >= 0 or a percentage such as "5%"',
        description: 'Failed clusters tolerated: the rollout halts when more fail (since it last resumed). A count, or a percentage of the clusters in the rollout (default 0: halt at the first failure).',
      },
      soakMinutes: { type: 'integer', minimum: 0, errorMessage: 'must be a whole number >= 0', description: 'Minutes to wait after a wave completes before the next starts (default 0).' },
      respectMaintenanceWindow: { type: 'boolean', description: "Start a disruptive step only inside one of the cluster's AKS planned maintenance windows (default true)." },
      allowWithoutWindow: { type: 'boolean', description: 'A cluster with no maintenance window may be disrupted at any time (default false: it waits for an owner to define one).' },
      stepMinutes: { type: 'integer', minimum: 1, maximum: 1440, errorMessage: 'must be a whole number of minutes from 1 to 1440', description: `Minutes the step needs inside the window (default ${ROLLOUT_DEFAULTS.stepMinutes}).` },
    },
  },
} as const;

/** A policy as written in the baseline (after the schema). */
export interface RawRolloutPolicy {
  name: string;
  actions?: string[];
  rules?: string[];
  waves: { name: string; match: WaveSelector; maxConcurrent?: number }[];
  maxConcurrent?: number;
  maxFailures?: number | string;
  soakMinutes?: number;
  respectMaintenanceWindow?: boolean;
  allowWithoutWindow?: boolean;
  stepMinutes?: number;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * What the schema cannot say about `rollouts`: an action or rule the baseline does not have, a policy governing
 * nothing, names used twice, an action or rule governed twice, a wave that selects nothing. Defensive: the document
 * may also have failed the schema.
 */
export function rolloutProblems(rollouts: unknown, known: { actions: readonly string[]; ruleIds: readonly string[] }): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  const governedActions = new Map<string, number>();
  const governedRules = new Map<string, number>();
  list(rollouts).map(record).forEach((policy, i) => {
    const at = `rollouts[${i}]`;
    const name = text(policy.name);
    if (name !== undefined) {
      const earlier = names.get(name);
      if (earlier !== undefined) problems.push(`${at}.name: "${name}" is already used by rollouts[${earlier}]`);
      else names.set(name, i);
    }
    if (policy.actions === undefined && policy.rules === undefined) problems.push(`${at}: names no "actions" and no "rules", so it governs nothing`);
    list(policy.actions).forEach((action, j) => {
      if (typeof action !== 'string') return;
      if (!known.actions.includes(action)) problems.push(`${at}.actions[${j}]: "${action}" is not an action; expected one of ${known.actions.join(', ')}`);
      const earlier = governedActions.get(action);
      if (earlier !== undefined && earlier !== i) problems.push(`${at}.actions[${j}]: "${action}" is already governed by rollouts[${earlier}]`);
      governedActions.set(action, i);
    });
    list(policy.rules).forEach((ruleId, j) => {
      if (typeof ruleId !== 'string') return;
      const canonical = known.ruleIds.find((id) => id.toLowerCase() === ruleId.toLowerCase());
      if (!canonical) problems.push(`${at}.rules[${j}]: "${ruleId}" is not a rule of this baseline; expected one of ${known.ruleIds.join(', ') || '(no rules)'}`);
      const key = ruleId.toLowerCase();
      const earlier = governedRules.get(key);
      if (earlier !== undefined && earlier !== i) problems.push(`${at}.rules[${j}]: "${ruleId}" is already governed by rollouts[${earlier}]`);
      governedRules.set(key, i);
    });
    const waveNames = new Map<string, number>();
    list(policy.waves).map(record).forEach((wave, j) => {
      const waveAt = `${at}.waves[${j}]`;
      const waveName = text(wave.name);
      if (waveName === REMAINING_WAVE) problems.push(`${waveAt}.name: "${REMAINING_WAVE}" is the name of the last wave (clusters no wave matches); choose another`);
      else if (waveName !== undefined) {
        const earlier = waveNames.get(waveName);
        if (earlier !== undefined) problems.push(`${waveAt}.name: "${waveName}" is already used by waves[${earlier}]`);
        else waveNames.set(waveName, j);
      }
      const match = record(wave.match);
      if (wave.match !== undefined && Object.keys(match).length === 0) problems.push(`${waveAt}.match: selects nothing; give subscriptions, resourceGroups or tags`);
      list(match.resourceGroups).forEach((group, k) => {
        if (typeof group !== 'string' || !group.startsWith('/')) return;
        try {
          const parts = parseResourceId(group);
          if (parts.resources.length > 0 || !parts.resourceGroup) throw new Error('not a resource group id');
        } catch {
          problems.push(`${waveAt}.match.resourceGroups[${k}]: must be a resource group name or /subscriptions/<id>/resourceGroups/<name>`);
        }
      });
    });
  });
  return problems;
}

/** Fills in the defaults of a policy that passed the schema and rolloutProblems. */
export function normalizeRolloutPolicy(raw: RawRolloutPolicy): RolloutPolicy {
  const budget = raw.maxFailures ?? ROLLOUT_DEFAULTS.maxFailures;
  return {
    name: raw.name,
    actions: [...(raw.actions ?? [])],
    rules: [...(raw.rules ?? [])],
    waves: raw.waves.map((wave) => {
      const match: WaveSelector = {};
      if (wave.match.subscriptions) match.subscriptions = wave.match.subscriptions.map((s) => s.toLowerCase());
      if (wave.match.resourceGroups) match.resourceGroups = [...wave.match.resourceGroups];
      if (wave.match.tags) match.tags = { ...wave.match.tags };
      return { name: wave.name, match, ...(wave.maxConcurrent !== undefined ? { maxConcurrent: wave.maxConcurrent } : {}) };
    }),
    maxConcurrent: raw.maxConcurrent ?? ROLLOUT_DEFAULTS.maxConcurrent,
    maxFailures: typeof budget === 'number' ? { count: budget } : { percent: Number(budget.slice(0, -1)) },
    soakMinutes: raw.soakMinutes ?? ROLLOUT_DEFAULTS.soakMinutes,
    respectMaintenanceWindow: raw.respectMaintenanceWindow ?? ROLLOUT_DEFAULTS.respectMaintenanceWindow,
    allowWithoutWindow: raw.allowWithoutWindow ?? ROLLOUT_DEFAULTS.allowWithoutWindow,
    stepMinutes: raw.stepMinutes ?? ROLLOUT_DEFAULTS.stepMinutes,
  };
}

/** The policy governing a step: one naming its action, else one naming its rule. */
export function rolloutPolicyFor(policies: readonly RolloutPolicy[], step: { action: string; ruleId: string }): RolloutPolicy | undefined {
  return policies.find((policy) => policy.actions.includes(step.action)) ?? policies.find((policy) => policy.rules.some((id) => id.toLowerCase() === step.ruleId.toLowerCase()));
}

/** Every wave's name, the last (`remaining`) included. */
export function waveNames(policy: RolloutPolicy): string[] {
  return [...policy.waves.map((wave) => wave.name), REMAINING_WAVE];
}

export function maxConcurrentOf(policy: RolloutPolicy, wave: number): number {
  return policy.waves[wave]?.maxConcurrent ?? policy.maxConcurrent;
}

/** The index of the first wave whose selector matches the cluster; clusters no wave matches go last. */
export function waveOf(policy: RolloutPolicy, cluster: { id: string; tags: Record<string, string> }): number {
  const index = policy.waves.findIndex((wave) => selects(wave.match, cluster));
  return index >= 0 ? index : policy.waves.length;
}

function selects(selector: WaveSelector, cluster: { id: string; tags: Record<string, string> }): boolean {
  const parts = parseResourceId(cluster.id);
  if (selector.subscriptions && !selector.subscriptions.includes(parts.subscriptionId.toLowerCase())) return false;
  if (selector.resourceGroups) {
    const group = parts.resourceGroup ?? '';
    const groupId = `/subscriptions/${parts.subscriptionId}/resourceGroups/${group}`;
    if (!selector.resourceGroups.some((entry) => (entry.startsWith('/') ? sameResourceId(entry, groupId) : entry.toLowerCase() === group.toLowerCase()))) return false;
  }
  if (selector.tags) {
    for (const [name, wanted] of Object.entries(selector.tags)) {
      const found = Object.entries(cluster.tags).find(([tag]) => tag.toLowerCase() === name.toLowerCase());
      if (!found || (wanted !== '*' && found[1] !== wanted)) return false;
    }
  }
  return true;
}

/** Failures tolerated for a rollout of `clusters` clusters: a count as given, a percentage rounded down. */
export function failureBudget(policy: RolloutPolicy, clusters: number): number {
  return 'count' in policy.maxFailures ? policy.maxFailures.count : Math.floor((policy.maxFailures.percent * clusters) / 100);
}

export function describeBudget(budget: FailureBudget): string {
  return 'count' in budget ? String(budget.count) : `${budget.percent}%`;
}

/**
 * Whether a step of this policy may start now as far as maintenance windows go: undefined when it may, else why not
 * (OutsideMaintenanceWindow with the next window's start, or NoMaintenanceWindow when the baseline does not allow
 * disrupting a cluster that has none). Non-disruptive steps and policies that ignore windows always may.
 */
export function windowBlock(policy: RolloutPolicy, step: { disrupts: string | null }, configs: readonly MaintenanceConfig[], now: Date, unreadable: readonly string[] = []): BlockedBy | undefined {
  if (!policy.respectMaintenanceWindow || step.disrupts === null) return undefined;
  const decision = canStartDisruptiveStep(configs, now, { minimumRemainingMinutes: policy.stepMinutes });
  if (decision.allowed) return undefined;
  if (decision.reason === 'NoMaintenanceWindow') {
    // A window we could not read may be the owner's: never read it as "no window".
    if (unreadable.length > 0) {
      return { reason: 'NoMaintenanceWindow', message: `The cluster's maintenance configurations ${unreadable.join(', ')} could not be read, so no window is known. Rollout ${policy.name} waits until they can be.` };
    }
    if (policy.allowWithoutWindow) return undefined;
    return { reason: 'NoMaintenanceWindow', message: `${decision.message} Rollout ${policy.name} does not disrupt a cluster without a window (allowWithoutWindow is false): define a planned maintenance configuration, or allow it in the baseline.` };
  }
  return {
    reason: 'OutsideMaintenanceWindow',
    message: `${decision.message} Rollout ${policy.name} starts it then.`,
    ...(decision.nextWindowStart ? { nextWindowStart: decision.nextWindowStart } : {}),
  };
}

// ---- the record and its progress ----

export const ROLLOUT_STATUSES = ['Running', 'Halted'] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

export const MEMBER_STATUSES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** A wave as recorded: what people and the progress decided, with when. */
export interface WaveRecord {
  name: string;
  /** When the wave was announced ready for approval (RolloutWaveReady). */
  readyAt?: string;
  approvedAt?: string;
  approvedBy?: string;
  /** When every cluster of the wave had finished (RolloutWaveCompleted). */
  completedAt?: string;
}

export interface RolloutHalt {
  at: string;
  /** Who halted it: a caller, or `failure-budget`. */
  by: string;
  reason: string;
}

export interface RolloutRecord {
  rolloutId: string;
  status: RolloutStatus;
  createdAt: string;
  waves: WaveRecord[];
  halt?: RolloutHalt;
  /** The last resume: failures before it no longer count against the budget. */
  resume?: { at: string; by: string; failuresBefore: number };
}

export interface RolloutMember {
  clusterId: string;
  wave: number;
  status: MemberStatus;
  /** The concurrency slot it holds while Running. */
  slot?: number;
  registeredAt: string;
  /** A Pending cluster waiting for its next maintenance window: not queued by the rollout before then. */
  notBefore?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Why it failed (an ARM error code and message). */
  error?: { code: string; message: string };
}

export interface WaveProgress {
  index: number;
  name: string;
  maxConcurrent: number;
  counts: Record<MemberStatus, number> & { total: number };
  /** Starts may happen in it (earlier waves complete, soaked; approved when the mode asks). */
  open: boolean;
  /** It was open and every member has finished. */
  complete: boolean;
  /** When the soak after the previous wave ends (for the wave after a completed one). */
  soakUntil?: string;
  /** Waiting for a person: the wave is next, and the mode asks for approval. */
  awaitingApproval: boolean;
}

export interface RolloutProgress {
  waves: WaveProgress[];
  /** The first wave not complete; undefined when all are. */
  current: number | undefined;
  failures: number;
  /** Failures that count against the budget (since the last resume). */
  countedFailures: number;
  budget: number;
  /** More failures than the budget. */
  overBudget: boolean;
}

/** A fresh record for a policy. */
export function newRolloutRecord(policy: RolloutPolicy, now: Date): RolloutRecord {
  return { rolloutId: policy.name, status: 'Running', createdAt: now.toISOString(), waves: waveNames(policy).map((name) => ({ name })) };
}

/**
 * The rollout's progress at `now`. A wave opens when every earlier wave is complete and the soak after the last of
 * them is over, and (in approval mode) when a person approved it; it is complete once open and all its members have
 * finished (a wave without members completes as soon as it opens).
 */
export function rolloutProgress(policy: RolloutPolicy, approval: boolean, record: RolloutRecord, members: readonly RolloutMember[], now: Date): RolloutProgress {
  const tally = emptyMemberTally();
  for (const member of members) tallyMember(tally, member);
  return rolloutProgressOf(policy, approval, record, tally, now);
}

export type WaveCounts = Record<MemberStatus, number> & { total: number };

/** The members of a rollout, counted per wave: what the progress needs of them (the report counts while it streams). */
export interface MemberTally {
  byWave: Map<number, WaveCounts>;
  total: number;
}

export function emptyMemberTally(): MemberTally {
  return { byWave: new Map(), total: 0 };
}

export function tallyMember(tally: MemberTally, member: Pick<RolloutMember, 'wave' | 'status'>): void {
  let counts = tally.byWave.get(member.wave);
  if (!counts) {
    counts = { Pending: 0, Running: 0, Succeeded: 0, Failed: 0, total: 0 };
    tally.byWave.set(member.wave, counts);
  }
  counts[member.status] += 1;
  counts.total += 1;
  tally.total += 1;
}

/** rolloutProgress from members already counted. */
export function rolloutProgressOf(policy: RolloutPolicy, approval: boolean, record: RolloutRecord, tally: MemberTally, now: Date): RolloutProgress {
  const names = waveNames(policy);
  const waves: WaveProgress[] = [];
  let previousDone = true;
  let previousCompletedAt: string | undefined;
  for (const [index, name] of names.entries()) {
    const recorded = record.waves[index] ?? { name };
    const counts = { ...(tally.byWave.get(index) ?? { Pending: 0, Running: 0, Succeeded: 0, Failed: 0, total: 0 }) };
    const soakUntil = previousCompletedAt && policy.soakMinutes > 0 ? new Date(Date.parse(previousCompletedAt) + policy.soakMinutes * 60_000).toISOString() : undefined;
    const soaked = soakUntil === undefined || Date.parse(soakUntil) <= now.getTime();
    const approved = !approval || recorded.approvedAt !== undefined;
    const reachable: boolean = previousDone && soaked;
    const open: boolean = reachable && approved;
    const complete: boolean = recorded.completedAt !== undefined || (open && counts.Pending + counts.Running === 0);
    waves.push({ index, name, maxConcurrent: maxConcurrentOf(policy, index), counts, open, complete, ...(soakUntil ? { soakUntil } : {}), awaitingApproval: previousDone && !approved && !complete });
    previousDone = complete;
    previousCompletedAt = recorded.completedAt ?? (complete ? now.toISOString() : undefined);
  }
  let failures = 0;
  for (const counts of tally.byWave.values()) failures += counts.Failed;
  const countedFailures = failures - (record.resume?.failuresBefore ?? 0);
  const budget = failureBudget(policy, tally.total);
  const current = waves.find((wave) => !wave.complete)?.index;
  return { waves, current, failures, countedFailures, budget, overBudget: countedFailures > budget };
}

export const WAVE_STATES = ['completed', 'running', 'halted', 'awaiting-approval', 'soaking', 'waiting'] as const;
export type WaveState = (typeof WAVE_STATES)[number];

/** Where a wave stands, in one word: the soak counts only while it lasts, and a halt stops only the waves that run. */
export function waveState(wave: WaveProgress, halted: boolean, now: Date): WaveState {
  if (wave.complete) return 'completed';
  if (wave.open) return halted ? 'halted' : 'running';
  if (wave.soakUntil !== undefined && Date.parse(wave.soakUntil) > now.getTime()) return 'soaking';
  if (wave.awaitingApproval) return 'awaiting-approval';
  return 'waiting';
}

/**
 * Whether a person approves each wave: when any rule the policy governs is in approval mode (the wave's approval
 * stands for the cluster-by-cluster one). In auto mode the waves follow one another by themselves, after the soak.
 */
export function wavesNeedApproval(baseline: Pick<Baseline, 'rules' | 'requiredExtensions'>, policy: RolloutPolicy, registry: Registry = DEFAULT_REGISTRY): boolean {
  const family = registry.extensionRule;
  return registry.rulesFor(baseline).some((rule) => {
    const definition = registry.clusterRules.find((candidate) => candidate.id === rule.id) ?? family;
    const governed = policy.rules.some((id) => id.toLowerCase() === rule.id.toLowerCase()) || (definition?.actions ?? []).some((action) => policy.actions.includes(action.name));
    return governed && rule.mode === 'approval';
  });
}
