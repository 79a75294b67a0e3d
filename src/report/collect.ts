// What the report shows, aggregated from a store while it streams (ReportSource): the four scans (states, history
// since the start of the window, remediations since then, rollout records and members) run side by side, each row
// is folded into counters and bounded lists as it arrives, and nothing keeps every row. Memory grows with the number
// of rules, subscriptions, rollouts and their waves, chart buckets and `maxRows`, not with the fleet.
//
// The store does not keep plans, so what waits for approval is read from the baseline: a NonCompliant rule whose
// mode is `approval` waits for a person, and the rule's actions (from the registry) say what it would run and what
// that disrupts. Compliance over time is computed backwards from the states: each cluster-level transition in the
// window is undone, bucket by bucket, from the counts of now.
import {
  DEFAULT_REGISTRY,
  describeBudget,
  emptyMemberTally,
  exemptionExpiry,
  parseClusterId,
  resourceIdKey,
  rolloutProgressOf,
  stepId,
  tallyMember,
  waveState,
  wavesNeedApproval,
  type ActionDefinition,
  type Baseline,
  type MemberTally,
  type Mode,
  type Registry,
  type RolloutPolicy,
  type RolloutRecord,
} from '../core/index.js';
import { exemptionNoticeDue, scrubErrorMessage } from '../events-out/events.js';
import type { ClusterState, RecordedRuleResult, RemediationRecord, ReportSource, Transition } from '../ports.js';
import { approvalCliCommand, approvalHttpCall, type ApprovalCommandOptions } from './approvals.js';
import type { ApprovalRow, ApprovalStep, BlockedRow, Counts, ExemptionRow, FailureRow, RemediationBucket, RemediationRow, ReportData, ReportRollout, ReportSweep, RolloutWaveRow } from './model.js';
import { bucketFor } from './since.js';

/** Rows a detailed table lists at most, unless told otherwise; the rest is counted. */
export const DEFAULT_MAX_ROWS = 500;
/** Subscriptions listed one by one; the rest are summed in one row. */
export const MAX_SUBSCRIPTION_ROWS = 200;
/** Newest remediation rows listed. */
export const RECENT_REMEDIATIONS = 200;
/** EXEMPTION_EXPIRY_NOTICE_DAYS when unset. */
export const DEFAULT_NOTICE_DAYS = 14;
/** Attempt counters read for the failures listed (point reads), at most this many at a time. */
const ATTEMPT_READS_IN_PARALLEL = 8;

export interface CollectReportOptions {
  baseline: Baseline;
  /** How the baseline is named on the page (a file path, BASELINE_PATH). */
  baselineLabel: string;
  /** Where the rows come from, for people: never a key or a connection string. */
  store: string;
  since: Date;
  now: Date;
  title?: string;
  /** Exemptions ending within this many days are listed (EXEMPTION_EXPIRY_NOTICE_DAYS, default 14). */
  noticeDays?: number;
  /** Longest a detailed table gets (default 500). */
  maxRows?: number;
  /** How the approval commands are written (the app's URL, Entra ID, the baseline file for the CLI). */
  approvalCommands?: ApprovalCommandOptions;
  registry?: Registry;
  abortSignal?: AbortSignal;
}

interface RuleInfo {
  ruleId: string;
  mode: Mode;
  actions: readonly ActionDefinition[];
}

/** Keeps the first `limit` rows offered and counts them all. */
class FirstRows<T> {
  readonly rows: T[] = [];
  total = 0;
  constructor(private readonly limit: number) {}
  offer(make: () => T): void {
    this.total += 1;
    if (this.rows.length < this.limit) this.rows.push(make());
  }
  get omitted(): number {
    return this.total - this.rows.length;
  }
}

/** Keeps the `limit` rows with the greatest key (the newest), in bounded memory, and counts them all. */
class NewestRows<T> {
  private kept: { key: string; row: T }[] = [];
  total = 0;
  constructor(private readonly limit: number) {}
  offer(key: string, make: () => T): void {
    this.total += 1;
    if (this.limit === 0) return;
    this.kept.push({ key, row: make() });
    if (this.kept.length >= 2 * this.limit) this.trim();
  }
  rows(): T[] {
    this.trim();
    return this.kept.map((entry) => entry.row);
  }
  get omitted(): number {
    return this.total - Math.min(this.total, this.limit);
  }
  private trim(): void {
    this.kept.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    this.kept.length = Math.min(this.kept.length, this.limit);
  }
}

function bump(counts: Counts, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

function counter<K>(map: Map<K, Counts>, key: K): Counts {
  let counts = map.get(key);
  if (!counts) {
    counts = {};
    map.set(key, counts);
  }
  return counts;
}

/** The rules the baseline turns on, by lower-cased rule id, with their mode and the actions that can fix them. */
export function baselineRules(baseline: Baseline, registry: Registry = DEFAULT_REGISTRY): Map<string, RuleInfo> {
  const rules = new Map<string, RuleInfo>();
  for (const definition of registry.clusterRules) {
    const setting = baseline.rules[definition.key];
    if (setting) rules.set(definition.id.toLowerCase(), { ruleId: definition.id, mode: setting.mode, actions: definition.actions });
  }
  const family = registry.extensionRule;
  if (family) {
    for (const entry of baseline.requiredExtensions) {
      const ruleId = family.ruleId(entry as never);
      rules.set(ruleId.toLowerCase(), { ruleId, mode: entry.mode, actions: family.actions });
    }
  }
  return rules;
}

/** What an approval of the rule names (its one step, or the rule and so every step of it) and the steps it may run. */
export function approvalOf(rule: RuleInfo): { approve: string; steps: ApprovalStep[] } {
  // A person's own steps (target `manual`: a grant the app's role cannot make) are never approved, only done.
  const approvable = rule.actions.filter((action) => action.target !== 'manual');
  const steps = approvable.map((action) => ({ action: action.name, disrupts: action.disrupts }));
  const only = approvable.length === 1 ? approvable[0] : undefined;
  return { approve: only ? stepId(rule.ruleId, only.name) : rule.ruleId, steps };
}

/**
 * The blocked steps of a recorded result (issue 14's `blockedBy`, issue 15's missing prerequisites) as one finding:
 * the first step's reason, every step's message, and the commands a person runs. Anything malformed is ignored.
 */
function blockOf(result: RecordedRuleResult): { reason: string; message: string; fixes: string[] } | undefined {
  const blocks = (result.blocked ?? []).filter((block) => typeof block.reason === 'string' && block.reason.length > 0);
  const first = blocks[0];
  if (!first) return undefined;
  const fixes = blocks.flatMap((block) => (block.missing ?? []).map((missing) => missing.fix).filter((fix) => typeof fix === 'string' && fix.length > 0));
  return { reason: first.reason, message: blocks.map((block) => block.message).join(' '), fixes: [...new Set(fixes)] };
}

function clusterNameOf(clusterId: string): string {
  try {
    return parseClusterId(clusterId).name;
  } catch {
    return clusterId;
  }
}

function sweepOf(record: { sweepId: string; trigger: string; status: string; startedAt: string; finishedAt?: string; clustersEnqueued?: number }): ReportSweep {
  return {
    sweepId: record.sweepId,
    trigger: record.trigger,
    status: record.status,
    startedAt: record.startedAt,
    ...(record.finishedAt !== undefined ? { finishedAt: record.finishedAt } : {}),
    ...(record.clustersEnqueued !== undefined ? { clustersEnqueued: record.clustersEnqueued } : {}),
  };
}

function sortedCounts(map: Map<string, number>): { key: string; n: number }[] {
  return [...map].map(([key, n]) => ({ key, n })).sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
}

/** Reads the store once (four streamed scans side by side) and returns what the report shows. */
export async function collectReport(source: ReportSource, options: CollectReportOptions): Promise<ReportData> {
  const { baseline, since, now } = options;
  if (!(since.getTime() < now.getTime())) throw new RangeError(`collectReport: since (${since.toISOString()}) must be before now (${now.toISOString()})`);
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  if (!Number.isInteger(maxRows) || maxRows < 0) throw new RangeError(`collectReport: maxRows must be a whole number >= 0, got ${maxRows}`);
  const noticeDays = options.noticeDays ?? DEFAULT_NOTICE_DAYS;
  const registry = options.registry ?? DEFAULT_REGISTRY;
  const rules = baselineRules(baseline, registry);
  const signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};

  const windowMs = now.getTime() - since.getTime();
  const bucketMs = bucketFor(windowMs);
  const bucketCount = Math.max(1, Math.ceil(windowMs / bucketMs));
  const bucketOf = (at: string): number => {
    const ms = Date.parse(at);
    if (Number.isNaN(ms)) return bucketCount - 1;
    return Math.min(bucketCount - 1, Math.max(0, Math.floor((ms - since.getTime()) / bucketMs)));
  };

  // Exemptions that end within the notice period: few, so their clusters are watched for during the state scan.
  const expiring = baseline.exemptions
    .map((exemption) => ({ exemption, expiry: exemptionExpiry(exemption) }))
    .filter(({ expiry }) => !Number.isNaN(expiry.getTime()) && exemptionNoticeDue(expiry, now, noticeDays))
    .sort((a, b) => a.expiry.getTime() - b.expiry.getTime());
  const watched = new Map<string, ClusterState>();
  const watchedKeys = new Set(expiring.map(({ exemption }) => resourceIdKey(exemption.clusterId)));

  // ---- the states: fleet, rules, subscriptions, approvals, failures, blocked
  const fleetCounts: Counts = {};
  const bySubscription = new Map<string, Counts>();
  const subscriptionClusters = new Map<string, number>();
  const ruleCounts = new Map<string, Counts>();
  const ruleAwaiting = new Map<string, number>();
  const approvalRows = new FirstRows<ApprovalRow>(maxRows);
  const failureRows = new FirstRows<FailureRow>(maxRows);
  const failureCodes = new Map<string, number>();
  const blockedRows = new FirstRows<BlockedRow>(maxRows);
  const blockedReasons = new Map<string, number>();
  let clusters = 0;
  let awaitingClusters = 0;
  let failureClusters = 0;
  let oldest: string | undefined;
  let newest: string | undefined;

  const readStates = async (): Promise<void> => {
    for await (const state of source.scanStates(signal)) {
      bump(fleetCounts, state.status);
      const key = resourceIdKey(state.clusterId);
      if (watchedKeys.has(key)) watched.set(key, state);
      if (state.status === 'Deleted') continue;
      clusters += 1;
      const subscription = state.subscriptionId.toLowerCase();
      bump(counter(bySubscription, subscription), state.status);
      subscriptionClusters.set(subscription, (subscriptionClusters.get(subscription) ?? 0) + 1);
      if (oldest === undefined || state.evaluatedAt < oldest) oldest = state.evaluatedAt;
      if (newest === undefined || state.evaluatedAt > newest) newest = state.evaluatedAt;
      let waits = false;
      let failed = false;
      for (const result of state.results) {
        const info = rules.get(result.ruleId.toLowerCase());
        const ruleId = info?.ruleId ?? result.ruleId;
        bump(counter(ruleCounts, ruleId), result.status);
        const block = blockOf(result);
        if (block) {
          blockedReasons.set(block.reason, (blockedReasons.get(block.reason) ?? 0) + 1);
          blockedRows.offer(() => ({ clusterId: state.clusterId, clusterName: state.clusterName, ruleId, ...block }));
        } else if (result.status === 'NonCompliant' && info?.mode === 'approval') {
          waits = true;
          ruleAwaiting.set(ruleId, (ruleAwaiting.get(ruleId) ?? 0) + 1);
          const approval = approvalOf(info);
          approvalRows.offer(() => ({
            clusterId: state.clusterId,
            clusterName: state.clusterName,
            ruleId,
            ...approval,
            httpCall: approvalHttpCall(state.clusterId, approval.approve, options.approvalCommands),
            cliCommand: approvalCliCommand(state.clusterId, approval.approve, options.approvalCommands),
          }));
        }
        if (result.status === 'RemediationFailed') {
          failed = true;
          const code = result.lastError?.code ?? 'Unknown';
          failureCodes.set(code, (failureCodes.get(code) ?? 0) + 1);
          failureRows.offer(() => ({
            clusterId: state.clusterId,
            clusterName: state.clusterName,
            ruleId,
            code,
            message: scrubErrorMessage(result.lastError?.message ?? ''),
            evaluatedAt: state.evaluatedAt,
          }));
        }
      }
      if (waits) awaitingClusters += 1;
      if (failed) failureClusters += 1;
    }
  };

  // ---- the history: per bucket, what the cluster-level transitions changed
  const deltas: Counts[] = Array.from({ length: bucketCount }, () => ({}));
  let transitions = 0;
  let ruleTransitions = 0;
  const readHistory = async (): Promise<void> => {
    for await (const transition of source.scanHistory({ since, ...signal })) {
      if (transition.ruleId !== undefined) {
        ruleTransitions += 1;
        continue;
      }
      transitions += 1;
      applyTransition(deltas[bucketOf(transition.at)] as Counts, transition);
    }
  };

  // ---- the remediations started in the window
  const remediationStatus: Counts = {};
  const remediationRules = new Map<string, Counts>();
  const buckets: { started: number; ended: Counts }[] = Array.from({ length: bucketCount }, () => ({ started: 0, ended: {} }));
  const recent = new NewestRows<RemediationRow>(Math.min(maxRows, RECENT_REMEDIATIONS));
  const readRemediations = async (): Promise<void> => {
    for await (const record of source.scanRemediations({ since, ...signal })) {
      bump(remediationStatus, record.status);
      bump(counter(remediationRules, record.ruleId), record.status);
      (buckets[bucketOf(record.startedAt)] as { started: number }).started += 1;
      if (record.completedAt !== undefined && Date.parse(record.completedAt) >= since.getTime()) bump((buckets[bucketOf(record.completedAt)] as { ended: Counts }).ended, record.status);
      recent.offer(`${record.startedAt}|${record.ref.rowKey}`, () => remediationRow(record));
    }
  };

  // ---- the rollouts: each record, and its members counted per wave (never kept)
  const rolloutRecords = new Map<string, RolloutRecord>();
  const rolloutTallies = new Map<string, MemberTally>();
  const readRollouts = async (): Promise<void> => {
    for await (const row of source.scanRollouts(signal)) {
      if (row.kind === 'record') {
        rolloutRecords.set(row.record.rolloutId, row.record);
        continue;
      }
      let tally = rolloutTallies.get(row.rolloutId);
      if (!tally) {
        tally = emptyMemberTally();
        rolloutTallies.set(row.rolloutId, tally);
      }
      tallyMember(tally, row.member);
    }
  };

  const [sweeps] = await Promise.all([source.listSweeps({ limit: 1 }), readStates(), readHistory(), readRemediations(), readRollouts()]);

  // Attempts for the failures listed: a point read each, a few at a time.
  await forEachLimited(failureRows.rows, ATTEMPT_READS_IN_PARALLEL, async (row) => {
    const attempts = await source.getAttempts(row.clusterId, row.ruleId);
    if (attempts.count > 0) row.attempts = attempts.count;
  });

  const history = historyPoints(fleetCounts, deltas, since, bucketMs, now);
  const subscriptions = [...bySubscription.keys()];
  const problemsOf = (counts: Counts): number => (counts['NonCompliant'] ?? 0) + (counts['RemediationFailed'] ?? 0) + (counts['Unknown'] ?? 0);
  const subscriptionRows = subscriptions
    .map((subscriptionId) => ({ subscriptionId, clusters: subscriptionClusters.get(subscriptionId) ?? 0, counts: bySubscription.get(subscriptionId) ?? {} }))
    .sort((a, b) => problemsOf(b.counts) - problemsOf(a.counts) || b.clusters - a.clusters || (a.subscriptionId < b.subscriptionId ? -1 : 1));
  const shownSubscriptions = subscriptionRows.slice(0, MAX_SUBSCRIPTION_ROWS);
  const otherSubscriptions = subscriptionRows.slice(MAX_SUBSCRIPTION_ROWS);

  const baselineRuleIds = [...rules.values()].map((rule) => rule.ruleId);
  const ruleOrder = [...baselineRuleIds, ...[...ruleCounts.keys()].filter((id) => !baselineRuleIds.includes(id)).sort()];

  const exemptionRows: ExemptionRow[] = expiring.map(({ exemption, expiry }) => {
    const state = watched.get(resourceIdKey(exemption.clusterId));
    const status = state === undefined ? undefined : exemption.ruleId === '*' ? state.status : state.results.find((result) => result.ruleId.toLowerCase() === exemption.ruleId.toLowerCase())?.status;
    return {
      clusterId: exemption.clusterId,
      ...(state ? { clusterName: state.clusterName } : {}),
      ruleId: exemption.ruleId,
      reason: exemption.reason,
      expires: exemption.expires,
      expiry: expiry.toISOString(),
      ...(status !== undefined ? { status } : {}),
    };
  });

  return {
    title: options.title ?? 'AKS baseline compliance',
    generatedAt: now.toISOString(),
    store: options.store,
    baseline: { label: options.baselineLabel, rules: [...rules.values()].map((rule) => ({ ruleId: rule.ruleId, mode: rule.mode })) },
    window: { since: since.toISOString(), until: now.toISOString(), bucketMs },
    maxRows,
    fleet: {
      clusters,
      subscriptions: subscriptions.length,
      counts: fleetCounts,
      awaitingApproval: awaitingClusters,
      ...(oldest !== undefined ? { oldestEvaluation: oldest } : {}),
      ...(newest !== undefined ? { newestEvaluation: newest } : {}),
      ...(sweeps[0] ? { lastSweep: sweepOf(sweeps[0]) } : {}),
    },
    byRule: ruleOrder.map((ruleId) => {
      const mode = rules.get(ruleId.toLowerCase())?.mode;
      return { ruleId, ...(mode ? { mode } : {}), counts: ruleCounts.get(ruleId) ?? {}, awaitingApproval: ruleAwaiting.get(ruleId) ?? 0 };
    }),
    bySubscription: {
      rows: shownSubscriptions,
      ...(otherSubscriptions.length > 0
        ? {
            others: {
              subscriptions: otherSubscriptions.length,
              clusters: otherSubscriptions.reduce((sum, row) => sum + row.clusters, 0),
              counts: otherSubscriptions.reduce<Counts>((sum, row) => {
                for (const [status, n] of Object.entries(row.counts)) bump(sum, status, n);
                return sum;
              }, {}),
            },
          }
        : {}),
    },
    history: { points: history.points, transitions, ruleTransitions, incomplete: history.incomplete },
    remediations: {
      rows: recent.total,
      byStatus: remediationStatus,
      byRule: [...remediationRules].map(([ruleId, counts]) => ({ ruleId, counts })).sort((a, b) => (a.ruleId < b.ruleId ? -1 : 1)),
      buckets: buckets.map((bucket, index): RemediationBucket => ({ at: bucketEnd(since, bucketMs, index, now), started: bucket.started, ended: bucket.ended })),
      recent: recent.rows(),
      omitted: recent.omitted,
    },
    approvals: {
      clusters: awaitingClusters,
      rules: approvalRows.total,
      // A cluster has one result per rule, so the clusters a rule waits on are its waiting findings.
      byRule: [...ruleAwaiting]
        .map(([ruleId, waiting]) => {
          const info = rules.get(ruleId.toLowerCase());
          const approval = info ? approvalOf(info) : { approve: ruleId, steps: [] };
          return { ruleId, clusters: waiting, ...approval };
        })
        .sort((a, b) => b.clusters - a.clusters || (a.ruleId < b.ruleId ? -1 : 1)),
      rows: approvalRows.rows,
      omitted: approvalRows.omitted,
    },
    failures: {
      findings: failureRows.total,
      clusters: failureClusters,
      byCode: sortedCounts(failureCodes).map(({ key, n }) => ({ code: key, findings: n })),
      rows: failureRows.rows,
      omitted: failureRows.omitted,
    },
    blocked: {
      findings: blockedRows.total,
      byReason: sortedCounts(blockedReasons).map(({ key, n }) => ({ reason: key, findings: n })),
      rows: blockedRows.rows,
      omitted: blockedRows.omitted,
    },
    exemptions: { noticeDays, rows: exemptionRows },
    rollouts: rolloutSection(baseline, registry, rolloutRecords, rolloutTallies, now, maxRows),
  };
}

/**
 * The baseline's rollouts in its order, then records whose policy it no longer has (by id), the first `maxRows`
 * listed. Progress is the core's (rolloutProgressOf), from the members counted while streaming.
 */
function rolloutSection(baseline: Baseline, registry: Registry, records: ReadonlyMap<string, RolloutRecord>, tallies: ReadonlyMap<string, MemberTally>, now: Date, maxRows: number): NonNullable<ReportData['rollouts']> {
  const policies = baseline.rollouts ?? [];
  const known = new Set(policies.map((policy) => policy.name));
  const orphans = [...new Set([...records.keys(), ...tallies.keys()])].filter((id) => !known.has(id)).sort();
  const rows = new FirstRows<ReportRollout>(maxRows);
  for (const policy of policies) rows.offer(() => rolloutOfPolicy(baseline, registry, policy, records.get(policy.name), tallies.get(policy.name) ?? emptyMemberTally(), now));
  for (const id of orphans) rows.offer(() => orphanRollout(id, records.get(id), tallies.get(id) ?? emptyMemberTally()));
  return { total: rows.total, rows: rows.rows, omitted: rows.omitted };
}

function rolloutOfPolicy(baseline: Baseline, registry: Registry, policy: RolloutPolicy, record: RolloutRecord | undefined, tally: MemberTally, now: Date): ReportRollout {
  const approval = wavesNeedApproval(baseline, policy, registry);
  const recorded = record ?? { rolloutId: policy.name, status: 'Running' as const, createdAt: now.toISOString(), waves: [] };
  const progress = rolloutProgressOf(policy, approval, recorded, tally, now);
  const halted = record?.status === 'Halted';
  const waves = progress.waves.map((wave): RolloutWaveRow => {
    const entry = recorded.waves[wave.index];
    return {
      index: wave.index,
      name: wave.name,
      // Before the first cluster registers nothing has run: an empty wave would otherwise read as complete.
      state: record ? waveState(wave, halted, now) : 'waiting',
      maxConcurrent: wave.maxConcurrent,
      ...waveCounts(tally, wave.index),
      ...(wave.soakUntil ? { soakUntil: wave.soakUntil } : {}),
      ...(entry?.approvedAt ? { approvedAt: entry.approvedAt } : {}),
      ...(entry?.approvedBy ? { approvedBy: entry.approvedBy } : {}),
      ...(entry?.completedAt ? { completedAt: entry.completedAt } : {}),
    };
  });
  const current = progress.current !== undefined ? waves[progress.current] : undefined;
  return {
    rolloutId: policy.name,
    state: !record ? 'not-started' : halted ? 'halted' : (current?.state ?? 'completed'),
    inBaseline: true,
    ...(record ? { createdAt: record.createdAt } : {}),
    ...recordPeople(record),
    approvalPerWave: approval,
    ...(record && current ? { currentWave: current.name } : {}),
    failures: progress.failures,
    countedFailures: progress.countedFailures,
    budget: progress.budget,
    maxFailures: describeBudget(policy.maxFailures),
    waves,
  };
}

/** A record whose policy left the baseline: what was recorded, without progress (that needs the policy). */
function orphanRollout(rolloutId: string, record: RolloutRecord | undefined, tally: MemberTally): ReportRollout {
  const count = Math.max(record?.waves.length ?? 0, ...[...tally.byWave.keys()].map((index) => index + 1));
  const halted = record?.status === 'Halted';
  const waves = Array.from({ length: count }, (_, index): RolloutWaveRow => {
    const entry = record?.waves[index];
    // Without the policy, whether a wave is open is unknown: one with clusters running is running, as far as we know.
    const running = (tally.byWave.get(index)?.Running ?? 0) > 0;
    return {
      index,
      name: entry?.name ?? `#${index + 1}`,
      state: entry?.completedAt ? 'completed' : running ? (halted ? 'halted' : 'running') : 'waiting',
      ...waveCounts(tally, index),
      ...(entry?.approvedAt ? { approvedAt: entry.approvedAt } : {}),
      ...(entry?.approvedBy ? { approvedBy: entry.approvedBy } : {}),
      ...(entry?.completedAt ? { completedAt: entry.completedAt } : {}),
    };
  });
  let failures = 0;
  for (const counts of tally.byWave.values()) failures += counts.Failed;
  return {
    rolloutId,
    state: !record ? 'not-started' : halted ? 'halted' : waves.every((wave) => wave.state === 'completed') ? 'completed' : 'running',
    inBaseline: false,
    ...(record ? { createdAt: record.createdAt } : {}),
    ...recordPeople(record),
    failures,
    waves,
  };
}

function recordPeople(record: RolloutRecord | undefined): Pick<ReportRollout, 'halt' | 'resume'> {
  return {
    ...(record?.status === 'Halted' && record.halt ? { halt: { at: record.halt.at, by: record.halt.by, reason: record.halt.reason } } : {}),
    ...(record?.resume ? { resume: { at: record.resume.at, by: record.resume.by } } : {}),
  };
}

function waveCounts(tally: MemberTally, index: number): Pick<RolloutWaveRow, 'clusters' | 'pending' | 'running' | 'succeeded' | 'failed'> {
  const counts = tally.byWave.get(index);
  return { clusters: counts?.total ?? 0, pending: counts?.Pending ?? 0, running: counts?.Running ?? 0, succeeded: counts?.Succeeded ?? 0, failed: counts?.Failed ?? 0 };
}

/** What one cluster-level transition changed in the counts: +1 for its new status, -1 for its old one. */
function applyTransition(delta: Counts, transition: Transition): void {
  if (transition.to !== null) bump(delta, transition.to);
  if (transition.from !== null) bump(delta, transition.from, -1);
}

function bucketEnd(since: Date, bucketMs: number, index: number, now: Date): string {
  return new Date(Math.min(now.getTime(), since.getTime() + (index + 1) * bucketMs)).toISOString();
}

/**
 * The counts at `since`, at the end of every bucket and now, from the counts now and what each bucket changed: the
 * counts at the end of bucket j are now's minus every change after it. A count below zero means the history does not
 * add up with the states (rows missing); it is shown as zero and the chart is flagged.
 */
export function historyPoints(now: Counts, deltas: readonly Counts[], since: Date, bucketMs: number, until: Date): { points: ReportData['history']['points']; incomplete: boolean } {
  const points: ReportData['history']['points'] = [];
  let incomplete = false;
  const running: Counts = { ...now };
  const clean = (counts: Counts): Counts => {
    const out: Counts = {};
    for (const [status, n] of Object.entries(counts)) {
      if (status === 'Deleted') continue;
      if (n < 0) incomplete = true;
      if (n > 0) out[status] = n;
    }
    return out;
  };
  for (let index = deltas.length - 1; index >= 0; index--) {
    points.push({ at: bucketEnd(since, bucketMs, index, until), counts: clean(running) });
    for (const [status, n] of Object.entries(deltas[index] ?? {})) bump(running, status, -n);
  }
  points.push({ at: since.toISOString(), counts: clean(running) });
  return { points: points.reverse(), incomplete };
}

function remediationRow(record: RemediationRecord): RemediationRow {
  return {
    clusterId: record.clusterId,
    clusterName: clusterNameOf(record.clusterId),
    stepId: record.stepId,
    ruleId: record.ruleId,
    action: record.action,
    attempt: record.attempt,
    status: record.status,
    startedAt: record.startedAt,
    ...(record.completedAt !== undefined ? { completedAt: record.completedAt } : {}),
    causeKind: record.cause.kind,
    ...(record.error ? { errorCode: record.error.code, errorMessage: scrubErrorMessage(record.error.message) } : {}),
  };
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
