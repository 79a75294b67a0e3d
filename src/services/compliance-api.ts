// The HTTP routes' logic, apart from @azure/functions so it reads as plain request -> result: authorize,
// validate every input strictly (400 naming the field), check scope (403), do the work, and map failures to
// RFC 9457 problems. ARM and Storage error texts never reach a caller: they get a code and our own words.
import { ArmError, failureKindOf, isRetryable, type ArmFailure, type ArmFailureKind } from '../azure/errors.js';
import { InvalidInputError } from '../core/errors.js';
import { authorize, PERMISSIONS, type Permission } from '../http/auth.js';
import { json, problem, type HttpResult } from '../http/problem.js';
import { approves, CLUSTER_STATUSES, formatClusterId, isSubscriptionId, type ClusterStatus, type PlanStep, type RuleResult } from '../core/index.js';
import {
  type Cause,
  type ClusterState,
  type RemediationRecord,
} from '../ports.js';
import { outOfScopeReason, type AppServices, type Log } from './container.js';
import type { StepReport } from './remediation.js';
import { runSweep } from './sweep.js';
import { runEvaluation, scheduleContinuation, withClusterLease, type EvaluationRun } from './worker.js';

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
}

// ARM's naming rules: resource groups 1-90 letters, digits, _ - . ( ), not ending in a period; managed clusters
// 1-63 letters, digits, _ and -, starting and ending with a letter or digit.
const RESOURCE_GROUP = /^[-\w.()\p{L}\p{Nd}]{1,90}$/u;
const CLUSTER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
/** The host's own query parameter: the function key. */
const HOST_QUERY = new Set(['code']);
const MAX_APPROVALS = 50;
const MAX_APPROVAL_LENGTH = 200;
const HISTORY_LIMIT = 20;
const REMEDIATION_LIMIT = 20;

class BadRequest extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

function allow(request: ApiRequest, services: AppServices, permission: Permission): { caller: string } | HttpResult {
  const decision = authorize(request.principalHeader, permission, services.config.entraAuthRequired);
  if (!decision.allowed) return problem(decision.status, decision.detail);
  return { caller: decision.caller };
}

function isResult(value: object): value is HttpResult {
  return 'status' in value;
}

/** The cluster id from the route, or the problems with its parts. */
export function clusterIdFromRoute(params: ApiRequest['params']): string {
  const problems: string[] = [];
  const { subscriptionId = '', resourceGroup = '', clusterName = '' } = params;
  if (!isSubscriptionId(subscriptionId)) problems.push(`subscriptionId: "${subscriptionId}" is not a subscription id (a GUID)`);
  if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith('.')) {
    problems.push(`resourceGroup: "${resourceGroup}" is not a resource group name (1-90 letters, digits, _ - . ( ), not ending in a period)`);
  }
  if (!CLUSTER_NAME.test(clusterName)) {
    problems.push(`clusterName: "${clusterName}" is not a managed cluster name (1-63 letters, digits, _ and -, starting and ending with a letter or digit)`);
  }
  if (problems.length > 0) throw new BadRequest(problems);
  return formatClusterId({ subscriptionId, resourceGroup, name: clusterName });
}

function rejectUnknownQuery(query: URLSearchParams, known: readonly string[]): void {
  const unknown = [...new Set(query.keys())].filter((key) => !known.includes(key) && !HOST_QUERY.has(key));
  if (unknown.length > 0) throw new BadRequest(unknown.map((key) => `query parameter "${key}" is not supported (supported: ${known.join(', ') || 'none'})`));
}

function parseJsonObject(bodyText: string | undefined): Record<string, unknown> {
  if (bodyText === undefined || bodyText.trim() === '') return {};
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

const FAILURE_TEXT: Record<ArmFailureKind, string> = {
  'not-found': 'ARM reports that the resource does not exist',
  conflict: "ARM refused the request: it conflicts with the resource's current state",
  precondition: 'the cluster changed while the change was being made',
  busy: 'the resource is busy with another operation',
  throttled: 'ARM is throttling requests',
  transient: 'ARM failed or could not be reached',
  permanent: 'ARM refused the request',
};

/**
 * Our words for a classified ARM failure, with ARM's error code (never its message). For a write, the failures
 * that pass say so: the worker tries the change again.
 */
export function describeFailure(failure: Pick<ArmFailure, 'kind' | 'code'>, context: 'read' | 'write' = 'write'): string {
  const passes = isRetryable(failure.kind) || failure.kind === 'precondition';
  const next = passes ? (context === 'write' ? '; the change is tried again later' : '; retry later') : '';
  return `${FAILURE_TEXT[failure.kind]}${next} (${failure.code})`;
}

function stepView(step: PlanStep) {
  return { id: step.id, ruleId: step.ruleId, action: step.action, mode: step.mode, dependsOn: step.dependsOn, description: step.description, request: { method: step.change.method, path: step.change.path } };
}

function reportView(report: StepReport) {
  return {
    stepId: report.step.id,
    ruleId: report.step.ruleId,
    action: report.step.action,
    mode: report.step.mode,
    outcome: report.outcome,
    ...(report.error ? { reason: describeFailure(report.error), error: { kind: report.error.kind, code: report.error.code } } : report.reason ? { reason: report.reason } : {}),
    ...(report.operation?.correlationId ? { armCorrelationId: report.operation.correlationId } : {}),
  };
}

function resultView(result: RuleResult, run: EvaluationRun) {
  const override = run.ruleOverrides.find((candidate) => candidate.ruleId === result.ruleId);
  return override ? { ...result, status: 'RemediationFailed', lastError: { code: override.lastError.code } } : result;
}

function stateView(state: ClusterState) {
  return { ...state, results: state.results.map(({ lastError, ...result }) => (lastError ? { ...result, lastError: { code: lastError.code } } : result)) };
}

function remediationView(record: RemediationRecord) {
  const { ref: _ref, error, ...rest } = record;
  return { ...rest, ...(error ? { error: { code: error.code } } : {}) };
}

/** Maps what a route may throw to a problem; anything unexpected is a 500 with no internals. */
function failureResult(error: unknown, request: ApiRequest, what: string): HttpResult {
  if (error instanceof BadRequest) return problem(400, error.problems.length === 1 ? (error.problems[0] as string) : `${error.problems.length} problems with the request`, { errors: error.problems });
  if (error instanceof ArmError) {
    const { failure } = error;
    request.log.warn(`${what}: ${failure.message}`);
    if (failure.kind === 'not-found') return problem(404, `${what}: the cluster does not exist (or the app's identity cannot see it)`);
    if (isRetryable(failure.kind)) return problem(503, `${what}: ${describeFailure(failure, 'read')}`, { retryAfterSeconds: 30 });
    return problem(502, `${what}: ${describeFailure(failure, 'read')}`);
  }
  if (error instanceof InvalidInputError) {
    request.log.error(`${what}: ${error.message}`);
    return problem(502, `${what}: ARM returned a cluster the engine cannot read`);
  }
  const kind = failureKindOf(error);
  if (kind !== undefined && isRetryable(kind)) {
    request.log.error(`${what}: ${(error as Error).message}`);
    return problem(503, `${what}: the compliance store is unavailable; retry later`, { retryAfterSeconds: 10 });
  }
  request.log.error(`${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return problem(500, `${what}: an internal error occurred (request ${request.requestId})`);
}

function scopeProblem(services: AppServices, clusterId: string): HttpResult | undefined {
  const reason = outOfScopeReason(services, clusterId);
  return reason ? problem(403, `${clusterId} is outside what this app manages: ${reason}`) : undefined;
}

/** POST /api/clusters/{subscriptionId}/{resourceGroup}/{clusterName}/remediate */
export async function remediateClusterRoute(services: AppServices, request: ApiRequest): Promise<HttpResult> {
  const allowed = allow(request, services, PERMISSIONS.remediate);
  if (isResult(allowed)) return allowed;
  const what = 'remediate';
  try {
    rejectUnknownQuery(request.query, []);
    const clusterId = clusterIdFromRoute(request.params);
    const body = parseRemediateBody(request.bodyText);
    const outOfScope = scopeProblem(services, clusterId);
    if (outOfScope) return outOfScope;

    const cause: Cause = { kind: 'http', id: request.requestId, caller: allowed.caller };
    const evaluate = () => runEvaluation(services, { clusterId, cause, approvals: body.approve, apply: !body.dryRun, log: request.log });
    // A dry run writes nothing, so it needs no lease.
    const leased = body.dryRun ? { acquired: true as const, value: await evaluate() } : await withClusterLease(services, clusterId, `http:${request.requestId}`, evaluate);
    if (!leased.acquired) {
      const wait = services.tuning.leaseBusyRetrySeconds;
      return problem(409, `${clusterId} is being evaluated or remediated right now; retry in ${wait} s`, { retryAfterSeconds: wait });
    }
    const run = leased.value;
    if (!run.found) return problem(404, `${clusterId} does not exist (or the app's identity cannot see it)`);

    const retry = run.continuation ?? (run.transientFailure ? { delaySeconds: services.tuning.continuationDelaySeconds, reason: describeFailure(run.transientFailure) } : undefined);
    const continued = retry && !body.dryRun
      ? await scheduleContinuation(services, { clusterId: run.clusterId, cause, enqueuedAt: services.clock().toISOString(), approvals: body.approve }, retry, request.log)
      : false;
    const approvalSteps = run.evaluation.plan.filter((step) => step.mode === 'approval');
    const unusedApprovals = body.approve.filter((entry) => !approvalSteps.some((step) => approves([entry], step)));
    return json(200, {
      clusterId: run.clusterId,
      dryRun: body.dryRun,
      status: run.status,
      evaluatedAt: services.clock().toISOString(),
      ...(body.approve.length > 0 ? { approvedBy: allowed.caller, approvals: body.approve } : {}),
      ...(unusedApprovals.length > 0 ? { unusedApprovals } : {}),
      results: run.evaluation.results.map((result) => resultView(result, run)),
      plan: run.evaluation.plan.map(stepView),
      steps: run.steps.map(reportView),
      ...(continued && retry ? { nextEvaluationInSeconds: retry.delaySeconds } : {}),
    });
  } catch (error) {
    return failureResult(error, request, what);
  }
}

/** GET /api/clusters/{subscriptionId}/{resourceGroup}/{clusterName}/compliance */
export async function getClusterComplianceRoute(services: AppServices, request: ApiRequest): Promise<HttpResult> {
  const allowed = allow(request, services, PERMISSIONS.read);
  if (isResult(allowed)) return allowed;
  try {
    rejectUnknownQuery(request.query, []);
    const clusterId = clusterIdFromRoute(request.params);
    const outOfScope = scopeProblem(services, clusterId);
    if (outOfScope) return outOfScope;
    const state = await services.store.getState(clusterId);
    if (!state) return problem(404, `${clusterId} has never been evaluated (or does not exist)`);
    const [history, remediations] = await Promise.all([
      services.store.listHistory(clusterId, { limit: HISTORY_LIMIT }),
      services.store.listRemediations(clusterId, { limit: REMEDIATION_LIMIT }),
    ]);
    return json(200, { state: stateView(state), history, remediations: remediations.map(remediationView) });
  } catch (error) {
    return failureResult(error, request, 'compliance');
  }
}

function parseFleetQuery(query: URLSearchParams): { status?: ClusterStatus; subscriptionId?: string; continuationToken?: string; pageSize?: number } {
  rejectUnknownQuery(query, ['status', 'subscription', 'continuationToken', 'pageSize']);
  const problems: string[] = [];
  const out: ReturnType<typeof parseFleetQuery> = {};
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

/** GET /api/compliance?status=&subscription=&continuationToken=&pageSize= */
export async function getFleetComplianceRoute(services: AppServices, request: ApiRequest): Promise<HttpResult> {
  const allowed = allow(request, services, PERMISSIONS.read);
  if (isResult(allowed)) return allowed;
  try {
    const query = parseFleetQuery(request.query);
    const targets = services.config.targetSubscriptionIds;
    if (query.subscriptionId && targets.length > 0 && !targets.includes(query.subscriptionId)) {
      return problem(403, `subscription ${query.subscriptionId} is not in TARGET_SUBSCRIPTION_IDS`);
    }
    let page;
    try {
      page = await services.store.listStates({
        ...(query.status ? { status: query.status } : {}),
        ...(query.subscriptionId ? { subscriptionId: query.subscriptionId } : {}),
        ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
        ...(query.pageSize ? { pageSize: query.pageSize } : {}),
      });
    } catch (error) {
      if (error instanceof RangeError) throw new BadRequest([`continuationToken: not one this listing returned`]);
      throw error;
    }
    const summary = await services.store.countByStatus(query.subscriptionId ? { subscriptionId: query.subscriptionId } : {});
    return json(200, {
      summary,
      ...(query.status ? { status: query.status } : {}),
      ...(query.subscriptionId ? { subscription: query.subscriptionId } : {}),
      items: page.items.map(stateView),
      ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
    });
  } catch (error) {
    return failureResult(error, request, 'fleet compliance');
  }
}

/** POST /api/sweeps: runs the inventory now (it streams; thousands of clusters take seconds) and returns 202. */
export async function startSweepRoute(services: AppServices, request: ApiRequest): Promise<HttpResult> {
  const allowed = allow(request, services, PERMISSIONS.remediate);
  if (isResult(allowed)) return allowed;
  try {
    rejectUnknownQuery(request.query, []);
    const body = parseJsonObject(request.bodyText);
    const unknown = Object.keys(body);
    if (unknown.length > 0) throw new BadRequest(unknown.map((key) => `body.${key}: unknown field (this route takes no body)`));
    request.log.info(`sweep requested by ${allowed.caller}`);
    const result = await runSweep(services, { trigger: 'http', log: request.log });
    return {
      status: 202,
      headers: { 'content-type': 'application/json' },
      jsonBody: {
        sweepId: result.sweepId,
        status: result.status,
        clustersEnqueued: result.clustersEnqueued,
        subscriptions: result.subscriptions,
        errors: result.errors.map((error) => ({ scope: error.scope })),
        requestedBy: allowed.caller,
      },
    };
  } catch (error) {
    return failureResult(error, request, 'sweep');
  }
}

/** What the routes read from a Functions HttpRequest (structural, so this file needs no @azure/functions). */
export interface HttpRequestLike {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export async function apiRequestFrom(request: HttpRequestLike, invocation: { invocationId: string } & Log): Promise<ApiRequest> {
  return {
    params: request.params,
    query: request.query,
    bodyText: await request.text(),
    principalHeader: request.headers.get('x-ms-client-principal'),
    requestId: invocation.invocationId,
    log: invocation,
  };
}
