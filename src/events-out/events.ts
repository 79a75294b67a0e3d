// The CloudEvents 1.0 the app publishes to its Event Grid topic (docs/notifications.md is the contract). Pure builders:
// no I/O and no clock. Everything, `time` included, comes from the input, and each `id` is derived from what happened,
// so a retry, a rerun or a second worker builds the very same event and a subscriber can drop one it has seen.
// The inputs are small types of this module's own, so the builders do not move when the pipeline's types do.
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../core/errors.js';
import { formatClusterId, parseClusterId, resourceIdKey } from '../core/resource-ids.js';

/** Every event type starts with this; subscribers filter on it or on whole type names. */
export const EVENT_TYPE_PREFIX = 'AksBaselineGuard.';

/** The CloudEvents `source` of every event: the app (each deployment has a topic of its own). */
export const EVENT_SOURCE = 'aks-baseline-guard';

export const EVENT_TYPES = {
  complianceChanged: `${EVENT_TYPE_PREFIX}ComplianceChanged`,
  approvalRequested: `${EVENT_TYPE_PREFIX}ApprovalRequested`,
  remediationFailed: `${EVENT_TYPE_PREFIX}RemediationFailed`,
  exemptionExpiring: `${EVENT_TYPE_PREFIX}ExemptionExpiring`,
  rolloutWaveReady: `${EVENT_TYPE_PREFIX}RolloutWaveReady`,
  rolloutWaveCompleted: `${EVENT_TYPE_PREFIX}RolloutWaveCompleted`,
  rolloutHalted: `${EVENT_TYPE_PREFIX}RolloutHalted`,
} as const;
export type ComplianceEventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** A rule's status as ComplianceChanged reports it: the evaluated statuses plus RemediationFailed. */
export const EVENT_RULE_STATUSES = ['Compliant', 'NonCompliant', 'NotApplicable', 'Exempt', 'Unknown', 'RemediationFailed'] as const;
export type EventRuleStatus = (typeof EVENT_RULE_STATUSES)[number];

/** What led to an evaluation, as the history row records it (never who asked: that stays in the store). */
export interface EventCause {
  kind: string;
  id: string;
  correlationId?: string;
}

// ---- inputs ----

/** A rule on a cluster changed status: one recorded transition. */
export interface ComplianceChange {
  clusterId: string;
  ruleId: string;
  /** null the first time the cluster is seen. */
  from: EventRuleStatus | null;
  to: EventRuleStatus;
  cause: EventCause;
  /** When the transition was recorded; becomes `time`. */
  at: Date | string;
  /** Names the one recorded transition (the ClusterHistory row key): the same transition, the same event id. */
  transitionKey: string;
}

/** A planned step that waits for a person. */
export interface ApprovalRequest {
  clusterId: string;
  ruleId: string;
  /** The plan step id, `<ruleId>:<action>`: what an approval names. */
  stepId: string;
  action: string;
  /** What running the step disrupts, in words. */
  disrupts: string;
  /** Names the plan the step belongs to: a new plan for the same step (the cluster changed) is a new request. */
  planKey: string;
  /** When the step was found waiting; becomes `time`. */
  at: Date | string;
}

/** The app gave up on a rule after its last allowed attempt. */
export interface RemediationFailure {
  clusterId: string;
  ruleId: string;
  /** Writes tried, the last one included. */
  attempts: number;
  /** The ARM error of the last attempt. `message` is shortened and scrubbed before it goes out. */
  error: { code: string; message?: string };
  /** When the rule became RemediationFailed; becomes `time` and part of the id. */
  at: Date | string;
  /**
   * Values that must never leave the process, e.g. the protected setting values the failed step sent: every
   * occurrence in the error message is masked. Never part of the event.
   */
  redact?: readonly string[];
}

/** An exemption that ends within the notice period. */
export interface ExpiringExemption {
  clusterId: string;
  /** A rule id, or `*` when the exemption covers every rule. */
  ruleId: string;
  /** When the exemption ends (the instant it stops applying). */
  expiry: Date | string;
  reason?: string;
  /** When the notice was decided; becomes `time` (not part of the id: a rerun builds the same id). */
  at: Date | string;
}

/** A rollout's wave (src/core/rollouts.ts) as the rollout events name it. */
export interface RolloutWaveRef {
  rolloutId: string;
  /** 0 for the first wave. */
  index: number;
  name: string;
}

/** A wave is next and waits for a person's approval. */
export interface RolloutWaveReadiness extends RolloutWaveRef {
  /** Clusters of the wave known so far. */
  clusters: number;
  /** When the soak after the previous wave ends, if it has not yet: the wave starts no earlier, approved or not. */
  startsNoEarlierThan?: Date | string;
  at: Date | string;
}

/** Every cluster of a wave finished. */
export interface RolloutWaveCompletion extends RolloutWaveRef {
  succeeded: number;
  failed: number;
  at: Date | string;
}

/** A rollout stopped starting clusters. */
export interface RolloutHalt {
  rolloutId: string;
  reason: string;
  /** `failure-budget`, or the caller who halted it. */
  by: string;
  /** Failures that counted against the budget, and the budget, when the budget halted it. */
  failures?: number;
  budget?: number;
  at: Date | string;
}

// ---- events ----

export interface ComplianceChangedData {
  clusterId: string;
  ruleId: string;
  from: EventRuleStatus | null;
  to: EventRuleStatus;
  cause: EventCause;
}

export interface ApprovalRequestedData {
  clusterId: string;
  ruleId: string;
  stepId: string;
  action: string;
  disrupts: string;
  approve: {
    /** The function app call that approves the step (relative to the app's host; it needs a function key). */
    http: { method: 'POST'; path: string; body: { approve: [string] } };
    /** The same from a terminal, with the caller's own credentials. */
    cli: string;
  };
}

export interface RemediationFailedData {
  clusterId: string;
  ruleId: string;
  attempts: number;
  errorCode: string;
  /** ARM's message, one line, at most MAX_ERROR_MESSAGE_CHARS, request bodies and credential-like values masked. */
  message?: string;
}

export interface ExemptionExpiringData {
  clusterId: string;
  ruleId: string;
  /** ISO 8601. */
  expiry: string;
  reason?: string;
}

export interface RolloutWaveReadyData {
  rolloutId: string;
  wave: { index: number; name: string; clusters: number };
  startsNoEarlierThan?: string;
  approve: {
    http: { method: 'POST'; path: string };
    cli: string;
  };
}

export interface RolloutWaveCompletedData {
  rolloutId: string;
  wave: { index: number; name: string };
  succeeded: number;
  failed: number;
}

export interface RolloutHaltedData {
  rolloutId: string;
  reason: string;
  by: string;
  failures?: number;
  budget?: number;
  resume: { http: { method: 'POST'; path: string }; cli: string };
}

export interface ComplianceEventData {
  [EVENT_TYPES.complianceChanged]: ComplianceChangedData;
  [EVENT_TYPES.approvalRequested]: ApprovalRequestedData;
  [EVENT_TYPES.remediationFailed]: RemediationFailedData;
  [EVENT_TYPES.exemptionExpiring]: ExemptionExpiringData;
  [EVENT_TYPES.rolloutWaveReady]: RolloutWaveReadyData;
  [EVENT_TYPES.rolloutWaveCompleted]: RolloutWaveCompletedData;
  [EVENT_TYPES.rolloutHalted]: RolloutHaltedData;
}

/** A CloudEvents 1.0 event in structured JSON form, exactly as it goes on the wire (`time` is ISO 8601). */
export interface ComplianceCloudEvent<T extends ComplianceEventType = ComplianceEventType> {
  specversion: '1.0';
  type: T;
  source: typeof EVENT_SOURCE;
  /** The cluster's resource id (canonical casing: fixed segments as ARM writes them, subscription id lower case); `rollouts/<id>` for the rollout events. */
  subject: string;
  id: string;
  time: string;
  datacontenttype: 'application/json';
  data: ComplianceEventData[T];
}

/** Any of them, narrowed by `type`. */
export type AnyComplianceCloudEvent = { [T in ComplianceEventType]: ComplianceCloudEvent<T> }[ComplianceEventType];

export const MAX_ERROR_MESSAGE_CHARS = 300;
const MAX_TEXT_CHARS = 1000;
const MAX_KEY_CHARS = 512;

// ---- builders ----

export function complianceChangedEvent(change: ComplianceChange): ComplianceCloudEvent<typeof EVENT_TYPES.complianceChanged> {
  const cluster = clusterOf(change.clusterId, 'clusterId');
  const ruleId = name(change.ruleId, 'ruleId');
  if (change.from !== null) status(change.from, 'from');
  status(change.to, 'to');
  if (change.from === change.to) throw new InvalidInputError(`to: equals from ("${change.to}"), so nothing changed`);
  const transitionKey = name(change.transitionKey, 'transitionKey', MAX_KEY_CHARS);
  const cause: EventCause = { kind: name(change.cause.kind, 'cause.kind'), id: name(change.cause.id, 'cause.id', MAX_KEY_CHARS) };
  if (change.cause.correlationId) cause.correlationId = name(change.cause.correlationId, 'cause.correlationId', MAX_KEY_CHARS);
  return envelope(EVENT_TYPES.complianceChanged, cluster.id, instant(change.at, 'at'), [cluster.key, ruleId.toLowerCase(), transitionKey], {
    clusterId: cluster.id,
    ruleId,
    from: change.from,
    to: change.to,
    cause,
  });
}

export function approvalRequestedEvent(request: ApprovalRequest): ComplianceCloudEvent<typeof EVENT_TYPES.approvalRequested> {
  const cluster = clusterOf(request.clusterId, 'clusterId');
  const ruleId = name(request.ruleId, 'ruleId');
  const stepId = name(request.stepId, 'stepId');
  const planKey = name(request.planKey, 'planKey', MAX_KEY_CHARS);
  const { subscriptionId, resourceGroup, name: clusterName } = cluster.ref;
  return envelope(EVENT_TYPES.approvalRequested, cluster.id, instant(request.at, 'at'), [cluster.key, stepId.toLowerCase(), planKey], {
    clusterId: cluster.id,
    ruleId,
    stepId,
    action: name(request.action, 'action'),
    disrupts: text(request.disrupts, 'disrupts'),
    approve: {
      http: {
        method: 'POST',
        path: `/api/clusters/${[subscriptionId, resourceGroup, clusterName].map(encodeURIComponent).join('/')}/remediate`,
        body: { approve: [stepId] },
      },
      // --resource-group narrows the scan to the cluster's group (the CLI has no single-cluster scan).
      cli: ['aks-baseline-guard', 'scan', '--subscription', subscriptionId, '--resource-group', resourceGroup, '--apply', '--approve', stepId].map(shellWord).join(' '),
    },
  });
}

export function remediationFailedEvent(failure: RemediationFailure): ComplianceCloudEvent<typeof EVENT_TYPES.remediationFailed> {
  const cluster = clusterOf(failure.clusterId, 'clusterId');
  const ruleId = name(failure.ruleId, 'ruleId');
  if (!Number.isInteger(failure.attempts) || failure.attempts < 1) throw new InvalidInputError(`attempts: must be a whole number >= 1, got ${String(failure.attempts)}`);
  const time = instant(failure.at, 'at');
  const message = failure.error.message === undefined ? undefined : scrubErrorMessage(failure.error.message, failure.redact ?? []);
  return envelope(EVENT_TYPES.remediationFailed, cluster.id, time, [cluster.key, ruleId.toLowerCase(), time], {
    clusterId: cluster.id,
    ruleId,
    attempts: failure.attempts,
    errorCode: name(failure.error.code, 'error.code'),
    ...(message ? { message } : {}),
  });
}

export function exemptionExpiringEvent(exemption: ExpiringExemption): ComplianceCloudEvent<typeof EVENT_TYPES.exemptionExpiring> {
  const cluster = clusterOf(exemption.clusterId, 'clusterId');
  const ruleId = name(exemption.ruleId, 'ruleId');
  const expiry = instant(exemption.expiry, 'expiry');
  const reason = exemption.reason?.trim() ? text(exemption.reason, 'reason') : undefined;
  return envelope(EVENT_TYPES.exemptionExpiring, cluster.id, instant(exemption.at, 'at'), [cluster.key, ruleId.toLowerCase(), expiry], {
    clusterId: cluster.id,
    ruleId,
    expiry,
    ...(reason ? { reason } : {}),
  });
}

export function rolloutWaveReadyEvent(ready: RolloutWaveReadiness): ComplianceCloudEvent<typeof EVENT_TYPES.rolloutWaveReady> {
  const wave = waveRef(ready);
  const startsNoEarlierThan = ready.startsNoEarlierThan === undefined ? undefined : instant(ready.startsNoEarlierThan, 'startsNoEarlierThan');
  return envelope(EVENT_TYPES.rolloutWaveReady, rolloutSubject(wave.rolloutId), instant(ready.at, 'at'), [wave.rolloutId, String(wave.index), wave.name], {
    rolloutId: wave.rolloutId,
    wave: { index: wave.index, name: wave.name, clusters: count(ready.clusters, 'clusters') },
    ...(startsNoEarlierThan ? { startsNoEarlierThan } : {}),
    approve: { http: { method: 'POST', path: `${rolloutPath(wave.rolloutId)}/approve` }, cli: ['aks-baseline-guard', 'rollout', 'approve', wave.rolloutId].map(shellWord).join(' ') },
  });
}

export function rolloutWaveCompletedEvent(completion: RolloutWaveCompletion): ComplianceCloudEvent<typeof EVENT_TYPES.rolloutWaveCompleted> {
  const wave = waveRef(completion);
  return envelope(EVENT_TYPES.rolloutWaveCompleted, rolloutSubject(wave.rolloutId), instant(completion.at, 'at'), [wave.rolloutId, String(wave.index), wave.name], {
    rolloutId: wave.rolloutId,
    wave: { index: wave.index, name: wave.name },
    succeeded: count(completion.succeeded, 'succeeded'),
    failed: count(completion.failed, 'failed'),
  });
}

export function rolloutHaltedEvent(halt: RolloutHalt): ComplianceCloudEvent<typeof EVENT_TYPES.rolloutHalted> {
  const rolloutId = name(halt.rolloutId, 'rolloutId');
  const time = instant(halt.at, 'at');
  return envelope(EVENT_TYPES.rolloutHalted, rolloutSubject(rolloutId), time, [rolloutId, time], {
    rolloutId,
    reason: text(halt.reason, 'reason'),
    by: name(halt.by, 'by', MAX_KEY_CHARS),
    ...(halt.failures !== undefined ? { failures: count(halt.failures, 'failures') } : {}),
    ...(halt.budget !== undefined ? { budget: count(halt.budget, 'budget') } : {}),
    resume: { http: { method: 'POST', path: `${rolloutPath(rolloutId)}/resume` }, cli: ['aks-baseline-guard', 'rollout', 'resume', rolloutId].map(shellWord).join(' ') },
  });
}

/**
 * Whether an exemption ending at `expiry` is inside its notice period at `now`: at most `noticeDays` days before
 * it ends, and not yet ended. The event id does not depend on `now`, so asking every day publishes one notice.
 */
export function exemptionNoticeDue(expiry: Date, now: Date, noticeDays: number): boolean {
  const left = expiry.getTime() - now.getTime();
  return left > 0 && left <= noticeDays * 24 * 60 * 60 * 1000;
}

/**
 * An ARM error message made fit to leave the process: the `redact` values and credential-shaped text (bearer
 * tokens, JWTs, SAS signatures, keys, passwords, connection strings) masked, anything in braces (an echoed request
 * body) dropped, on one line, at most MAX_ERROR_MESSAGE_CHARS. Masking runs before shortening, so a cut never
 * leaves half a secret behind.
 */
export function scrubErrorMessage(message: string, redact: readonly string[] = []): string {
  let out = message;
  for (const value of [...redact].filter((v) => v.length > 0).sort((a, b) => b.length - a.length)) out = out.split(value).join('***');
  out = out
    .replace(/\{[\s\S]*\}/g, '{…}')
    .replace(/\bBearer\s+\S+/gi, 'Bearer ***')
    .replace(/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, '***')
    .replace(/\b(sig|AccountKey|SharedAccessKey|SharedAccessSignature|password|pwd|secret|client_secret|token|access_token|apikey|api-key|key)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s;&,'"]+)/gi, '$1$2***')
    .replace(/\s+/g, ' ')
    .trim();
  return out.length > MAX_ERROR_MESSAGE_CHARS ? `${out.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…` : out;
}

/**
 * A stable event id: a UUID-shaped digest (RFC 9562 version 8) of the event type and the facts that identify what
 * happened. The same facts give the same id on any worker; different facts give a different one.
 */
export function eventId(type: ComplianceEventType, facts: readonly string[]): string {
  const hex = createHash('sha256').update(JSON.stringify([type, ...facts])).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// ---- helpers ----

function rolloutSubject(rolloutId: string): string {
  return `rollouts/${rolloutId}`;
}

function rolloutPath(rolloutId: string): string {
  return `/api/rollouts/${encodeURIComponent(rolloutId)}`;
}

function waveRef(wave: RolloutWaveRef): RolloutWaveRef {
  return { rolloutId: name(wave.rolloutId, 'rolloutId'), index: count(wave.index, 'index'), name: name(wave.name, 'wave name') };
}

function count(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0) throw new InvalidInputError(`${field}: must be a whole number >= 0, got ${String(value)}`);
  return value;
}

function envelope<T extends ComplianceEventType>(type: T, subject: string, time: string, facts: string[], data: ComplianceEventData[T]): ComplianceCloudEvent<T> {
  return { specversion: '1.0', type, source: EVENT_SOURCE, subject, id: eventId(type, facts), time, datacontenttype: 'application/json', data };
}

function clusterOf(id: string, field: string): { id: string; key: string; ref: ReturnType<typeof parseClusterId> } {
  let ref: ReturnType<typeof parseClusterId>;
  try {
    ref = parseClusterId(id);
  } catch (error) {
    throw new InvalidInputError(`${field}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const canonical = formatClusterId(ref);
  return { id: canonical, key: resourceIdKey(canonical), ref };
}

function name(value: string, field: string, max = 200): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (trimmed.length === 0 || trimmed.length > max) throw new InvalidInputError(`${field}: must be a non-empty string of at most ${max} characters`);
  return trimmed;
}

function text(value: string, field: string): string {
  const flat = name(value, field, Number.MAX_SAFE_INTEGER).replace(/\s+/g, ' ');
  return flat.length > MAX_TEXT_CHARS ? `${flat.slice(0, MAX_TEXT_CHARS - 1)}…` : flat;
}

function status(value: string, field: string): void {
  if (!(EVENT_RULE_STATUSES as readonly string[]).includes(value)) throw new InvalidInputError(`${field}: must be one of ${EVENT_RULE_STATUSES.join(', ')}, got "${value}"`);
}

function instant(value: Date | string, field: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidInputError(`${field}: must be a date-time, got "${String(value)}"`);
  return date.toISOString();
}

/** A word a POSIX shell reads back unchanged: as it is when it is plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w./:@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
