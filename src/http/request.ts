// What the routes read from a request, and the strict parsing of it: the cluster id from the route, the remediate
// body, the fleet query. Anything unknown, of the wrong type or out of range is a BadRequest naming the field (a
// 400 problem). Nothing here depends on @azure/functions: a Functions HttpRequest is read through HttpRequestLike.
import { CLUSTER_STATUSES, formatClusterId, InvalidInputError, isSubscriptionId, nameProblem, type ClusterStatus, type NameKind } from '../core/index.js';
import { jsonTextProblem } from '../core/limits.js';
import { DEFAULT_SINCE, parseSince } from '../report/since.js';
import type { Log } from '../ports.js';

/** A request as the routes need it, independent of the Functions host. */
export interface ApiRequest {
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  /** The raw body text; undefined or '' when there is none. */
  bodyText?: string;
  /** The x-ms-client-principal header App Service authentication adds. */
  principalHeader?: string | null;
  /** Used as the cause id of what the request does (the invocation id). */
  requestId: string;
  log: Log;
  /** Scheme, host and port the caller reached the app at (the report writes it into its approval commands). */
  origin?: string;
}

/** What the routes read from a Functions HttpRequest (structural, so the routes need no @azure/functions). */
export interface HttpRequestLike {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** The full request URL, as the host received it. */
  url?: string;
}

export async function apiRequestFrom(request: HttpRequestLike, invocation: { invocationId: string } & Log): Promise<ApiRequest> {
  const origin = originOf(request.url);
  return {
    ...(origin ? { origin } : {}),
    params: request.params,
    query: request.query,
    bodyText: await request.text(),
    principalHeader: request.headers.get('x-ms-client-principal'),
    requestId: invocation.invocationId,
    log: invocation,
  };
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** The request is not valid: each problem names the field (`body.approve[0]: ...`). */
export class BadRequest extends Error {
  override name = 'BadRequest';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** The host's own query parameter: the function key. */
const HOST_QUERY = new Set(['code']);
const MAX_APPROVALS = 50;
const MAX_APPROVAL_LENGTH = 200;

/** The cluster id from the route, or the problems with its parts (ARM's naming rules, core/resource-ids.ts). */
export function clusterIdFromRoute(params: ApiRequest['params']): string {
  const { subscriptionId = '', resourceGroup = '', clusterName = '' } = params;
  const parts: [field: string, kind: NameKind, value: string][] = [
    ['subscriptionId', 'subscription', subscriptionId],
    ['resourceGroup', 'resourceGroup', resourceGroup],
    ['clusterName', 'cluster', clusterName],
  ];
  const problems = parts.flatMap(([field, kind, value]) => {
    const problem = nameProblem(kind, value);
    return problem ? [`${field}: ${problem}`] : [];
  });
  if (problems.length > 0) throw new BadRequest(problems);
  return formatClusterId({ subscriptionId, resourceGroup, name: clusterName });
}

const ROLLOUT_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_HALT_REASON = 500;

/** The rollout id from the route (a rollout policy's name), or the problem with it. */
export function rolloutIdFromRoute(params: ApiRequest['params']): string {
  const { rolloutId = '' } = params;
  if (!ROLLOUT_ID.test(rolloutId)) throw new BadRequest([`rolloutId: "${rolloutId}" is not a rollout name (1-63 lower-case letters, digits and hyphens)`]);
  return rolloutId;
}

/** The halt route's body: an optional `reason` (one line, at most 500 characters). */
export function parseHaltBody(bodyText: string | undefined): { reason?: string } {
  const body = parseJsonObject(bodyText);
  const problems = Object.keys(body).filter((key) => key !== 'reason').map((key) => `body.${key}: unknown field (supported: reason)`);
  const reason = body['reason'];
  if (reason !== undefined && (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_HALT_REASON)) problems.push(`body.reason: must be a non-empty string of at most ${MAX_HALT_REASON} characters`);
  if (problems.length > 0) throw new BadRequest(problems);
  return typeof reason === 'string' ? { reason: reason.replace(/\s+/g, ' ').trim() } : {};
}

/** A route that takes no body: an empty one, or `{}`. */
export function rejectBody(bodyText: string | undefined): void {
  const unknown = Object.keys(parseJsonObject(bodyText));
  if (unknown.length > 0) throw new BadRequest(unknown.map((key) => `body.${key}: unknown field (this route takes no body)`));
}

export function rejectUnknownQuery(query: URLSearchParams, known: readonly string[]): void {
  const unknown = [...new Set(query.keys())].filter((key) => !known.includes(key) && !HOST_QUERY.has(key));
  if (unknown.length > 0) throw new BadRequest(unknown.map((key) => `query parameter "${key}" is not supported (supported: ${known.join(', ') || 'none'})`));
}

export function parseJsonObject(bodyText: string | undefined): Record<string, unknown> {
  if (bodyText === undefined || bodyText.trim() === '') return {};
  const limit = jsonTextProblem(bodyText);
  if (limit) throw new BadRequest([`body: ${limit}`]);
  let value: unknown;
  try {
    value = JSON.parse(bodyText);
  } catch (error) {
    throw new BadRequest([`body: not valid JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest(['body: must be a JSON object']);
  return value as Record<string, unknown>;
}

export interface RemediateBody {
  dryRun: boolean;
  approve: string[];
}

/** `{ "dryRun"?: boolean, "approve"?: string[] }`, nothing else. */
export function parseRemediateBody(bodyText: string | undefined): RemediateBody {
  const raw = parseJsonObject(bodyText);
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (key !== 'dryRun' && key !== 'approve') problems.push(`body.${key}: unknown field (allowed: dryRun, approve)`);
  const { dryRun = false, approve = [] } = raw;
  if (typeof dryRun !== 'boolean') problems.push(`body.dryRun: must be true or false, got ${JSON.stringify(dryRun)}`);
  if (!Array.isArray(approve)) problems.push(`body.approve: must be a list of plan step ids or rule ids, got ${JSON.stringify(approve)}`);
  else {
    if (approve.length > MAX_APPROVALS) problems.push(`body.approve: at most ${MAX_APPROVALS} entries, got ${approve.length}`);
    approve.forEach((entry, index) => {
      if (typeof entry !== 'string' || entry.trim() === '' || entry.length > MAX_APPROVAL_LENGTH) {
        problems.push(`body.approve[${index}]: must be a step id or rule id (a non-empty string of at most ${MAX_APPROVAL_LENGTH} characters)`);
      }
    });
  }
  if (problems.length > 0) throw new BadRequest(problems);
  return { dryRun: dryRun as boolean, approve: (approve as string[]).map((entry) => entry.trim()) };
}

export interface FleetQuery {
  status?: ClusterStatus;
  subscriptionId?: string;
  continuationToken?: string;
  pageSize?: number;
}

/** `?status=&subscription=&continuationToken=&pageSize=`, each at most once. */
export function parseFleetQuery(query: URLSearchParams): FleetQuery {
  rejectUnknownQuery(query, ['status', 'subscription', 'continuationToken', 'pageSize']);
  const problems: string[] = [];
  const out: FleetQuery = {};
  for (const key of ['status', 'subscription', 'continuationToken', 'pageSize']) {
    if (query.getAll(key).length > 1) problems.push(`query parameter "${key}" is given more than once`);
  }
  const status = query.get('status');
  if (status !== null && status !== '') {
    const match = CLUSTER_STATUSES.find((candidate) => candidate.toLowerCase() === status.toLowerCase());
    if (match) out.status = match;
    else problems.push(`status: "${status}" is not one of ${CLUSTER_STATUSES.join(', ')}`);
  }
  const subscription = query.get('subscription');
  if (subscription !== null && subscription !== '') {
    if (isSubscriptionId(subscription)) out.subscriptionId = subscription.toLowerCase();
    else problems.push(`subscription: "${subscription}" is not a subscription id (a GUID)`);
  }
  const token = query.get('continuationToken');
  if (token !== null && token !== '') out.continuationToken = token;
  const pageSize = query.get('pageSize');
  if (pageSize !== null && pageSize !== '') {
    const value = Number(pageSize);
    if (Number.isInteger(value) && value >= 1 && value <= 1000) out.pageSize = value;
    else problems.push(`pageSize: must be a whole number from 1 to 1000, got "${pageSize}"`);
  }
  if (problems.length > 0) throw new BadRequest(problems);
  return out;
}

/** `?since=` (a duration such as 30d, or an ISO 8601 date or date-time), at most once; the start of the report's period. */
export function parseReportQuery(query: URLSearchParams, now: Date): { since: Date } {
  rejectUnknownQuery(query, ['since']);
  if (query.getAll('since').length > 1) throw new BadRequest(['query parameter "since" is given more than once']);
  const raw = query.get('since');
  try {
    return { since: parseSince(raw === null || raw === '' ? DEFAULT_SINCE : raw, now) };
  } catch (error) {
    if (error instanceof InvalidInputError) throw new BadRequest(error.problems.map((problem) => `since: ${problem}`));
    throw error;
  }
}
