// Rollouts, driven by the same queue worker as everything else (no long-running function): the evaluation pipeline
// asks the gate here before it starts a governed step, tells `afterRun` what came of it, and the rollout advances
// as evaluations finish. People act through approve, halt and resume (HTTP routes and the CLI).
//
//   gate       registers the cluster in its wave (the record is created with the first one), then: halted? wave not
//              open (earlier waves, soak, approval)? outside a maintenance window? Then, as the very last gate, a
//              concurrency slot of the wave is claimed and the cluster marked Running.
//   afterRun   a Running cluster whose step failed is Failed; a settled cluster whose governed steps are gone is Succeeded;
//              either frees its slot, and the rollout advances.
//   advance    one conditional update of the record: halt on the failure budget (RolloutHalted), waves completed
//              (RolloutWaveCompleted), the next wave announced for approval (RolloutWaveReady); then the open wave's
//              waiting clusters are queued, as many as it has free slots (after the soak, by visibility delay).
//
// Decisions are the core's (src/core/rollouts.ts); this module reads and writes the record through the RolloutStore
// port and publishes the events through `publish`, the one place rollout events leave.
import {
  describeBudget,
  maxConcurrentOf,
  newRolloutRecord,
  rolloutPolicyFor,
  rolloutProgress,
  wavesNeedApproval,
  waveOf,
  windowBlock,
  type Baseline,
  type BlockedBy,
  type ClusterSnapshot,
  type PlanStep,
  type RolloutMember,
  type RolloutPolicy,
  type RolloutProgress,
  type RolloutRecord,
} from '../core/index.js';
import { rolloutHaltedEvent, rolloutWaveCompletedEvent, rolloutWaveReadyEvent, type ComplianceCloudEvent } from '../events-out/events.js';
import type { ClusterReader, Log, RolloutStore, WorkQueue } from '../ports.js';

/** Where rollout events go: the events-out publisher when the app has one; it must not throw. */
export type PublishEvents = (events: readonly ComplianceCloudEvent[]) => Promise<void>;

export interface RolloutDeps {
  store: RolloutStore;
  reader: Pick<ClusterReader, 'readMaintenanceConfigs'>;
  queue: Pick<WorkQueue, 'enqueue'>;
  baseline: Baseline;
  publish: PublishEvents;
  log?: Log;
}

/** The gate's answer for one step. */
export type RolloutCheck =
  | { governed: false }
  | { governed: true; policy: RolloutPolicy; member: RolloutMember; gated?: { outcome: 'blocked' | 'awaiting-approval' | 'try-later'; reason: string; blockedBy?: BlockedBy; followUpSeconds?: number } };

/** A person's request could not be done as asked (HTTP 409). */
export class RolloutConflict extends Error {
  override name = 'RolloutConflict';
}

/** No such rollout (HTTP 404). */
export class RolloutNotFound extends Error {
  override name = 'RolloutNotFound';
}

/** The longest a queue message can stay invisible (Azure Queue Storage: 7 days). */
const MAX_QUEUE_DELAY_SECONDS = 7 * 24 * 60 * 60;

const enqueueCause = (rolloutId: string) => ({ kind: 'rollout' as const, id: rolloutId });

/** The policy of a rollout id in the baseline, or RolloutNotFound. */
export function policyNamed(baseline: Baseline, rolloutId: string): RolloutPolicy {
  const policy = (baseline.rollouts ?? []).find((candidate) => candidate.name === rolloutId);
  if (!policy) throw new RolloutNotFound(`the baseline has no rollout "${rolloutId}"${baseline.rollouts?.length ? `; it has ${baseline.rollouts.map((p) => p.name).join(', ')}` : ''}`);
  return policy;
}

/** The step's policy, if one governs it. */
export function governingPolicy(baseline: Baseline, step: Pick<PlanStep, 'action' | 'ruleId'>): RolloutPolicy | undefined {
  return rolloutPolicyFor(baseline.rollouts ?? [], step);
}

/**
 * Everything the gate decides before the intent protocol: the cluster registered, then halted, wave not open,
 * window. No slot is claimed here (claimSlot does, as the last gate).
 */
export async function checkRolloutStep(deps: RolloutDeps, snapshot: ClusterSnapshot, step: PlanStep, now: Date, options: { abortSignal?: AbortSignal } = {}): Promise<RolloutCheck> {
  const policy = governingPolicy(deps.baseline, step);
  if (!policy) return { governed: false };
  const member = await registerMember(deps, policy, snapshot, now);
  if (member.status === 'Running') return { governed: true, policy, member };

  const record = (await deps.store.getRollout(policy.name)) ?? newRolloutRecord(policy, now);
  if (record.status === 'Halted') {
    const halt = record.halt;
    return gated(policy, member, 'blocked', {
      reason: 'RolloutHalted',
      message: `Rollout ${policy.name} is halted${halt ? ` since ${halt.at} by ${halt.by}: ${halt.reason}` : ''}. Nothing new starts until someone resumes it (aks-baseline-guard rollout resume ${policy.name}).`,
    });
  }
  const progress = rolloutProgress(policy, wavesNeedApproval(deps.baseline, policy), record, await deps.store.listMembers(policy.name), now);
  const wave = progress.waves[member.wave];
  if (wave && !wave.open) {
    if (wave.awaitingApproval && (!wave.soakUntil || Date.parse(wave.soakUntil) <= now.getTime())) {
      return { governed: true, policy, member, gated: { outcome: 'awaiting-approval', reason: `wave ${wave.name} of rollout ${policy.name} awaits approval: aks-baseline-guard rollout approve ${policy.name} (or POST /api/rollouts/${policy.name}/approve)` } };
    }
    const current = progress.waves.find((candidate) => !candidate.complete);
    const message = wave.soakUntil && current?.index === member.wave
      ? `Rollout ${policy.name}: wave ${wave.name} starts after the soak, at ${wave.soakUntil}.`
      : `Rollout ${policy.name}: this cluster is in wave ${wave.name}, which starts after wave ${current?.name ?? '(none)'} completes.`;
    return gated(policy, member, 'blocked', { reason: 'RolloutWaveNotOpen', message });
  }
  if (policy.respectMaintenanceWindow && step.disrupts !== null) {
    const read = await deps.reader.readMaintenanceConfigs(snapshot.id, options.abortSignal ? { abortSignal: options.abortSignal } : {});
    const block = windowBlock(policy, step, Object.values(read.configurations), now, read.unreadable.map((config) => config.name));
    if (block) {
      // Remember when it may go, so that freed slots are offered to clusters that can use them now.
      if (block.nextWindowStart && member.notBefore !== block.nextWindowStart) await deps.store.putMember(policy.name, { ...member, notBefore: block.nextWindowStart });
      const check = gated(policy, member, 'blocked', block);
      // Look again when the window opens (the queue holds a message for up to 7 days; a sweep covers longer waits).
      if (block.nextWindowStart && check.gated) check.gated.followUpSeconds = Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(1, Math.ceil((Date.parse(block.nextWindowStart) - now.getTime()) / 1000)));
      return check;
    }
  }
  return { governed: true, policy, member };
}

function gated(policy: RolloutPolicy, member: RolloutMember, outcome: 'blocked', blockedBy: BlockedBy): Extract<RolloutCheck, { governed: true }> {
  return { governed: true, policy, member, gated: { outcome, reason: blockedBy.message, blockedBy } };
}

/**
 * The last gate: a concurrency slot of the cluster's wave, and the cluster marked Running (before the write, so a
 * crash after it never starts a second cluster on the same slot). Undefined when it may start; else why not.
 */
export async function claimRolloutSlot(deps: RolloutDeps, check: Extract<RolloutCheck, { governed: true }>, now: Date): Promise<{ outcome: 'try-later'; reason: string } | undefined> {
  const { policy, member } = check;
  if (member.status === 'Running') return undefined;
  const slots = maxConcurrentOf(policy, member.wave);
  const slot = await deps.store.claimSlot(policy.name, member.wave, slots, member.clusterId);
  if (slot === undefined) return { outcome: 'try-later', reason: `rollout ${policy.name}: wave ${waveName(policy, member.wave)} already runs ${slots} clusters (maxConcurrent); this one is queued when a slot frees` };
  const { error: _error, finishedAt: _finished, notBefore: _notBefore, ...rest } = member;
  const running: RolloutMember = { ...rest, status: 'Running', slot, startedAt: now.toISOString() };
  await deps.store.putMember(policy.name, running);
  check.member = running;
  return undefined;
}

/** What an evaluation did, as far as rollouts care. */
export interface RunSummary {
  clusterId: string;
  /** The cluster's provisioning state is settled (no operation running): a write that only looks done mid-operation is not a success yet. */
  settled: boolean;
  plan: readonly PlanStep[];
  steps: readonly { step: PlanStep; outcome: string; error?: { code: string; message: string } }[];
}

/** After a run: the members of this cluster that finished, their slots freed, and their rollouts advanced. */
export async function afterRolloutRun(deps: RolloutDeps, run: RunSummary, now: Date): Promise<void> {
  for (const policy of deps.baseline.rollouts ?? []) {
    const member = await deps.store.getMember(policy.name, run.clusterId);
    if (!member) continue;
    const governed = (step: PlanStep): boolean => governingPolicy(deps.baseline, step)?.name === policy.name;
    const failed = run.steps.find((report) => governed(report.step) && report.outcome === 'failed');
    let next: RolloutMember | undefined;
    if (member.status === 'Running' && failed) {
      next = { ...withoutSlot(member), status: 'Failed', finishedAt: now.toISOString(), error: { code: failed.error?.code ?? 'Failed', message: failed.error?.message ?? `${failed.step.id} failed` } };
    } else if (!run.plan.some(governed) && member.status !== 'Succeeded' && run.settled) {
      const { error: _error, ...rest } = withoutSlot(member);
      next = { ...rest, status: 'Succeeded', finishedAt: now.toISOString() };
    }
    if (!next) continue;
    await deps.store.putMember(policy.name, next);
    if (member.slot !== undefined) await deps.store.releaseSlot(policy.name, member.wave, member.slot);
    deps.log?.info(`${run.clusterId}: ${next.status} in rollout ${policy.name} (wave ${waveName(policy, member.wave)})`);
    await advanceRollout(deps, policy, now);
  }
}

function withoutSlot(member: RolloutMember): RolloutMember {
  const { slot: _slot, ...rest } = member;
  return rest;
}

function waveName(policy: RolloutPolicy, wave: number): string {
  return policy.waves[wave]?.name ?? 'remaining';
}

/** The cluster's member row, created (in the wave its selector gives) the first time a governed step is planned. */
async function registerMember(deps: RolloutDeps, policy: RolloutPolicy, snapshot: ClusterSnapshot, now: Date): Promise<RolloutMember> {
  const existing = await deps.store.getMember(policy.name, snapshot.id);
  if (existing) return existing;
  const first = (await deps.store.getRollout(policy.name)) === undefined;
  if (first) await deps.store.createRollout(newRolloutRecord(policy, now));
  const member: RolloutMember = { clusterId: snapshot.id, wave: waveOf(policy, snapshot), status: 'Pending', registeredAt: now.toISOString() };
  await deps.store.putMember(policy.name, member);
  // The first member makes the first wave ready: say so now (later ones change nothing a person waits for).
  if (first) await advanceRollout(deps, policy, now);
  return member;
}

/**
 * Moves the rollout on: one conditional update of the record (halt on the budget, completed waves, the next wave
 * announced), its events published once (by the writer that made the change), then the open wave's waiting
 * clusters queued up to its free slots.
 */
export async function advanceRollout(deps: RolloutDeps, policy: RolloutPolicy, now: Date): Promise<RolloutProgress | undefined> {
  const approval = wavesNeedApproval(deps.baseline, policy);
  const members = await deps.store.listMembers(policy.name);
  let events: ComplianceCloudEvent[] = [];
  const updated = await deps.store.updateRollout(policy.name, (record) => {
    events = [];
    let changed = false;
    const at = now.toISOString();
    let progress = rolloutProgress(policy, approval, record, members, now);
    if (record.status === 'Running' && progress.overBudget) {
      const reason = `${progress.countedFailures} clusters failed, more than maxFailures ${describeBudget(policy.maxFailures)} allows (${progress.budget} of ${members.length} clusters)`;
      record.status = 'Halted';
      record.halt = { at, by: 'failure-budget', reason };
      events.push(rolloutHaltedEvent({ rolloutId: policy.name, reason, by: 'failure-budget', failures: progress.countedFailures, budget: progress.budget, at }));
      changed = true;
    }
    for (const wave of progress.waves) {
      const recorded = record.waves[wave.index];
      if (!recorded || !wave.complete || recorded.completedAt) continue;
      recorded.completedAt = at;
      events.push(rolloutWaveCompletedEvent({ rolloutId: policy.name, index: wave.index, name: wave.name, succeeded: wave.counts.Succeeded, failed: wave.counts.Failed, at }));
      changed = true;
    }
    progress = rolloutProgress(policy, approval, record, members, now);
    const next = progress.waves.find((wave) => !wave.complete);
    const recordedNext = next ? record.waves[next.index] : undefined;
    if (next && recordedNext && next.awaitingApproval && !recordedNext.readyAt) {
      recordedNext.readyAt = at;
      const soakLeft = next.soakUntil && Date.parse(next.soakUntil) > now.getTime() ? next.soakUntil : undefined;
      events.push(rolloutWaveReadyEvent({ rolloutId: policy.name, index: next.index, name: next.name, clusters: next.counts.total, ...(soakLeft ? { startsNoEarlierThan: soakLeft } : {}), at }));
      changed = true;
    }
    return changed ? record : undefined;
  });
  if (events.length > 0 && updated.changed) await deps.publish(events);
  const progress = rolloutProgress(policy, approval, updated.record, members, now);
  if (updated.record.status === 'Running') await queueWaiting(deps, policy, progress, members, now);
  return progress;
}

/** The waiting clusters of the wave that may run next, up to its free slots (after the soak, if one is running). */
async function queueWaiting(deps: RolloutDeps, policy: RolloutPolicy, progress: RolloutProgress, members: readonly RolloutMember[], now: Date): Promise<void> {
  const current = progress.waves.find((wave) => !wave.complete);
  if (!current) return;
  const soakLeftMs = current.soakUntil ? Date.parse(current.soakUntil) - now.getTime() : 0;
  const approved = current.open || (soakLeftMs > 0 && !current.awaitingApproval);
  if (!approved) return;
  const free = current.maxConcurrent - current.counts.Running;
  const startsBy = now.getTime() + Math.max(0, soakLeftMs);
  const waiting = members
    .filter((member) => member.wave === current.index && member.status === 'Pending' && (!member.notBefore || Date.parse(member.notBefore) <= startsBy))
    .slice(0, Math.max(0, free));
  for (const member of waiting) {
    await deps.queue.enqueue(
      { clusterId: member.clusterId, cause: enqueueCause(policy.name), enqueuedAt: now.toISOString() },
      soakLeftMs > 0 ? { visibilityDelaySeconds: Math.min(MAX_QUEUE_DELAY_SECONDS, Math.ceil(soakLeftMs / 1000)) } : {},
    );
  }
}

// ---- what people do -----------------------------------------------------------------------------------------

export interface RolloutStatusView {
  rolloutId: string;
  status: RolloutRecord['status'] | 'NotStarted';
  createdAt?: string;
  halt?: RolloutRecord['halt'];
  resume?: RolloutRecord['resume'];
  approvalPerWave: boolean;
  failures: number;
  countedFailures: number;
  budget: number;
  maxFailures: string;
  currentWave?: string;
  waves: {
    index: number;
    name: string;
    maxConcurrent: number;
    clusters: number;
    pending: number;
    running: number;
    succeeded: number;
    failed: number;
    open: boolean;
    complete: boolean;
    awaitingApproval: boolean;
    soakUntil?: string;
    readyAt?: string;
    approvedAt?: string;
    approvedBy?: string;
    completedAt?: string;
  }[];
}

/** The rollout's state and progress, as the status route and the CLI show it. */
export async function rolloutStatus(deps: Pick<RolloutDeps, 'store' | 'baseline'>, rolloutId: string, now: Date): Promise<RolloutStatusView> {
  const policy = policyNamed(deps.baseline, rolloutId);
  const stored = await deps.store.getRollout(rolloutId);
  const record = stored ?? newRolloutRecord(policy, now);
  const members = stored ? await deps.store.listMembers(rolloutId) : [];
  const approval = wavesNeedApproval(deps.baseline, policy);
  const progress = rolloutProgress(policy, approval, record, members, now);
  return {
    rolloutId,
    status: stored ? record.status : 'NotStarted',
    ...(stored ? { createdAt: record.createdAt } : {}),
    ...(record.halt ? { halt: record.halt } : {}),
    ...(record.resume ? { resume: record.resume } : {}),
    approvalPerWave: approval,
    failures: progress.failures,
    countedFailures: progress.countedFailures,
    budget: progress.budget,
    maxFailures: describeBudget(policy.maxFailures),
    ...(progress.current !== undefined ? { currentWave: progress.waves[progress.current]?.name } : {}),
    waves: progress.waves.map((wave) => {
      const recorded = record.waves[wave.index] ?? { name: wave.name };
      return {
        index: wave.index,
        name: wave.name,
        maxConcurrent: wave.maxConcurrent,
        clusters: wave.counts.total,
        pending: wave.counts.Pending,
        running: wave.counts.Running,
        succeeded: wave.counts.Succeeded,
        failed: wave.counts.Failed,
        open: wave.open,
        complete: wave.complete,
        awaitingApproval: wave.awaitingApproval,
        ...(wave.soakUntil ? { soakUntil: wave.soakUntil } : {}),
        ...(recorded.readyAt ? { readyAt: recorded.readyAt } : {}),
        ...(recorded.approvedAt ? { approvedAt: recorded.approvedAt } : {}),
        ...(recorded.approvedBy ? { approvedBy: recorded.approvedBy } : {}),
        ...(recorded.completedAt ? { completedAt: recorded.completedAt } : {}),
      };
    }),
  };
}

async function existingRecord(deps: RolloutDeps, rolloutId: string): Promise<{ policy: RolloutPolicy; record: RolloutRecord }> {
  const policy = policyNamed(deps.baseline, rolloutId);
  const record = await deps.store.getRollout(rolloutId);
  if (!record) throw new RolloutNotFound(`rollout "${rolloutId}" has not started: no cluster has needed one of its steps yet (run a sweep)`);
  return { policy, record };
}

/**
 * Approves the wave that waits for approval, once: the approver is recorded, and its clusters are queued. Refused
 * (RolloutConflict) when no wave waits: the current one still runs, or waves need no approval (auto mode).
 */
export async function approveNextWave(deps: RolloutDeps, rolloutId: string, approver: string, now: Date): Promise<{ wave: string; index: number }> {
  const { policy } = await existingRecord(deps, rolloutId);
  if (!wavesNeedApproval(deps.baseline, policy)) throw new RolloutConflict(`rollout ${rolloutId}: its rules are in auto mode, so its waves follow one another by themselves; nothing to approve`);
  const members = await deps.store.listMembers(rolloutId);
  let approved: { wave: string; index: number } | undefined;
  let refusal = '';
  await deps.store.updateRollout(rolloutId, (record) => {
    approved = undefined;
    const progress = rolloutProgress(policy, true, record, members, now);
    const next = progress.waves.find((wave) => !wave.complete);
    if (!next) return ((refusal = `rollout ${rolloutId}: every wave is complete`), undefined);
    if (!next.awaitingApproval) return ((refusal = `rollout ${rolloutId}: wave ${next.name} is already approved and running; the next wave can be approved once it completes`), undefined);
    const recorded = record.waves[next.index];
    if (!recorded) return ((refusal = `rollout ${rolloutId}: wave ${next.name} is not in the record`), undefined);
    recorded.approvedAt = now.toISOString();
    recorded.approvedBy = approver;
    recorded.readyAt ??= now.toISOString();
    approved = { wave: next.name, index: next.index };
    return record;
  });
  if (!approved) throw new RolloutConflict(refusal);
  deps.log?.info(`rollout ${rolloutId}: wave ${approved.wave} approved by ${approver}`);
  await advanceRollout(deps, policy, now);
  return approved;
}

/** Halts the rollout: nothing new starts; clusters already running finish. Halting a halted rollout is refused. */
export async function haltRollout(deps: RolloutDeps, rolloutId: string, caller: string, reason: string, now: Date): Promise<RolloutRecord> {
  await existingRecord(deps, rolloutId);
  const at = now.toISOString();
  const { record, changed } = await deps.store.updateRollout(rolloutId, (current) => (current.status === 'Halted' ? undefined : { ...current, status: 'Halted', halt: { at, by: caller, reason } }));
  if (!changed) throw new RolloutConflict(`rollout ${rolloutId} is already halted (${record.halt ? `by ${record.halt.by} at ${record.halt.at}: ${record.halt.reason}` : 'no reason recorded'})`);
  await deps.publish([rolloutHaltedEvent({ rolloutId, reason, by: caller, at })]);
  return record;
}

/**
 * Resumes a halted rollout: the failures so far stop counting against the budget (a fresh budget), the resume and
 * who asked are recorded, and waiting clusters are queued again.
 */
export async function resumeRollout(deps: RolloutDeps, rolloutId: string, caller: string, now: Date): Promise<RolloutRecord> {
  const { policy } = await existingRecord(deps, rolloutId);
  const failures = (await deps.store.listMembers(rolloutId)).filter((member) => member.status === 'Failed').length;
  const { record, changed } = await deps.store.updateRollout(rolloutId, (current) => {
    if (current.status !== 'Halted') return undefined;
    const { halt: _halt, ...rest } = current;
    return { ...rest, status: 'Running', resume: { at: now.toISOString(), by: caller, failuresBefore: failures } };
  });
  if (!changed) throw new RolloutConflict(`rollout ${rolloutId} is not halted`);
  deps.log?.info(`rollout ${rolloutId}: resumed by ${caller}; ${failures} earlier failures no longer count against the budget`);
  await advanceRollout(deps, policy, now);
  return record;
}
