// A recorded fleet for the report's tests: what the app's store would hold after weeks of work on N clusters (states,
// the history of the period, remediation rows, attempt counters, a sweep), generated from a seed so every number is
// known in advance. It fills the in-memory store (unit tests) or Azurite (integration tests, up to 10,000 clusters).
//
// Azurite takes a single insert in about 1.5 ms but an entity-group transaction of a few rows in about 12 ms, so the
// rows go in one insert each, many at a time, in exactly the layout the Table adapter writes (row keys, property names,
// JSON split over numbered properties). The tests read a sample back through the adapter to prove the layout right.
// Only the period's history is written: rows older than the report's `since` are never read by it.
import { randomBytes } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { StorageClients } from '../../src/azure/storage/clients.js';
import { clusterKey, invertedCounter, invertedTime, tableKey } from '../../src/azure/storage/keys.js';
import { splitJson } from '../../src/azure/storage/state-model.js';
import type { ClusterStatus, RecordedRuleStatus } from '../../src/core/index.js';
import type { Attempts, Cause, ClusterState, RecordedRuleResult, RemediationRecord, SweepRecord, Transition } from '../../src/ports.js';
import type { ReportExpectation } from '../../demo/browserCheck.js';
import { chartsOf, sectionsOf, type ReportData } from '../../src/report/index.js';
import type { InMemoryStore } from './fakes/store.js';

/** The rules of baselines/default.json, with their modes there. */
export const FLEET_RULES = [
  { ruleId: 'managed-identity', mode: 'approval', action: 'enable-managed-identity' },
  { ruleId: 'no-pod-identity', mode: 'approval', action: 'disable-pod-identity' },
  { ruleId: 'workload-identity', mode: 'auto', action: 'enable-workload-identity' },
  { ruleId: 'required-extension/flux', mode: 'auto', action: 'install-extension' },
] as const;

export type Scenario = 'compliant' | 'awaitingApproval' | 'nonCompliantAuto' | 'remediationFailed' | 'exempt' | 'unknown' | 'deleted' | 'blocked' | 'fixed';

export interface FleetOptions {
  clusters: number;
  subscriptions?: number;
  seed?: number;
  /** The report's "now"; the period is the 30 days before it. */
  now?: Date;
  /** Names for the first clusters (hostile strings, for escaping tests); the rest are generated. */
  clusterNames?: string[];
  /** ARM error messages of failed remediations: credential-like text the report must mask. */
  failureMessage?: string;
}

export interface GeneratedCluster {
  state: ClusterState;
  scenario: Scenario;
  /** Transitions in the period, oldest first. */
  history: Transition[];
  /** Remediation rows started in the period, oldest first. */
  remediations: Omit<RemediationRecord, 'ref'>[];
  attempts: { ruleId: string; attempts: Attempts }[];
}

export interface GeneratedFleet {
  now: Date;
  since: Date;
  clusters: GeneratedCluster[];
  sweep: SweepRecord;
  /** What the report must show, counted here from the rows (not by the report's code). */
  expected: {
    statuses: Record<string, number>;
    clusters: number;
    subscriptions: number;
    awaitingApprovalClusters: number;
    awaitingApprovalRules: number;
    failureFindings: number;
    blockedFindings: number;
    remediations: Record<string, number>;
    clusterTransitions: number;
  };
}

export const DEFAULT_FAILURE_MESSAGE =
  'The resource operation failed: Authorization failed for sig=AbCdEf0123456789 token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl with body {"properties":{"configurationProtectedSettings":{"sasToken":"secret-value"}}}';

/** Deterministic PRNG (mulberry32) so a seed always yields the same fleet. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function guid(next: () => number): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

function scenarioFor(roll: number): Scenario {
  if (roll < 0.5) return 'compliant';
  if (roll < 0.62) return 'awaitingApproval';
  if (roll < 0.7) return 'nonCompliantAuto';
  if (roll < 0.73) return 'remediationFailed';
  if (roll < 0.77) return 'exempt';
  if (roll < 0.8) return 'unknown';
  if (roll < 0.82) return 'deleted';
  if (roll < 0.84) return 'blocked';
  return 'fixed';
}

const DAY = 86_400_000;

function result(ruleId: string, status: RecordedRuleStatus, extra: Partial<RecordedRuleResult> = {}): RecordedRuleResult {
  return { ruleId, status, reason: status === 'Compliant' ? 'Compliant' : `${status}Reason`, message: `${ruleId} is ${status}.`, ...extra };
}

/** The fleet, its rows and the counts the report must show. */
export function generateFleet(options: FleetOptions): GeneratedFleet {
  const next = random(options.seed ?? 42);
  const now = options.now ?? new Date('2026-03-01T12:00:00.000Z');
  const since = new Date(now.getTime() - 30 * DAY);
  const subscriptions = Array.from({ length: options.subscriptions ?? Math.max(1, Math.ceil(options.clusters / 250)) }, () => guid(next));
  const failureMessage = options.failureMessage ?? DEFAULT_FAILURE_MESSAGE;
  const clusters: GeneratedCluster[] = [];
  const sweepCause: Cause = { kind: 'sweep', id: 'sweep-latest' };

  for (let i = 0; i < options.clusters; i++) {
    const subscriptionId = subscriptions[i % subscriptions.length] as string;
    const resourceGroup = `rg-team-${i % 40}`;
    const name = `aks-${String(i).padStart(5, '0')}`;
    const clusterId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
    const scenario = scenarioFor(next());
    const evaluatedAt = new Date(now.getTime() - Math.floor(next() * DAY)).toISOString();
    const results = FLEET_RULES.map((rule) => result(rule.ruleId, 'Compliant'));
    let status: ClusterStatus = 'Compliant';
    const set = (index: number, value: RecordedRuleResult): void => {
      results[index] = value;
    };
    switch (scenario) {
      case 'awaitingApproval':
        set(0, result('managed-identity', 'NonCompliant'));
        status = 'NonCompliant';
        break;
      case 'nonCompliantAuto':
        set(3, result('required-extension/flux', 'NonCompliant'));
        status = 'NonCompliant';
        break;
      case 'remediationFailed':
        set(3, result('required-extension/flux', 'RemediationFailed', { lastError: { code: next() < 0.5 ? 'ExtensionOperationFailed' : 'BadRequest', message: failureMessage } }));
        status = 'RemediationFailed';
        break;
      case 'exempt':
        for (let r = 0; r < results.length; r++) set(r, result(FLEET_RULES[r]?.ruleId ?? '', 'Exempt'));
        status = 'Exempt';
        break;
      case 'unknown':
        set(2, result('workload-identity', 'Unknown'));
        status = 'Unknown';
        break;
      case 'blocked':
        set(3, { ...result('required-extension/flux', 'NonCompliant'), blocked: [{ stepId: 'required-extension/flux:install-extension', reason: 'ClusterStopped', message: `The cluster is stopped: run az aks start -g ${resourceGroup} -n ${name}` }] });
        status = 'NonCompliant';
        break;
      case 'deleted':
        status = 'Deleted';
        break;
      default:
        break;
    }
    const state: ClusterState = {
      clusterId,
      subscriptionId,
      resourceGroup,
      clusterName: options.clusterNames?.[i] ?? name,
      location: 'westeurope',
      status,
      results,
      evaluatedAt,
      lastCause: sweepCause,
      version: 3,
    };

    // The period's history: one cluster in ten was first seen in it; a fixed one went NonCompliant -> Compliant in it;
    // a failed one NonCompliant -> RemediationFailed; a deleted one Compliant -> Deleted.
    const history: Transition[] = [];
    const remediations: GeneratedCluster['remediations'] = [];
    const attempts: GeneratedCluster['attempts'] = [];
    const at = (dayOffset: number): string => new Date(since.getTime() + dayOffset * DAY + Math.floor(next() * 3_600_000)).toISOString();
    const firstSeenInPeriod = next() < 0.1;
    const changes: Record<Scenario, [ClusterStatus, ClusterStatus] | undefined> = {
      compliant: undefined,
      awaitingApproval: undefined,
      nonCompliantAuto: undefined,
      exempt: undefined,
      unknown: undefined,
      blocked: undefined,
      fixed: ['NonCompliant', 'Compliant'],
      remediationFailed: ['NonCompliant', 'RemediationFailed'],
      deleted: ['Compliant', 'Deleted'],
    };
    const change = changes[scenario];
    const firstStatus = change ? change[0] : status;
    if (firstSeenInPeriod) {
      const seen = at(1 + Math.floor(next() * 5));
      history.push({ clusterId, from: null, to: firstStatus, at: seen, cause: sweepCause });
      for (const rule of results) history.push({ clusterId, ruleId: rule.ruleId, from: null, to: scenario === 'fixed' && rule.ruleId === 'required-extension/flux' ? 'NonCompliant' : rule.status === 'RemediationFailed' ? 'NonCompliant' : rule.status, reason: rule.reason, at: seen, cause: sweepCause });
    }
    if (change) {
      const changedAt = at(10 + Math.floor(next() * 19));
      history.push({ clusterId, from: change[0], to: change[1], at: changedAt, cause: { kind: 'event', id: `evt-${i}` } });
      if (scenario !== 'deleted') history.push({ clusterId, ruleId: 'required-extension/flux', from: 'NonCompliant', to: change[1] === 'Compliant' ? 'Compliant' : 'RemediationFailed', reason: 'Compliant', at: changedAt, cause: { kind: 'event', id: `evt-${i}` } });
      const step = { stepId: 'required-extension/flux:install-extension', ruleId: 'required-extension/flux', action: 'install-extension', request: { method: 'PUT', path: `${clusterId}/providers/Microsoft.KubernetesConfiguration/extensions/flux` } };
      const startedAt = new Date(Date.parse(changedAt) - 120_000);
      if (scenario === 'fixed') {
        remediations.push({ clusterId, ...step, attempt: 1, status: 'Succeeded', cause: { kind: 'event', id: `evt-${i}` }, startedAt: startedAt.toISOString(), completedAt: new Date(startedAt.getTime() + 90_000).toISOString(), armOperation: { correlationId: guid(next) } });
      } else if (scenario === 'remediationFailed') {
        for (let attempt = 1; attempt <= 2; attempt++) {
          const begun = new Date(startedAt.getTime() - (2 - attempt) * 3_600_000);
          remediations.push({ clusterId, ...step, attempt, status: 'Failed', cause: { kind: 'sweep', id: 'sweep-latest' }, startedAt: begun.toISOString(), completedAt: new Date(begun.getTime() + 60_000).toISOString(), error: { code: 'ExtensionOperationFailed', message: failureMessage } });
        }
        attempts.push({ ruleId: 'required-extension/flux', attempts: { count: 5, lastAttemptAt: startedAt.toISOString(), nextAttemptAfter: new Date(startedAt.getTime() + DAY).toISOString(), lastError: { code: 'ExtensionOperationFailed', message: failureMessage } } });
      }
    }
    if (scenario === 'awaitingApproval' && next() < 0.3) {
      const begun = at(20 + Math.floor(next() * 9));
      remediations.push({ clusterId, stepId: 'workload-identity:enable-workload-identity', ruleId: 'workload-identity', action: 'enable-workload-identity', attempt: 1, status: 'Skipped', cause: { kind: 'sweep', id: 'sweep-latest' }, request: { method: 'PUT', path: clusterId }, startedAt: begun, completedAt: new Date(Date.parse(begun) + 1_000).toISOString(), error: { code: 'OperationNotAllowed', message: 'Another operation is in progress' } });
    }
    clusters.push({ state, scenario, history, remediations, attempts });
  }

  const statuses: Record<string, number> = {};
  const remediations: Record<string, number> = {};
  let awaitingApprovalRules = 0;
  let awaitingApprovalClusters = 0;
  let failureFindings = 0;
  let blockedFindings = 0;
  let clusterTransitions = 0;
  for (const cluster of clusters) {
    statuses[cluster.state.status] = (statuses[cluster.state.status] ?? 0) + 1;
    for (const row of cluster.remediations) remediations[row.status] = (remediations[row.status] ?? 0) + 1;
    clusterTransitions += cluster.history.filter((transition) => transition.ruleId === undefined).length;
    if (cluster.state.status === 'Deleted') continue;
    const waiting = cluster.state.results.filter((r) => r.status === 'NonCompliant' && !('blocked' in r) && FLEET_RULES.find((rule) => rule.ruleId === r.ruleId)?.mode === 'approval').length;
    awaitingApprovalRules += waiting;
    if (waiting > 0) awaitingApprovalClusters += 1;
    failureFindings += cluster.state.results.filter((r) => r.status === 'RemediationFailed').length;
    blockedFindings += cluster.state.results.filter((r) => 'blocked' in r).length;
  }
  const live = clusters.filter((cluster) => cluster.state.status !== 'Deleted');
  return {
    now,
    since,
    clusters,
    sweep: { sweepId: 'sweep-latest', trigger: 'timer', status: 'Completed', startedAt: new Date(now.getTime() - 3_600_000).toISOString(), finishedAt: new Date(now.getTime() - 3_590_000).toISOString(), clustersEnqueued: live.length },
    expected: {
      statuses,
      clusters: live.length,
      subscriptions: new Set(live.map((cluster) => cluster.state.subscriptionId)).size,
      awaitingApprovalClusters,
      awaitingApprovalRules,
      failureFindings,
      blockedFindings,
      remediations,
      clusterTransitions,
    },
  };
}

/** Puts the fleet into the in-memory store, as the fakes keep rows (newest last). */
export function fillInMemory(store: InMemoryStore, fleet: GeneratedFleet): void {
  for (const cluster of fleet.clusters) {
    const key = cluster.state.clusterId.toLowerCase();
    store.states.set(key, structuredClone(cluster.state));
    store.history.set(key, structuredClone(cluster.history));
    store.remediations.set(
      key,
      cluster.remediations.map((row, index) => ({ ...structuredClone(row), ref: { clusterId: row.clusterId, rowKey: `row-${index}`, etag: `W/"${index}"` } })),
    );
    for (const { ruleId, attempts } of cluster.attempts) store.attempts.set(`${key}|${ruleId}`, structuredClone(attempts));
  }
  store.sweeps.set(fleet.sweep.sweepId, structuredClone(fleet.sweep));
}

function causeProperties(cause: Cause): Record<string, string | undefined> {
  return { causeKind: cause.kind, causeId: cause.id, causeCorrelationId: cause.correlationId, causeCaller: cause.caller };
}

function defined(entity: Record<string, unknown>): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(entity).filter(([, value]) => value !== undefined)) as Record<string, string | number | boolean>;
}

/** The rows of one cluster, as the Table adapter lays them out, per table. */
export function tableRows(cluster: GeneratedCluster): { state: Record<string, unknown>[]; history: Record<string, unknown>[]; remediations: Record<string, unknown>[] } {
  const partitionKey = clusterKey(cluster.state.clusterId);
  const { state } = cluster;
  const results = splitJson('results', state.results, 8);
  if (!results) throw new Error(`${state.clusterId}: results too large for the generated row`);
  const history = cluster.history.map((transition, index) => ({
    partitionKey,
    rowKey: `${invertedTime(new Date(transition.at))}-${invertedCounter(index + 1, 10)}-${String(index).padStart(4, '0')}`,
    clusterId: transition.clusterId,
    ruleId: transition.ruleId,
    from: transition.from ?? undefined,
    to: transition.to ?? undefined,
    reason: transition.reason,
    at: transition.at,
    ...causeProperties(transition.cause),
  }));
  const remediations = cluster.remediations.map((row) => ({
    partitionKey,
    rowKey: `${invertedTime(new Date(row.startedAt))}-${randomBytes(4).toString('hex')}`,
    clusterId: row.clusterId,
    stepId: row.stepId,
    ruleId: row.ruleId,
    action: row.action,
    attempt: row.attempt,
    status: row.status,
    requestMethod: row.request.method,
    requestPath: row.request.path,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    armCorrelationId: row.armOperation?.correlationId,
    errorCode: row.error?.code,
    errorMessage: row.error?.message,
    ...causeProperties(row.cause),
  }));
  const attempts = cluster.attempts.map(({ ruleId, attempts: counter }) => ({
    partitionKey,
    rowKey: `attempts-${tableKey(ruleId, 'ruleId')}`,
    clusterId: state.clusterId,
    ruleId,
    count: counter.count,
    lastAttemptAt: counter.lastAttemptAt,
    nextAttemptAfter: counter.nextAttemptAfter,
    lastErrorCode: counter.lastError?.code,
    lastErrorMessage: counter.lastError?.message,
  }));
  return {
    state: [
      {
        partitionKey,
        rowKey: 'state',
        clusterId: state.clusterId,
        subscriptionId: state.subscriptionId,
        resourceGroup: state.resourceGroup,
        clusterName: state.clusterName,
        location: state.location,
        status: state.status,
        evaluatedAt: state.evaluatedAt,
        version: state.version,
        historyClock: cluster.history.at(-1)?.at ?? state.evaluatedAt,
        ...causeProperties(state.lastCause),
        ...results,
        outboxParts: 0,
      },
      ...attempts,
    ],
    history,
    remediations,
  };
}

/**
 * Writes the fleet into Table Storage (Azurite), one insert per row, `concurrency` at a time, and returns how long it
 * took. The sweep row goes through the adapter itself (pass the store's sweep log).
 */
export async function seedTables(clients: Pick<StorageClients, 'tables'>, fleet: GeneratedFleet, options: { concurrency?: number } = {}): Promise<{ rows: number; ms: number }> {
  const started = Date.now();
  const jobs: [TableClient, Record<string, unknown>][] = [];
  for (const cluster of fleet.clusters) {
    const rows = tableRows(cluster);
    for (const row of rows.state) jobs.push([clients.tables.state, row]);
    for (const row of rows.history) jobs.push([clients.tables.history, row]);
    for (const row of rows.remediations) jobs.push([clients.tables.remediations, row]);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const [table, row] = jobs[next++] as [TableClient, Record<string, unknown>];
      await table.createEntity(defined(row) as { partitionKey: string; rowKey: string });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 32 }, worker));
  return { rows: jobs.length, ms: Date.now() - started };
}

/** What the page must show for this fleet, from the generated rows (never from the report's own aggregation). */
export function expectationFor(fleet: GeneratedFleet, data: Pick<ReportData, 'reactions'>): ReportExpectation {
  const { expected } = fleet;
  const counts: Record<string, number> = {
    clusters: expected.clusters,
    subscriptions: expected.subscriptions,
    'kpi-awaiting-approval': expected.awaitingApprovalClusters,
    'approvals-rules': expected.awaitingApprovalRules,
    'kpi-remediation-failed': expected.failureFindings,
    'blocked-findings': expected.blockedFindings,
    'history-transitions': expected.clusterTransitions,
  };
  for (const [status, n] of Object.entries(expected.statuses)) counts[`fleet-${status}`] = n;
  for (const [status, n] of Object.entries(expected.remediations)) counts[`remediations-${status}`] = n;
  return { sections: sectionsOf(data), charts: chartsOf(data), counts, tileFamilies: ['fleet-', 'remediations-'] };
}
