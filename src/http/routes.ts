// The HTTP routes, apart from @azure/functions so each reads as plain request -> result: authorize, validate every
// input strictly (request.ts: 400 naming the field), check scope (403), do the work through the pipeline, and map
// failures to problems (failures.ts). The functions in src/functions/ only turn a Functions request into an
// ApiRequest and call these.
import { approves } from '../core/index.js';
import { runEvaluation } from '../pipeline/evaluation.js';
import { intentRules, remediatePolicy } from '../pipeline/policies.js';
import { outOfScopeReason } from '../pipeline/scope.js';
import { approveNextWave, haltRollout, resumeRollout, rolloutStatus } from '../pipeline/rollouts.js';
import { evaluationDeps, rolloutDeps, type AppServices } from '../pipeline/services.js';
import { runSweep } from '../pipeline/sweep.js';
import { endLease, scheduleContinuation } from '../pipeline/worker.js';
import type { Cause } from '../ports.js';
import { authorize, PERMISSIONS, type Permission } from './auth.js';
import { failureResult } from './failures.js';
import { json, problem, type HttpResult } from './problem.js';
import { buildReport, reportContentSecurityPolicy } from '../report/index.js';
import { describeStore } from '../report/store-label.js';
import {
  BadRequest,
  clusterIdFromRoute,
  parseFleetQuery,
  parseHaltBody,
  parseJsonObject,
  parseRemediateBody,
  parseReportQuery,
  rejectBody,
  rejectUnknownQuery,
  rolloutIdFromRoute,
  type ApiRequest,
} from './request.js';
import { describeFailure, remediationView, reportView, resultView, stateView, stepView } from './views.js';

export { apiRequestFrom, type ApiRequest, type HttpRequestLike } from './request.js';

const HISTORY_LIMIT = 20;
const REMEDIATION_LIMIT = 20;

function allow(request: ApiRequest, services: AppServices, permission: Permission): { caller: string } | HttpResult {
  const decision = authorize(request.principalHeader, permission, services.config.entraAuthRequired);
  if (!decision.allowed) return problem(decision.status, decision.detail);
  return { caller: decision.caller };
}

function isResult(value: object): value is HttpResult {
  return 'status' in value;
}

function scopeProblem(services: AppServices, clusterId: string): HttpResult | undefined {
  const reason = outOfScopeReason(services, clusterId);
  return reason ? problem(403, `${clusterId} is outside what this app manages: ${reason}`) : undefined;
}

/**
 * POST /api/clusters/{subscriptionId}/{resourceGroup}/{clusterName}/remediate: the evaluation pipeline with the
 * remediate policy, under the cluster's lease (a dry run writes nothing, so it needs none).
 */
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
    const policy = remediatePolicy(body, intentRules(services.config.maxRemediationAttempts, services.tuning));
    const lease = body.dryRun ? undefined : await services.store.acquireLease(clusterId, `http:${request.requestId}`, services.tuning.leaseTtlMs, services.clock());
    if (!body.dryRun && !lease) {
      const wait = services.tuning.leaseBusyRetrySeconds;
      return problem(409, `${clusterId} is being evaluated or remediated right now; retry in ${wait} s`, { retryAfterSeconds: wait });
    }
    const readAt = services.clock();
    let run;
    try {
      run = await runEvaluation(evaluationDeps(services), policy, { clusterId, cause, now: readAt, log: request.log });
    } catch (error) {
      if (lease) await endLease(services, lease, undefined, request.log).catch((release: unknown) => request.log.error(`${clusterId}: could not release the lease: ${String(release)}`));
      throw error;
    }
    // Events that joined while it ran get their follow-up, unless a continuation (below) reads again anyway.
    if (lease) await endLease(services, lease, run.found && !run.followUp && !run.retryLater ? readAt : undefined, request.log);
    if (!run.found) return problem(404, `${clusterId} does not exist (or the app's identity cannot see it)`);

    const retry = run.followUp ?? (run.retryLater ? { delaySeconds: services.tuning.continuationDelaySeconds, reason: describeFailure(run.retryLater) } : undefined);
    // A person is waiting for this one: its continuation goes on the events lane, never behind a sweep.
    const continued = retry && !body.dryRun
      ? await scheduleContinuation({ ...services, queue: services.eventQueue }, { clusterId: run.clusterId, cause, enqueuedAt: services.clock().toISOString(), approvals: body.approve }, retry, request.log)
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
      results: run.evaluation.results.map((result) => resultView(result, run.ruleOverrides)),
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

/** BASELINE_PATH when unset: the approval commands need no --baseline for it. */
const DEFAULT_BASELINE_SETTING = 'baselines/default.json';

/** Headers of the report page: its own policy (plus frame-ancestors, which only a header can set), never cached or sniffed. */
export function reportHeaders(): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `${reportContentSecurityPolicy()}; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

/**
 * GET /api/report?since=30d: the compliance report, one self-contained HTML page, from the store. The store is read in
 * streamed scans aggregated page by page (src/report/collect.ts); only the finished page is held in memory.
 */
export async function getReportRoute(services: AppServices, request: ApiRequest): Promise<HttpResult> {
  const allowed = allow(request, services, PERMISSIONS.read);
  if (isResult(allowed)) return allowed;
  try {
    const now = services.clock();
    const { since } = parseReportQuery(request.query, now);
    const { config } = services;
    const report = await buildReport(services.reports, {
      baseline: services.baseline,
      baselineLabel: config.baselinePath,
      store: describeStore(config.storage),
      since,
      now,
      noticeDays: config.exemptionExpiryNoticeDays,
      approvalCommands: {
        ...(request.origin ? { appUrl: request.origin } : {}),
        entraAuth: config.entraAuthRequired,
        ...(config.baselinePath === DEFAULT_BASELINE_SETTING ? {} : { baselineFile: config.baselinePath }),
      },
    });
    request.log.info(
      `report for ${allowed.caller}: ${report.data.fleet.clusters} clusters since ${since.toISOString()}, read in ${Math.round(report.timings.collectMs)} ms, ${report.html.length} characters`,
    );
    return { status: 200, headers: reportHeaders(), body: report.html };
  } catch (error) {
    return failureResult(error, request, 'report');
  }
}

/** GET /api/rollouts/{rolloutId}: the rollout's record and each wave's progress. */
export async function getRolloutRoute(services: AppServices, request: ApiRequest): Promise<HttpResult> {
  const allowed = allow(request, services, PERMISSIONS.read);
  if (isResult(allowed)) return allowed;
  try {
    rejectUnknownQuery(request.query, []);
    return json(200, await rolloutStatus(rolloutDeps(services), rolloutIdFromRoute(request.params), services.clock()));
  } catch (error) {
    return failureResult(error, request, 'rollout');
  }
}

export const ROLLOUT_ACTIONS = ['approve', 'halt', 'resume'] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

/**
 * POST /api/rollouts/{rolloutId}/approve | halt | resume. approve: the wave waiting for approval, once (409 when none
 * waits), with the caller recorded as approver; halt: no new starts (body `reason`, optional); resume: a halted
 * rollout goes on, the failures so far no longer counting against its budget. Each answers with the rollout's status.
 */
export async function changeRolloutRoute(services: AppServices, request: ApiRequest, action: RolloutAction): Promise<HttpResult> {
  const allowed = allow(request, services, PERMISSIONS.remediate);
  if (isResult(allowed)) return allowed;
  try {
    rejectUnknownQuery(request.query, []);
    const rolloutId = rolloutIdFromRoute(request.params);
    const deps = rolloutDeps(services, request.log);
    const now = services.clock();
    let approved: { wave: string; index: number } | undefined;
    if (action === 'approve') {
      rejectBody(request.bodyText);
      approved = await approveNextWave(deps, rolloutId, allowed.caller, now);
    } else if (action === 'halt') {
      const body = parseHaltBody(request.bodyText);
      await haltRollout(deps, rolloutId, allowed.caller, body.reason ?? `halted by ${allowed.caller}`, now);
    } else {
      rejectBody(request.bodyText);
      await resumeRollout(deps, rolloutId, allowed.caller, now);
    }
    const status = await rolloutStatus(deps, rolloutId, now);
    return json(200, { ...(approved ? { approved: { ...approved, by: allowed.caller } } : {}), ...status });
  } catch (error) {
    return failureResult(error, request, `rollout ${action}`);
  }
}
