// The storage ports in memory: cluster state with its history, the remediation log, attempts, coordination and
// sweeps, with the same decisions as the Table Storage adapter (recorded results and transitions come from the
// same pure helpers, src/azure/storage/state-model.ts) and none of its I/O. For unit tests of the pipeline.
import { recordedResults, diffTransitions } from '../../../src/azure/storage/state-model.js';
import { CLUSTER_STATUSES, parseClusterId, recordedStatus, type Evaluation, type RolloutMember, type RolloutRecord } from '../../../src/core/index.js';
import { PENDING_STALE_AFTER_MS } from '../../../src/azure/storage/coordination.js';
import type {
  Attempts,
  Cause,
  ChangeClaim,
  ClaimedEvent,
  FollowUpMark,
  PendingMark,
  PendingTakeover,
  ReleaseOptions,
  ClusterState,
  CompleteRemediationInput,
  ComplianceStore,
  FinishSweepInput,
  Lease,
  ListStatesOptions,
  Page,
  RecordAttemptOptions,
  RecordedBasis,
  RecordEvaluationOptions,
  RemediationRecord,
  RemediationRef,
  StartRemediationInput,
  StatusCounts,
  SweepRecord,
  SweepTrigger,
  Transition,
} from '../../../src/ports.js';

const key = (id: string): string => id.toLowerCase();

interface CoordinationRow {
  state: 'pending' | 'running';
  owner?: string;
  expiresAt?: string;
  since: string;
  etag: string;
  /** A pending mark's event (what acquireLease recognises a mark by once events joined it). */
  eventId?: string;
  /** Events joined this row. */
  joined?: boolean;
}

export class InMemoryStore implements ComplianceStore {
  readonly states = new Map<string, ClusterState>();
  /** Newest last. */
  readonly history = new Map<string, Transition[]>();
  /** Newest last. */
  readonly remediations = new Map<string, RemediationRecord[]>();
  readonly attempts = new Map<string, Attempts>();
  /** Claimed event ids, as `<cluster>|<event id>`. */
  readonly events = new Set<string>();
  /** Per cluster: a pending mark or a running lease (absent: idle). */
  readonly leases = new Map<string, CoordinationRow>();
  /** Per cluster: events that joined a pending or running evaluation. */
  readonly notes = new Map<string, { eventId: string; eventTime: string }[]>();
  readonly sweeps = new Map<string, SweepRecord>();
  readonly rollouts = new Map<string, RolloutRecord>();
  /** Per rollout, per cluster key. */
  readonly rolloutMembers = new Map<string, Map<string, RolloutMember>>();
  /** Per rollout, `<wave>|<slot>` -> cluster key. */
  readonly rolloutSlots = new Map<string, Map<string, string>>();
  private etags = 0;

  // ---- ClusterStateStore

  /** Per cluster: what the state row says about open remediation rows (absent: it does not say). */
  readonly remediationsOpen = new Map<string, boolean>();

  async readBasis(clusterId: string): Promise<RecordedBasis> {
    const state = this.states.get(key(clusterId));
    return { clusterId, state: structuredClone(state), remediationsOpen: state !== undefined && this.remediationsOpen.get(key(clusterId)) !== false };
  }

  async getState(clusterId: string): Promise<ClusterState | undefined> {
    return structuredClone(this.states.get(key(clusterId)));
  }

  async listStates(options: ListStatesOptions = {}): Promise<Page<ClusterState>> {
    const items = [...this.states.values()].filter(
      (state) => (!options.status || state.status === options.status) && (!options.subscriptionId || state.subscriptionId.toLowerCase() === options.subscriptionId.toLowerCase()),
    );
    return { items: structuredClone(items) };
  }

  async countByStatus(options: { subscriptionId?: string } = {}): Promise<StatusCounts> {
    const counts = Object.fromEntries(CLUSTER_STATUSES.map((status) => [status, 0])) as StatusCounts;
    counts.total = 0;
    for (const state of (await this.listStates(options)).items) {
      counts[state.status] += 1;
      counts.total += 1;
    }
    return counts;
  }

  async recordEvaluation(clusterId: string, evaluation: Evaluation, cause: Cause, options: RecordEvaluationOptions): Promise<Transition[]> {
    const overrides = options.ruleOverrides ?? [];
    const ref = parseClusterId(clusterId);
    const current = this.states.get(key(clusterId));
    const location = options.location ?? current?.location;
    const state: ClusterState = {
      clusterId,
      subscriptionId: ref.subscriptionId,
      resourceGroup: ref.resourceGroup,
      clusterName: ref.name,
      ...(location !== undefined ? { location } : {}),
      status: recordedStatus(evaluation, overrides),
      results: recordedResults(evaluation, overrides),
      evaluatedAt: options.now.toISOString(),
      lastCause: cause,
      version: (current?.version ?? 0) + 1,
    };
    if (options.remediationsOpen !== undefined) this.remediationsOpen.set(key(clusterId), options.remediationsOpen);
    return this.write(clusterId, state, diffTransitions(clusterId, current, state, options.now, cause));
  }

  async markDeleted(clusterId: string, cause: Cause, now: Date): Promise<Transition[]> {
    const current = this.states.get(key(clusterId));
    if (!current || current.status === 'Deleted') return [];
    const state: ClusterState = { ...current, status: 'Deleted', evaluatedAt: now.toISOString(), lastCause: cause, version: current.version + 1 };
    return this.write(clusterId, state, diffTransitions(clusterId, { status: current.status, results: [] }, { status: 'Deleted', results: [] }, now, cause));
  }

  async listHistory(clusterId: string, options: { limit?: number } = {}): Promise<Transition[]> {
    return [...(this.history.get(key(clusterId)) ?? [])].reverse().slice(0, options.limit ?? 50);
  }

  private write(clusterId: string, state: ClusterState, transitions: Transition[]): Transition[] {
    this.states.set(key(clusterId), state);
    this.history.set(key(clusterId), [...(this.history.get(key(clusterId)) ?? []), ...transitions]);
    return transitions;
  }

  // ---- RemediationLog

  async startRemediation(input: StartRemediationInput): Promise<RemediationRef> {
    const rows = this.remediations.get(key(input.clusterId)) ?? [];
    const ref: RemediationRef = { clusterId: input.clusterId, rowKey: `row-${rows.length}`, etag: this.etag() };
    rows.push({
      ref,
      clusterId: input.clusterId,
      stepId: input.stepId,
      ruleId: input.ruleId,
      action: input.action,
      attempt: input.attempt,
      status: 'Started',
      cause: input.cause,
      request: input.request,
      ...(input.disrupts ? { disrupts: input.disrupts } : {}),
      ...(input.removes ? { removes: structuredClone(input.removes) } : {}),
      startedAt: (input.now ?? new Date()).toISOString(),
    });
    this.remediations.set(key(input.clusterId), rows);
    return ref;
  }

  async completeRemediation(ref: RemediationRef, input: CompleteRemediationInput): Promise<RemediationRef> {
    const row = (this.remediations.get(key(ref.clusterId)) ?? []).find((candidate) => candidate.ref.rowKey === ref.rowKey);
    if (!row || row.ref.etag !== ref.etag) throw new Error(`remediation ${ref.rowKey} of ${ref.clusterId} changed since it was read (412)`);
    row.status = input.outcome;
    row.ref = { ...row.ref, etag: this.etag() };
    if (input.outcome !== 'Accepted') row.completedAt = (input.now ?? new Date()).toISOString();
    if (input.armOperation) row.armOperation = input.armOperation;
    if (input.error) row.error = input.error;
    return row.ref;
  }

  async findOpenRemediation(clusterId: string, stepId: string): Promise<RemediationRecord | undefined> {
    const latest = (this.remediations.get(key(clusterId)) ?? []).filter((row) => row.stepId === stepId).at(-1);
    return latest && (latest.status === 'Started' || latest.status === 'Accepted') ? structuredClone(latest) : undefined;
  }

  async listRemediations(clusterId: string, options: { limit?: number } = {}): Promise<RemediationRecord[]> {
    return structuredClone([...(this.remediations.get(key(clusterId)) ?? [])].reverse().slice(0, options.limit ?? 50));
  }

  /** Every row of a cluster, oldest first, as [stepId, status, attempt]. */
  rowsOf(clusterId: string): [string, string, number][] {
    return (this.remediations.get(key(clusterId)) ?? []).map((row) => [row.stepId, row.status, row.attempt]);
  }

  // ---- AttemptTracker

  async getAttempts(clusterId: string, ruleId: string): Promise<Attempts> {
    return structuredClone(this.attempts.get(`${key(clusterId)}|${ruleId}`) ?? { count: 0 });
  }

  async recordAttempt(clusterId: string, ruleId: string, options: RecordAttemptOptions): Promise<Attempts> {
    const before = (await this.getAttempts(clusterId, ruleId)).count;
    const count = options.sameAttempt ? Math.max(before, 1) : before + 1;
    const waitSeconds = Math.min(options.maxBackoffSeconds ?? 86_400, options.backoffBaseSeconds * 2 ** (count - 1));
    const attempts: Attempts = {
      count,
      lastAttemptAt: options.now.toISOString(),
      nextAttemptAfter: new Date(options.now.getTime() + waitSeconds * 1000).toISOString(),
      ...(options.error ? { lastError: options.error } : {}),
    };
    this.attempts.set(`${key(clusterId)}|${ruleId}`, attempts);
    return structuredClone(attempts);
  }

  async resetAttempts(clusterId: string, ruleId: string): Promise<void> {
    this.attempts.delete(`${key(clusterId)}|${ruleId}`);
  }

  // ---- Coordination (the same decisions as src/azure/storage/coordination.ts)

  async claimChange(clusterId: string, event: ClaimedEvent, now: Date): Promise<ChangeClaim> {
    const eventKey = `${key(clusterId)}|${key(event.id)}`;
    const row = this.leases.get(key(clusterId));
    if (this.events.has(eventKey)) {
      // A redelivery restarts a pending mark that lost its message.
      if (row?.state !== 'pending' || !(now.getTime() - Date.parse(row.since) > PENDING_STALE_AFTER_MS)) return { outcome: 'duplicate' };
      return { outcome: 'first', pending: this.markPending(clusterId, now, event.id) };
    }
    this.events.add(eventKey);
    if (!row) return { outcome: 'first', pending: this.markPending(clusterId, now, event.id) };
    row.etag = this.etag();
    row.joined = true;
    this.notes.set(key(clusterId), [...(this.notes.get(key(clusterId)) ?? []), { eventId: event.id, eventTime: event.time }]);
    return { outcome: 'joined' };
  }

  async claimEvent(clusterId: string, eventId: string): Promise<boolean> {
    const eventKey = `${key(clusterId)}|${key(eventId)}`;
    if (this.events.has(eventKey)) return false;
    this.events.add(eventKey);
    return true;
  }

  async releaseEventClaim(clusterId: string, eventId: string, pending?: PendingMark): Promise<void> {
    this.events.delete(`${key(clusterId)}|${key(eventId)}`);
    if (pending) await this.abandonPending(pending);
  }

  async abandonPending(mark: PendingMark): Promise<void> {
    if (this.leases.get(key(mark.clusterId))?.state === 'pending') this.leases.delete(key(mark.clusterId));
  }

  async acquireLease(clusterId: string, owner: string, ttlMs: number, now: Date, pending?: PendingTakeover): Promise<Lease | undefined> {
    const held = this.leases.get(key(clusterId));
    if (held?.state === 'running' && held.owner !== owner && Date.parse(held.expiresAt ?? '') > now.getTime()) return undefined;
    const sameMark = held !== undefined && pending !== undefined && (held.etag === pending.etag || (held.state === 'pending' && pending.eventId !== undefined && held.eventId === pending.eventId));
    const lease: Lease = {
      clusterId,
      owner,
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      etag: this.etag(),
      ...(sameMark ? { tookOverMark: true as const } : {}),
      ...(held?.joined ? { eventsJoinedBefore: true as const } : {}),
    };
    this.leases.set(key(clusterId), { state: 'running', owner, expiresAt: lease.expiresAt, since: now.toISOString(), etag: lease.etag });
    return { ...lease };
  }

  async releaseLease(lease: Lease, options?: ReleaseOptions): Promise<FollowUpMark | undefined> {
    const row = this.leases.get(key(lease.clusterId));
    if (row?.state !== 'running' || row.owner !== lease.owner) return undefined;
    this.leases.delete(key(lease.clusterId));
    if (row.etag === lease.etag && !lease.eventsJoinedBefore) return undefined;
    const notes = this.notes.get(key(lease.clusterId)) ?? [];
    this.notes.delete(key(lease.clusterId));
    const newest = [...notes].sort((a, b) => Date.parse(b.eventTime) - Date.parse(a.eventTime))[0];
    if (!options || !newest || !(Date.parse(newest.eventTime) > options.readAt.getTime() - options.marginMs)) return undefined;
    return { ...this.markPending(lease.clusterId, options.now, newest.eventId), eventId: newest.eventId, eventTime: new Date(newest.eventTime).toISOString() };
  }

  private markPending(clusterId: string, now: Date, eventId: string): PendingMark {
    const etag = this.etag();
    this.leases.set(key(clusterId), { state: 'pending', since: now.toISOString(), etag, eventId });
    return { clusterId, etag };
  }

  // ---- SweepLog

  async startSweep(input: { sweepId: string; trigger: SweepTrigger; now: Date }): Promise<SweepRecord> {
    const record = this.sweeps.get(input.sweepId) ?? { sweepId: input.sweepId, trigger: input.trigger, status: 'Running' as const, startedAt: input.now.toISOString() };
    this.sweeps.set(input.sweepId, record);
    return { ...record };
  }

  async finishSweep(sweepId: string, input: FinishSweepInput): Promise<SweepRecord> {
    const started = this.sweeps.get(sweepId);
    if (!started) throw new RangeError(`finishSweep: no sweep "${sweepId}" was started`);
    const record: SweepRecord = {
      ...started,
      status: input.errors.length > 0 ? 'CompletedWithErrors' : 'Completed',
      finishedAt: input.now.toISOString(),
      clustersEnqueued: input.clustersEnqueued,
      subscriptions: [...input.subscriptions],
      errors: [...input.errors],
    };
    this.sweeps.set(sweepId, record);
    return { ...record };
  }

  async getSweep(sweepId: string): Promise<SweepRecord | undefined> {
    return this.sweeps.get(sweepId);
  }

  async listSweeps(): Promise<SweepRecord[]> {
    return [...this.sweeps.values()].reverse();
  }

  private etag(): string {
    this.etags += 1;
    return `W/"${this.etags}"`;
  }

  // ---- RolloutStore

  async getRollout(rolloutId: string): Promise<RolloutRecord | undefined> {
    return structuredClone(this.rollouts.get(rolloutId));
  }

  async createRollout(record: RolloutRecord): Promise<RolloutRecord> {
    if (!this.rollouts.has(record.rolloutId)) this.rollouts.set(record.rolloutId, structuredClone(record));
    return structuredClone(this.rollouts.get(record.rolloutId) as RolloutRecord);
  }

  async updateRollout(rolloutId: string, change: (record: RolloutRecord) => RolloutRecord | undefined): Promise<{ record: RolloutRecord; changed: boolean }> {
    const current = this.rollouts.get(rolloutId);
    if (!current) throw new RangeError(`rollout "${rolloutId}" has no record yet`);
    const next = change(structuredClone(current));
    if (!next) return { record: structuredClone(current), changed: false };
    this.rollouts.set(rolloutId, structuredClone(next));
    return { record: structuredClone(next), changed: true };
  }

  async listRollouts(): Promise<RolloutRecord[]> {
    return structuredClone([...this.rollouts.values()]);
  }

  async getMember(rolloutId: string, clusterId: string): Promise<RolloutMember | undefined> {
    return structuredClone(this.rolloutMembers.get(rolloutId)?.get(key(clusterId)));
  }

  async putMember(rolloutId: string, member: RolloutMember): Promise<void> {
    const members = this.rolloutMembers.get(rolloutId) ?? new Map<string, RolloutMember>();
    members.set(key(member.clusterId), structuredClone(member));
    this.rolloutMembers.set(rolloutId, members);
  }

  async listMembers(rolloutId: string): Promise<RolloutMember[]> {
    return structuredClone([...(this.rolloutMembers.get(rolloutId)?.values() ?? [])]);
  }

  async claimSlot(rolloutId: string, wave: number, slots: number, clusterId: string): Promise<number | undefined> {
    const held = this.rolloutSlots.get(rolloutId) ?? new Map<string, string>();
    this.rolloutSlots.set(rolloutId, held);
    for (const [slotKey, holder] of held) if (holder === key(clusterId) && slotKey.startsWith(`${wave}|`)) return Number(slotKey.split('|')[1]);
    for (let slot = 0; slot < slots; slot++) {
      if (held.has(`${wave}|${slot}`)) continue;
      held.set(`${wave}|${slot}`, key(clusterId));
      return slot;
    }
    return undefined;
  }

  async releaseSlot(rolloutId: string, wave: number, slot: number): Promise<void> {
    this.rolloutSlots.get(rolloutId)?.delete(`${wave}|${slot}`);
  }

}
