// The seams between the pipeline (src/pipeline) and the outside world: one small interface per need. The Azure
// adapters (src/azure) implement each one once; the in-memory fakes in test/support/fakes implement them for unit
// tests, and test/support/faults.ts wraps them to inject crashes. Nothing here does I/O.
//
//   ARM        ClusterReader (read a cluster, list subscriptions and clusters), FactReader (provider registrations,
//              tenant, storage accounts), StepWriter (start a plan step's write)
//   Storage    ClusterStateStore, RemediationLog (intent rows), AttemptTracker, Coordination (event dedupe, pending
//              marks, leases), SweepLog, WorkQueue
//   Telemetry  Telemetry
//   Events out EventsPublisher (compliance events to the Event Grid topic; never throws)
//
// Failures: the ARM ports throw ArmError and the Storage ports StorageError (src/azure/errors.ts), whose kind is
// what a caller branches on. Times go in as Date and come back as ISO-8601 strings, so records can be returned over
// HTTP as they are.

import type { ArmFailure } from './azure/errors.js';
import type { ComplianceCloudEvent } from './events-out/events.js';
import type { TELEMETRY_EVENTS, TELEMETRY_METRICS } from './names.js';
import type {
  Baseline,
  ClusterSnapshot,
  ClusterStatus,
  ErrorInfo,
  Evaluation,
  EvaluationFacts,
  FactsWanted,
  PlanStep,
  RecordedRuleStatus,
  RemediationAction,
  RuleOverride,
  RolloutMember,
  RolloutRecord,
  StepRemovals,
} from './core/index.js';
import type { MaintenanceConfigs } from './core/maintenance-windows.js';

// ---- ARM ---------------------------------------------------------------------------------------------------------

export interface ReadOptions {
  abortSignal?: AbortSignal;
}

/** A cluster as listed: enough to decide whether to read it. */
export interface ListedCluster {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  provisioningState?: string;
}

export interface ListedSubscription {
  subscriptionId: string;
  displayName?: string;
  state?: string;
}

/**
 * Reads clusters. Failures are thrown as ArmError (a cluster that does not exist is kind `not-found`), and an id or
 * body the core cannot read as InvalidInputError. Listings stream, page by page.
 */
export interface ClusterReader {
  readCluster(clusterId: string, options?: ReadOptions): Promise<ClusterSnapshot>;
  listSubscriptions(options?: ReadOptions): AsyncIterable<ListedSubscription>;
  listClusters(scope: { subscriptionId: string; resourceGroup?: string }, options?: ReadOptions): AsyncIterable<ListedCluster>;
  /** The cluster's AKS planned maintenance configurations, parsed; those that do not parse are in `unreadable`. */
  readMaintenanceConfigs(clusterId: string, options?: ReadOptions): Promise<MaintenanceConfigs>;
}

/**
 * Reads the facts around a cluster that its evaluation needs (core `factsWanted`): provider registrations and the
 * tenant of its subscription, the storage accounts its settings name. Never throws for a fact it cannot read: the fact
 * is left out (the evaluation then says it was not checked, or blocks the install naming it) and `unread` says why.
 * Adapters keep what they read for a while, so a sweep reads each subscription's facts once.
 */
export interface FactReader {
  readFacts(wanted: FactsWanted, options?: ReadOptions): Promise<{ facts: EvaluationFacts; unread: string[] }>;
}

export type ApplyOutcome =
  | { status: 'succeeded' }
  /** Nothing was written: a fresh read shows the step is no longer needed (someone fixed it, or it became exempt). */
  | { status: 'not-needed'; reason: string }
  /** Not now: the resource is busy, throttled beyond the SDK's retries, unreachable, or changed again under us. */
  | { status: 'try-later'; failure: ArmFailure }
  | { status: 'failed'; failure: ArmFailure };

export type OperationTarget = 'cluster' | 'extension';

/** A step's write as ARM took it (or the outcome decided without one). */
export interface OperationHandle {
  stepId: string;
  action: RemediationAction;
  target: OperationTarget;
  /** The resource written (the cluster id, or the extension id). */
  resourceId: string;
  /** ISO time the write was attempted. */
  startedAt: string;
  /** True when ARM accepted a write; false when the outcome was decided without one (then `wait()` returns it at once). */
  started: boolean;
  /** The step as sent: after a re-plan it is the fresh plan's version of the step. */
  step: PlanStep;
  /** ARM's x-ms-correlation-request-id of the write, for support cases and the remediation log. */
  correlationId?: string;
  /** The operation's status URL (ARM's Azure-AsyncOperation header), kept so that a later run can read its outcome. */
  operationUrl?: string;
  /** Polls the operation to its end. Never throws for ARM failures: they come back classified. */
  wait(options?: { abortSignal?: AbortSignal }): Promise<ApplyOutcome>;
}

export interface StepWriteContext {
  /** The snapshot the step was planned from. */
  plannedFrom: ClusterSnapshot;
  /** What the step was planned with: a cluster that changed since is planned again from a fresh read, with these. */
  baseline: Baseline;
  /** The facts the step was planned with (the same subscription's, so still current for a re-plan). */
  facts?: EvaluationFacts;
  now: Date;
  abortSignal?: AbortSignal;
}

/**
 * Where a write ARM accepted stands, read from its operation status (ARM's async operation contract): still running,
 * succeeded, or failed with ARM's error; `unknown` when the status could not be read (expired, unreachable, not ours).
 */
export type OperationCheck =
  | { status: 'in-progress' }
  | { status: 'succeeded' }
  | { status: 'failed'; failure: ArmFailure }
  | { status: 'unknown'; reason: string };

/** Starts a plan step's ARM write and resolves once ARM accepted or refused it. ARM failures come back in the handle. */
export interface StepWriter {
  startStep(step: PlanStep, context: StepWriteContext): Promise<OperationHandle>;
  /**
   * Reads the status of an operation a write started (its OperationHandle.operationUrl), once: ARM accepting a write
   * (and its write event) says nothing of how the operation ends. Never throws for ARM failures.
   */
  checkOperation(operationUrl: string, resourceId: string, options?: ReadOptions): Promise<OperationCheck>;
}

/** ARM requests counted on the wire (the CLI's scan summary prints them). */
export interface ArmRequestCounts {
  requests: Record<'read' | 'write' | 'delete' | 'lro-poll', number>;
  throttled: number;
  serverErrors: number;
  connectionErrors: number;
  pacedRequests: number;
  pacedMs: number;
}

// ---- Telemetry -----------------------------------------------------------------------------------------------------

/** The custom events and metrics the app emits: one list, in src/names.ts, that the workbook test also reads. */
export type TelemetryEventName = (typeof TELEMETRY_EVENTS)[keyof typeof TELEMETRY_EVENTS];
export type TelemetryMetricName = (typeof TELEMETRY_METRICS)[keyof typeof TELEMETRY_METRICS];

export type TelemetryProperties = Record<string, string | number | boolean | undefined>;

/** Application Insights in the app (src/azure/telemetry.ts); nothing, or a recorder, elsewhere. */
export interface Telemetry {
  event(name: TelemetryEventName, properties?: TelemetryProperties): void;
  metric(name: TelemetryMetricName, value: number, properties?: TelemetryProperties): void;
  flush(): Promise<void>;
}

/** Where the pipeline and the handlers write their logs: an InvocationContext satisfies it, and so does `console`. */
export interface Log {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

// ---- Events out ----------------------------------------------------------------------------------------------------

export interface PublishEventsOptions {
  abortSignal?: AbortSignal;
}

/** One failed request, or events dropped without one (EventTooLarge, PendingQueueFull). */
export interface PublishFailure {
  /** The service's error code, `Http<status>`, a network code, `Timeout`, `Cancelled`, `EventTooLarge` or `PendingQueueFull`. */
  code: string;
  statusCode?: number;
  /** Events it concerned. */
  events: number;
  /** Of those, held to be sent again. */
  heldBack: number;
  /** Of those, given up on. */
  dropped: number;
}

export interface PublishEventsResult {
  /** Events the topic accepted in this call, held ones included. */
  sent: number;
  /** Events given up on in this call. */
  dropped: number;
  /** Events held for the next publish() or flush() after this call, from this call and earlier ones. */
  pending: number;
  failures: PublishFailure[];
}

export interface EventsPublisherStats {
  /** Events the topic accepted. */
  sent: number;
  /** Events given up on. */
  dropped: number;
  /** Requests that failed, after the SDK's retries. */
  failedRequests: number;
  /** Attempts the SDK's pipeline made again after a 429, a 5xx or a network error. */
  retriedRequests: number;
  /** Events held now. */
  pending: number;
}

export interface EventsPublisher {
  /** False for the no-op publisher (no topic configured). */
  readonly enabled: boolean;
  /** Sends the events held back earlier, then `events`. Never throws and never rejects. */
  publish(events: readonly ComplianceCloudEvent[], options?: PublishEventsOptions): Promise<PublishEventsResult>;
  /** Sends only the events held back earlier. Never throws and never rejects. */
  flush(options?: PublishEventsOptions): Promise<PublishEventsResult>;
  /** Totals since the publisher was made. */
  stats(): EventsPublisherStats;
}

// ---- Storage -------------------------------------------------------------------------------------------------------

export const CAUSE_KINDS = ['event', 'sweep', 'http', 'cli', 'continuation', 'rollout'] as const;
export type CauseKind = (typeof CAUSE_KINDS)[number];

/** Why something ran: the Event Grid event id, the sweep id, the HTTP request id, ... */
export interface Cause {
  kind: CauseKind;
  id: string;
  correlationId?: string;
  /** Who asked, when a person or an app did (HTTP/CLI). */
  caller?: string;
}

export interface RecordedRuleResult {
  ruleId: string;
  status: RecordedRuleStatus;
  reason: string;
  message: string;
  expected?: unknown;
  observed?: unknown;
  /** The last ARM error, when the rule is RemediationFailed. */
  lastError?: ErrorInfo;
  /**
   * The rule's steps that cannot run (a missing prerequisite, a stopped cluster, an AKS-managed extension...): the
   * reason code, why, and for a missing prerequisite the command a person runs. Absent when none is blocked.
   */
  blocked?: RecordedBlock[];
}

export interface RecordedBlock {
  stepId: string;
  /** BlockedBy reason code, e.g. `PrerequisiteMissing`, `ClusterStopped`. */
  reason: string;
  message: string;
  /** For PrerequisiteMissing: each missing thing with its fix (the exact `az` command, or the baseline change). */
  missing?: { id: string; message: string; fix: string }[];
}

export interface ClusterState {
  /** As ARM spelled it when last recorded. */
  clusterId: string;
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
  location?: string;
  status: ClusterStatus;
  results: RecordedRuleResult[];
  evaluatedAt: string;
  lastCause: Cause;
  /** Increases by one on every write of this cluster's state. */
  version: number;
  /** True when expected/observed values were too large to keep and were left out. */
  detailsOmitted?: boolean;
}

/** One status change. `ruleId` absent: the cluster's overall status. `from` null: first seen; `to` null: no longer evaluated. */
export interface Transition {
  clusterId: string;
  ruleId?: string;
  from: ClusterStatus | null;
  to: ClusterStatus | null;
  /** The reason code of the new result, for rule transitions. */
  reason?: string;
  at: string;
  cause: Cause;
}

/**
 * The state row as a run starts from it, read together with the cluster, so that recording needs no read of its own
 * and the run knows whether it must look at the remediation log. Opaque to callers beyond these fields.
 */
export interface RecordedBasis {
  clusterId: string;
  state: ClusterState | undefined;
  /**
   * False when the row says that no remediation row of the cluster is open (Started or Accepted), or there is no row
   * (nothing was ever recorded): a run that starts no write then need not read the remediation log. True when the row
   * says some may be, or does not say.
   */
  remediationsOpen: boolean;
}

export interface RecordEvaluationOptions {
  now: Date;
  /** What the run read (readBasis): the state is written under that version, without reading it again. */
  basis?: RecordedBasis;
  /** Whether remediation rows may still be open after this run; absent: the row keeps what it says. */
  remediationsOpen?: boolean;
  /** Record these rules as RemediationFailed (after the attempt limit) instead of their evaluated status. */
  ruleOverrides?: RuleOverride[];
  /** The cluster's location, from the snapshot; kept from the previous record when absent. */
  location?: string;
}

export interface ListStatesOptions {
  status?: ClusterStatus;
  subscriptionId?: string;
  /** At most this many per page (1..1000, default 100). A page can hold fewer even when more follow. */
  pageSize?: number;
  continuationToken?: string;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; absent on the last page. */
  continuationToken?: string;
}

export type StatusCounts = Record<ClusterStatus, number> & { total: number };

export interface ClusterStateStore {
  getState(clusterId: string): Promise<ClusterState | undefined>;
  listStates(options?: ListStatesOptions): Promise<Page<ClusterState>>;
  countByStatus(options?: { subscriptionId?: string }): Promise<StatusCounts>;
  /** The state row to start a run from (see RecordedBasis). */
  readBasis(clusterId: string): Promise<RecordedBasis>;
  /** Writes the new state (optimistic concurrency, retried) and one history row per transition; returns the transitions. */
  recordEvaluation(clusterId: string, evaluation: Evaluation, cause: Cause, options: RecordEvaluationOptions): Promise<Transition[]>;
  /** Sets the status to Deleted, keeping the history. No-op (returns []) for a cluster never recorded. */
  markDeleted(clusterId: string, cause: Cause, now: Date): Promise<Transition[]>;
  /** Newest first. `limit` 1..1000, default 50. */
  listHistory(clusterId: string, options?: { limit?: number }): Promise<Transition[]>;
}

export const REMEDIATION_STATUSES = ['Started', 'Accepted', 'Succeeded', 'Failed', 'Skipped'] as const;
export type RemediationStatus = (typeof REMEDIATION_STATUSES)[number];
export type RemediationOutcome = Exclude<RemediationStatus, 'Started'>;

export interface StartRemediationInput {
  clusterId: string;
  stepId: string;
  ruleId: string;
  action: string;
  attempt: number;
  cause: Cause;
  /** The ARM request about to be sent: method and path only, never the body (it may name protected settings). */
  request: { method: string; path: string };
  /** What the step disrupts (PlanStep.disrupts), for whoever reads the log later. */
  disrupts?: string;
  /** What the write deletes from the cluster's configuration (PlanStep.removes), kept before it is sent: ARM forgets it. */
  removes?: StepRemovals;
  /** Defaults to the current time. */
  now?: Date;
}

/** Identifies one remediation row and the version of it the holder last wrote. */
export interface RemediationRef {
  clusterId: string;
  rowKey: string;
  etag: string;
}

export interface ArmOperationInfo {
  correlationId?: string;
  operationUrl?: string;
  status?: string;
}

export interface CompleteRemediationInput {
  outcome: RemediationOutcome;
  armOperation?: ArmOperationInfo;
  error?: ErrorInfo;
  /** Defaults to the current time. */
  now?: Date;
}

export interface RemediationRecord {
  ref: RemediationRef;
  clusterId: string;
  stepId: string;
  ruleId: string;
  action: string;
  attempt: number;
  status: RemediationStatus;
  cause: Cause;
  request: { method: string; path: string };
  disrupts?: string;
  removes?: StepRemovals;
  startedAt: string;
  completedAt?: string;
  armOperation?: ArmOperationInfo;
  error?: ErrorInfo;
}

export interface RemediationLog {
  /** Writes the intent row (status Started) before the ARM call. */
  startRemediation(input: StartRemediationInput): Promise<RemediationRef>;
  /** Conditional on the ref's etag; returns the ref to use for a later completion (Accepted → Succeeded). */
  completeRemediation(ref: RemediationRef, input: CompleteRemediationInput): Promise<RemediationRef>;
  /** The latest row for this step, if it is still Started or Accepted (an ARM write may be in flight). */
  findOpenRemediation(clusterId: string, stepId: string): Promise<RemediationRecord | undefined>;
  /** Newest first. `limit` 1..1000, default 50. */
  listRemediations(clusterId: string, options?: { limit?: number }): Promise<RemediationRecord[]>;
}

export interface Attempts {
  count: number;
  lastAttemptAt?: string;
  /** Do not try again before this time (exponential backoff). */
  nextAttemptAfter?: string;
  lastError?: ErrorInfo;
}

export interface RecordAttemptOptions {
  now: Date;
  /** Wait after the first attempt; doubles with each further attempt. */
  backoffBaseSeconds: number;
  /** Cap on the wait (default one day). */
  maxBackoffSeconds?: number;
  error?: ErrorInfo;
  /**
   * The operation of the last counted attempt ended (failed, with `error`): note the error and back off from `now`,
   * without counting another attempt.
   */
  sameAttempt?: boolean;
}

export interface AttemptTracker {
  getAttempts(clusterId: string, ruleId: string): Promise<Attempts>;
  recordAttempt(clusterId: string, ruleId: string, options: RecordAttemptOptions): Promise<Attempts>;
  resetAttempts(clusterId: string, ruleId: string): Promise<void>;
}

/**
 * A cluster's mark that an evaluation of it is queued and not started yet. The queue message carries its version, so
 * the worker that takes the message turns the mark into its lease in one conditional write.
 */
export interface PendingMark {
  clusterId: string;
  etag: string;
}

/** What happened to an event the intake claimed for a change (see EventDeduplicator.claimChange). */
export type ChangeClaim =
  /** Already handled: Event Grid delivered it again. */
  | { outcome: 'duplicate' }
  /** Nothing was pending or running for the cluster: it is marked pending now, and the caller enqueues its evaluation. */
  | { outcome: 'first'; pending: PendingMark }
  /**
   * An evaluation of the cluster is pending or running: the event is noted against it, and when that evaluation ends
   * it looks again if the event may postdate its read (LeaseManager.releaseLease).
   */
  | { outcome: 'joined' };

export interface ClaimedEvent {
  id: string;
  /** When the change happened (the event's time, ISO 8601); the time it arrived when the event has none. */
  time: string;
}

export interface EventDeduplicator {
  /**
   * A change someone made: claims the event id and either marks the cluster pending (nothing was) or notes the event
   * against the evaluation that is. One write when nothing is pending, two otherwise.
   */
  claimChange(clusterId: string, event: ClaimedEvent, now: Date): Promise<ChangeClaim>;
  /** Claims the id only, for events that start nothing (deletes, the app's own writes): true the first time. */
  claimEvent(clusterId: string, eventId: string, now: Date): Promise<boolean>;
  /**
   * Undoes a claim when handling failed before anything durable happened (with the pending mark it made, when its
   * message could not be enqueued), so a redelivery is processed.
   */
  releaseEventClaim(clusterId: string, eventId: string, pending?: PendingMark): Promise<void>;
}

export interface Lease {
  clusterId: string;
  owner: string;
  expiresAt: string;
  etag: string;
  /**
   * Set when the lease replaced the pending mark it was asked to take (PendingTakeover), unchanged or joined by events
   * only: no evaluation ran between the mark and the lease, so reads started before the lease was taken still hold.
   */
  tookOverMark?: true;
  /**
   * Set when events joined the row before it became this lease. Releasing looks at their notes too: a caller that
   * read before it took the lease may not have seen them.
   */
  eventsJoinedBefore?: true;
}

/** The pending mark a message was enqueued under, which its worker takes over as the lease. */
export interface PendingTakeover {
  /** The mark's version when it was made (PendingMark.etag). Events that join it change it. */
  etag: string;
  /** The event the mark was made for (the message's cause): it tells the same mark, joined since, from a newer one. */
  eventId?: string;
}

/** When the evaluation under a lease read the cluster, so that events after it are not lost (releaseLease). */
export interface ReleaseOptions {
  /** Taken just before the read started. */
  readAt: Date;
  /** Event times are the sender's clock: an event this close before readAt may still postdate the read. */
  marginMs: number;
  now: Date;
}

/** The lease was turned into a pending mark, because events arrived that the evaluation may not have seen. */
export interface FollowUpMark extends PendingMark {
  /** The newest such event. */
  eventId?: string;
  eventTime: string;
}

export interface LeaseManager {
  /**
   * The lease, or undefined when someone else holds an unexpired one. The same owner acquiring again renews it. With
   * the pending mark its message carries, taking it over is one conditional write.
   */
  acquireLease(clusterId: string, owner: string, ttlMs: number, now: Date, pending?: PendingTakeover): Promise<Lease | undefined>;
  /**
   * Releases the lease if still ours (a lease taken over after expiry is left alone). With `options`, when events
   * arrived during the evaluation and the newest may postdate the read, the lease becomes a pending mark instead and
   * is returned: the caller enqueues the follow-up evaluation (or abandons the mark).
   */
  releaseLease(lease: Lease, options?: ReleaseOptions): Promise<FollowUpMark | undefined>;
  /** Drops a pending mark whose evaluation could not be enqueued (the next event starts one again). */
  abandonPending(mark: PendingMark): Promise<void>;
}

export const SWEEP_TRIGGERS = ['timer', 'http', 'cli'] as const;
export type SweepTrigger = (typeof SWEEP_TRIGGERS)[number];
export type SweepStatus = 'Running' | 'Completed' | 'CompletedWithErrors';

export interface SweepError {
  /** The subscription or cluster id the error is about. */
  scope: string;
  message: string;
}

export interface SweepRecord {
  sweepId: string;
  trigger: SweepTrigger;
  status: SweepStatus;
  startedAt: string;
  finishedAt?: string;
  clustersEnqueued?: number;
  subscriptions?: string[];
  errors?: SweepError[];
}

export interface FinishSweepInput {
  clustersEnqueued: number;
  subscriptions: string[];
  errors: SweepError[];
  now: Date;
}

export interface SweepLog {
  /** Idempotent: starting a sweep id that exists returns the existing record. */
  startSweep(input: { sweepId: string; trigger: SweepTrigger; now: Date }): Promise<SweepRecord>;
  finishSweep(sweepId: string, input: FinishSweepInput): Promise<SweepRecord>;
  getSweep(sweepId: string): Promise<SweepRecord | undefined>;
  /** Newest first. `limit` 1..1000, default 20. */
  listSweeps(options?: { limit?: number }): Promise<SweepRecord[]>;
}

/**
 * Who may evaluate what, agreed through storage: event dedupe, pending marks and per-cluster leases, all in the
 * cluster's partition so that the intake claims an event and marks its cluster in one write.
 */
export interface Coordination extends EventDeduplicator, LeaseManager {}

/** Every storage port, as the Table Storage adapter implements them in one object (src/azure/storage). */
export interface ComplianceStore extends ClusterStateStore, RemediationLog, AttemptTracker, Coordination, SweepLog, RolloutStore {}

/**
 * Rollout records (src/core/rollouts.ts): one record per rollout, one member per cluster, and concurrency slots.
 * Members are written by whoever holds the cluster's lease; the record by anyone, under optimistic concurrency.
 */
export interface RolloutStore {
  getRollout(rolloutId: string): Promise<RolloutRecord | undefined>;
  /** Creates the record unless it exists; returns the one stored. */
  createRollout(record: RolloutRecord): Promise<RolloutRecord>;
  /**
   * Reads the record, applies `change` and writes the result if nobody wrote in between (else reads and tries again).
   * `change` returns undefined to leave it as it is. Returns the record as stored and whether this call changed it.
   */
  updateRollout(rolloutId: string, change: (record: RolloutRecord) => RolloutRecord | undefined): Promise<{ record: RolloutRecord; changed: boolean }>;
  listRollouts(): Promise<RolloutRecord[]>;
  getMember(rolloutId: string, clusterId: string): Promise<RolloutMember | undefined>;
  /** Writes the member as given (insert or replace). */
  putMember(rolloutId: string, member: RolloutMember): Promise<void>;
  listMembers(rolloutId: string): Promise<RolloutMember[]>;
  /** Takes a free slot of the wave (0..slots-1) for the cluster: the slot, or undefined when all are taken. A cluster holding one gets it back. */
  claimSlot(rolloutId: string, wave: number, slots: number, clusterId: string): Promise<number | undefined>;
  releaseSlot(rolloutId: string, wave: number, slot: number): Promise<void>;
}

// ---- Reading the whole store (the compliance report) ----------------------------------------------------------------

export interface ScanOptions {
  abortSignal?: AbortSignal;
}

/**
 * Whole-store reads for the compliance report (src/report): each streams its table page by page, so a caller can
 * aggregate while reading and never holds every row at once. Order: by cluster key; within one cluster, newest first.
 * Implemented by the Table adapter (createTableReportSource) and an in-memory fake; never used by the pipeline.
 */
export interface ReportSource {
  /** Every cluster's state row, Deleted ones included. */
  scanStates(options?: ScanOptions): AsyncIterable<ClusterState>;
  /** Every transition (cluster and rule) recorded at or after `since`. */
  scanHistory(options: ScanOptions & { since: Date }): AsyncIterable<Transition>;
  /** Every remediation row started at or after `since`. */
  scanRemediations(options: ScanOptions & { since: Date }): AsyncIterable<RemediationRecord>;
  /** A point read, for the few findings a report lists. */
  getAttempts(clusterId: string, ruleId: string): Promise<Attempts>;
  /** Newest first. `limit` 1..1000, default 20. */
  listSweeps(options?: { limit?: number }): Promise<SweepRecord[]>;
  /** Every rollout's record and members (slots are left out), rollout by rollout; within one, in no set order. */
  scanRollouts(options?: ScanOptions): AsyncIterable<RolloutRow>;
}

/** One row of the rollout table, as the report reads it. */
export type RolloutRow = { kind: 'record'; record: RolloutRecord } | { kind: 'member'; rolloutId: string; member: RolloutMember };

/** A request to evaluate one cluster, as carried on the evaluation queue. */
export interface EvaluationWorkItem {
  clusterId: string;
  cause: Cause;
  enqueuedAt: string;
  /** Plan step ids a person approved (approval mode). */
  approvals?: string[];
  /** How many times this evaluation has been continued (long remediations re-enqueue themselves). */
  attempt?: number;
  /** The version of the cluster's pending mark this message was enqueued under (PendingMark.etag). */
  pendingEtag?: string;
}

export interface EnqueueOptions {
  /** Keep the message invisible this long (0..604800 s); used to coalesce bursts and to back off. */
  visibilityDelaySeconds?: number;
}

export interface EnqueueManyResult {
  enqueued: number;
  failed: number;
  errors: { clusterId: string; message: string }[];
}

export interface WorkQueue {
  enqueue(item: EvaluationWorkItem, options?: EnqueueOptions): Promise<void>;
  enqueueMany(items: EvaluationWorkItem[], options?: EnqueueOptions & { concurrency?: number }): Promise<EnqueueManyResult>;
}
