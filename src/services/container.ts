// Dependency wiring for the Functions app: settings, store, queue, ARM clients, baseline and telemetry, built
// lazily once per process (a cold start pays for it once; warm invocations reuse the clients and their
// keep-alive connections). Tests and the demo hand in their own services with `useServices`.
import path from 'node:path';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { createArmClients, type ArmClients, type ArmClientsOptions } from '../azure/arm/index.js';
import type { SelfIdentity } from '../azure/resourceEvents.js';
import {
  createStorageClients,
  createTableComplianceStore,
  ensureQueues,
  ensureTables,
  EvaluationQueue,
  type StorageClients,
} from '../azure/storage/index.js';
import { createTelemetry } from '../azure/telemetry.js';
import { loadConfig, type AppConfig } from '../config.js';
import { isInScope, parseResourceId, type Baseline, type PlanStep } from '../core/index.js';
import { DEFAULT_BASELINE_PATH, loadBaselineFile } from '../baseline-file.js';
import { InvalidInputError } from '../core/errors.js';
import type { ComplianceStore, Telemetry, WorkQueue } from '../ports.js';
import type { OperationHandle } from '../azure/arm/index.js';

/** Timings of the worker and the sweep. The defaults suit Azure; tests shrink them. */
export interface WorkerTuning {
  /** How long a worker holds a cluster's lease at most (it is released as soon as the evaluation ends). */
  leaseTtlMs: number;
  /** When another worker holds the lease: evaluate again after this many seconds. */
  leaseBusyRetrySeconds: number;
  /** After starting a write (or meeting a busy cluster): evaluate again after this many seconds to confirm it. */
  continuationDelaySeconds: number;
  /** A chain of continuations stops after this many; the next sweep picks the cluster up again. */
  maxContinuations: number;
  /** Wait after the first remediation attempt of a rule; doubles with each further attempt. */
  backoffBaseSeconds: number;
  /** Cap on that wait. */
  maxBackoffSeconds: number;
  /**
   * An intent row younger than this, on a resource that is no longer busy, still counts as in flight: ARM may
   * not show the write yet. Older ones are closed as not confirmed, and the step may be tried again.
   */
  openRemediationGraceMs: number;
  /** Clusters per enqueueMany call during a sweep. */
  sweepBatchSize: number;
}

export const DEFAULT_TUNING: WorkerTuning = {
  // Longer than host.json functionTimeout (10 min): a lease never expires under a holder the host has not stopped yet.
  leaseTtlMs: 11 * 60_000,
  leaseBusyRetrySeconds: 15,
  continuationDelaySeconds: 25,
  maxContinuations: 60,
  backoffBaseSeconds: 60,
  maxBackoffSeconds: 6 * 60 * 60,
  openRemediationGraceMs: 2 * 60_000,
  sweepBatchSize: 32,
};

/**
 * Points where a test can make the worker fail as a crash would: right after the intent row is written (before
 * the ARM write), and right after ARM accepted the write (before the Table write that records it).
 */
export interface WriteHooks {
  afterIntent?(step: PlanStep): Promise<void>;
  afterWrite?(step: PlanStep, handle: OperationHandle): Promise<void>;
}

/** Everything the handlers need. */
export interface AppServices {
  config: AppConfig;
  store: ComplianceStore;
  queue: WorkQueue;
  /** ARM clients, created on first use (the event intake and the CLI's replay never need them). */
  arm(): ArmClients;
  baseline: Baseline;
  telemetry: Telemetry;
  /** The app's own identity: writes it makes come back as events that only confirm. */
  self: SelfIdentity;
  tuning: WorkerTuning;
  clock(): Date;
  /** Where protected extension setting references (`{ appSetting }`) are resolved. */
  env: Record<string, string | undefined>;
  /** Crash injection for tests; absent in the app. */
  remediationHooks?: WriteHooks;
}

export interface CreateServicesOptions {
  /** Defaults to process.env; also where protected setting references are resolved. */
  env?: Record<string, string | undefined>;
  /** Create the tables and the queue if missing (default true; idempotent). */
  ensureStorage?: boolean;
  /** Overrides the baseline file named by BASELINE_PATH. */
  baseline?: Baseline;
  telemetry?: Telemetry;
  tuning?: Partial<WorkerTuning>;
  clock?: () => Date;
  /** Options for the ARM clients (poll interval, retries, request capture in tests). */
  armOptions?: ArmClientsOptions;
  /** Extra ARM pipeline policies, appended to armOptions.additionalPolicies. */
  armPolicies?: PipelinePolicy[];
  remediationHooks?: WriteHooks;
  /** Pre-built storage clients (e.g. to share one set with a test driver). */
  storageClients?: StorageClients;
}

/** The package root, where BASELINE_PATH is resolved from: the Functions app root once deployed. */
const PACKAGE_ROOT = path.dirname(path.dirname(DEFAULT_BASELINE_PATH));

export function resolveBaselinePath(baselinePath: string): string {
  return path.isAbsolute(baselinePath) ? baselinePath : path.resolve(PACKAGE_ROOT, baselinePath);
}

/** Loads BASELINE_PATH; a missing or invalid file fails with the setting name and every problem. */
export async function loadConfiguredBaseline(config: Pick<AppConfig, 'baselinePath'>): Promise<Baseline> {
  const file = resolveBaselinePath(config.baselinePath);
  try {
    return await loadBaselineFile(file);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(error.problems.map((problem) => `BASELINE_PATH (${file}): ${problem}`));
    throw error;
  }
}

function positive(value: number, name: string): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`tuning.${name} must be a number above 0, got ${String(value)}`);
}

export function resolveTuning(overrides: Partial<WorkerTuning> = {}): WorkerTuning {
  const tuning = { ...DEFAULT_TUNING, ...overrides };
  for (const [name, value] of Object.entries(tuning)) positive(value, name);
  for (const name of ['leaseTtlMs', 'leaseBusyRetrySeconds', 'continuationDelaySeconds', 'maxContinuations', 'sweepBatchSize'] as const) {
    if (!Number.isInteger(tuning[name])) throw new RangeError(`tuning.${name} must be a whole number, got ${tuning[name]}`);
  }
  if (tuning.maxBackoffSeconds < tuning.backoffBaseSeconds) throw new RangeError('tuning.maxBackoffSeconds must be at least tuning.backoffBaseSeconds');
  return tuning;
}

/** Builds the services from settings. Nothing here reaches ARM; storage is touched only by ensureStorage. */
export async function createServices(config: AppConfig, options: CreateServicesOptions = {}): Promise<AppServices> {
  const env = options.env ?? process.env;
  const storageClients = options.storageClients ?? createStorageClients(config.storage);
  if (options.ensureStorage ?? true) {
    await ensureTables(storageClients);
    await ensureQueues(storageClients);
  }
  const baseline = options.baseline ?? (await loadConfiguredBaseline(config));
  const telemetry = options.telemetry ?? (await createTelemetry(config.appInsights, config.azureClientId));
  const armOptions: ArmClientsOptions = {
    ...(config.azureClientId ? { managedIdentityClientId: config.azureClientId } : {}),
    ...options.armOptions,
    additionalPolicies: [...(options.armOptions?.additionalPolicies ?? []), ...(options.armPolicies ?? [])],
  };
  let arm: ArmClients | undefined;
  return {
    config,
    store: createTableComplianceStore(storageClients),
    queue: new EvaluationQueue(storageClients.evaluationQueue),
    arm: () => (arm ??= createArmClients(config.arm, armOptions)),
    baseline,
    telemetry,
    self: {
      ...(config.azureClientId ? { appId: config.azureClientId } : {}),
      ...(config.selfPrincipalId ? { objectId: config.selfPrincipalId } : {}),
    },
    tuning: resolveTuning(options.tuning),
    clock: options.clock ?? (() => new Date()),
    env,
    ...(options.remediationHooks ? { remediationHooks: options.remediationHooks } : {}),
  };
}

let current: Promise<AppServices> | undefined;

/**
 * The process-wide services, built on first use from the app settings. A failed build is not cached, so the
 * next invocation tries again (e.g. after a storage outage at cold start).
 */
export function getServices(): Promise<AppServices> {
  if (!current) {
    const building = (async () => createServices(loadConfig()))();
    current = building;
    void building.catch(() => {
      if (current === building) current = undefined;
    });
  }
  return current;
}

/** Makes every handler use these services (tests, the demo, benchmarks). */
export function useServices(services: AppServices): void {
  current = Promise.resolve(services);
}

/** Forgets the services; the next getServices() builds them again from the settings. */
export function resetServices(): void {
  current = undefined;
}

/** Where handlers write their logs: an InvocationContext satisfies it, and so does `console`. */
export interface Log {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Why a cluster is outside what the app may touch, or undefined when it is inside. */
export function outOfScopeReason(services: Pick<AppServices, 'config' | 'baseline'>, clusterId: string): string | undefined {
  const subscriptionId = parseResourceId(clusterId).subscriptionId.toLowerCase();
  const targets = services.config.targetSubscriptionIds;
  if (targets.length > 0 && !targets.includes(subscriptionId)) return `subscription ${subscriptionId} is not in TARGET_SUBSCRIPTION_IDS`;
  if (!isInScope(services.baseline, clusterId)) return 'the cluster is outside the baseline scope (subscriptions / resource groups)';
  return undefined;
}
