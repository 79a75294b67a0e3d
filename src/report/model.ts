// The data the compliance report shows: what collect.ts aggregates from a store, and what render/ turns into one HTML
// file. Plain JSON-able values only: the page embeds it verbatim (its charts read it back).
import { CLUSTER_STATUSES, type Mode, type WaveState } from '../core/index.js';
import { REMEDIATION_STATUSES } from '../ports.js';

/** Cluster statuses, in the order tiles, legends and tables show them. */
export const REPORT_STATUSES = CLUSTER_STATUSES;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** Remediation row statuses, in the order the timeline shows them. */
export const REMEDIATION_OUTCOMES = REMEDIATION_STATUSES;

/** Counts keyed by status (a cluster status, a rule status or a remediation status); a missing key means 0. */
export type Counts = Record<string, number>;

export interface ReportSweep {
  sweepId: string;
  trigger: string;
  status: string;
  startedAt: string;
  finishedAt?: string;
  clustersEnqueued?: number;
}

export interface ApprovalStep {
  action: string;
  /** The action's own words on what running it disrupts; null when its docs name nothing, absent when unknown. */
  disrupts?: string | null;
}

export interface ApprovalRow {
  clusterId: string;
  clusterName: string;
  ruleId: string;
  /** What the approval names: the plan step id when the rule has one action, else the rule id (every step of it). */
  approve: string;
  steps: ApprovalStep[];
  httpCall: string;
  cliCommand: string;
}

export interface FailureRow {
  clusterId: string;
  clusterName: string;
  ruleId: string;
  /** ARM's error code of the last attempt. */
  code: string;
  /** ARM's message, scrubbed of credential-like text and request bodies, on one line. */
  message: string;
  /** When the cluster was last evaluated with this finding. */
  evaluatedAt: string;
  /** Attempts recorded for the rule (absent when the counter could not be read). */
  attempts?: number;
}

export interface BlockedRow {
  clusterId: string;
  clusterName: string;
  ruleId: string;
  reason: string;
  message: string;
  /** What a person runs to unblock it (a missing prerequisite's exact `az` command), when the finding names one. */
  fixes: string[];
}

export interface ExemptionRow {
  clusterId: string;
  /** The cluster's name as recorded, when the store knows the cluster. */
  clusterName?: string;
  /** A rule id, or `*`. */
  ruleId: string;
  reason: string;
  /** As written in the baseline. */
  expires: string;
  /** The instant it stops applying (ISO 8601). */
  expiry: string;
  /** The rule's (or, for `*`, the cluster's) recorded status, when known. */
  status?: string;
}

export interface RemediationRow {
  clusterId: string;
  clusterName: string;
  stepId: string;
  ruleId: string;
  action: string;
  attempt: number;
  status: string;
  startedAt: string;
  completedAt?: string;
  causeKind: string;
  errorCode?: string;
  /** Scrubbed, as for failures. */
  errorMessage?: string;
}

/** A rollout's wave: its clusters by member status, where it stands, and who approved it. */
export interface RolloutWaveRow {
  index: number;
  name: string;
  state: WaveState;
  maxConcurrent?: number;
  clusters: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  soakUntil?: string;
  approvedAt?: string;
  approvedBy?: string;
  completedAt?: string;
}

/** Where a rollout stands: halted, completed, not started, or the state of its current wave. */
export const ROLLOUT_STATES = ['not-started', 'running', 'awaiting-approval', 'soaking', 'waiting', 'halted', 'completed'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export interface ReportRollout {
  rolloutId: string;
  state: RolloutState;
  /** False for a record whose policy the baseline no longer has: its waves are the recorded ones, without progress. */
  inBaseline: boolean;
  createdAt?: string;
  halt?: { at: string; by: string; reason: string };
  resume?: { at: string; by: string };
  approvalPerWave?: boolean;
  currentWave?: string;
  failures: number;
  /** Failures that count against the budget (since the last resume). */
  countedFailures?: number;
  /** Failures tolerated, and the policy's maxFailures as written (a count or a percentage). */
  budget?: number;
  maxFailures?: string;
  waves: RolloutWaveRow[];
}

/** One bucket of the remediation timeline: rows started in it, and rows that ended in it, by outcome. */
export interface RemediationBucket {
  /** The bucket's end (ISO 8601). */
  at: string;
  started: number;
  ended: Counts;
}

/** An optional section fed by whoever produced the store's activity (the demo): how fast drift was noticed and fixed. */
export interface ReactionSection {
  title: string;
  lede: string;
  /** Milliseconds since the run started. */
  durationMs: number;
  /** recordedMs: change -> recorded (NonCompliant written); fixedMs: change -> fixed (Compliant written again). */
  rows: { clusterId: string; clusterName: string; drift: string; eventId: string; changedAtMs: number; recordedAtMs: number; fixedAtMs?: number; recordedMs: number; fixedMs?: number; reactionMs: number }[];
  phases: { name: string; startedAtMs: number; endedAtMs: number }[];
}

export interface ReportData {
  title: string;
  /** ISO 8601. */
  generatedAt: string;
  /** Where the rows came from, for people (an account name or an endpoint, never a key). */
  store: string;
  baseline: { label: string; rules: { ruleId: string; mode: Mode }[] };
  /** The period the history chart and the remediation timeline cover; bucketMs is one step of both. */
  window: { since: string; until: string; bucketMs: number };
  /** Longest a detailed table gets; the rest is counted, not listed. */
  maxRows: number;
  fleet: {
    /** State rows that are not Deleted. */
    clusters: number;
    subscriptions: number;
    /** Every recorded status, Deleted included: what the store holds now. */
    counts: Counts;
    /** Clusters with at least one rule that waits for a person's approval. */
    awaitingApproval: number;
    oldestEvaluation?: string;
    newestEvaluation?: string;
    lastSweep?: ReportSweep;
  };
  /** Per rule: rule results by recorded status, over clusters that are not Deleted. */
  byRule: { ruleId: string; mode?: Mode; counts: Counts; awaitingApproval: number }[];
  bySubscription: { rows: { subscriptionId: string; clusters: number; counts: Counts }[]; others?: { subscriptions: number; clusters: number; counts: Counts } };
  history: {
    /** Cluster counts by status at `since`, at the end of each bucket, and now (the last point). */
    points: { at: string; counts: Counts }[];
    /** Cluster-level and rule-level transitions read. */
    transitions: number;
    ruleTransitions: number;
    /** True when the history does not add up with the states (rows missing or outside the window): the chart is an estimate. */
    incomplete: boolean;
  };
  remediations: {
    /** Rows started within the window, by status. */
    rows: number;
    byStatus: Counts;
    byRule: { ruleId: string; counts: Counts }[];
    buckets: RemediationBucket[];
    /** The newest rows. */
    recent: RemediationRow[];
    omitted: number;
  };
  /** `rules`: waiting rule findings (one cluster can wait on several rules). */
  approvals: { clusters: number; rules: number; byRule: { ruleId: string; clusters: number; approve: string; steps: ApprovalStep[] }[]; rows: ApprovalRow[]; omitted: number };
  failures: { findings: number; clusters: number; byCode: { code: string; findings: number }[]; rows: FailureRow[]; omitted: number };
  /** Rule findings whose steps cannot run now (`blockedBy`, issue 14), as recorded with the rule results. */
  blocked: { findings: number; byReason: { reason: string; findings: number }[]; rows: BlockedRow[]; omitted: number };
  exemptions: { noticeDays: number; rows: ExemptionRow[] };
  /** The baseline's rollouts and any recorded ones, with their waves (issue 19). Absent in data made before it. */
  rollouts?: { total: number; rows: ReportRollout[]; omitted: number };
  reactions?: ReactionSection;
  /** A command that reproduces the run that filled the store (the demo's), shown in the footer. */
  rerun?: { command: string; note: string };
}
