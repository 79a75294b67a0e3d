// Wiring, and nothing else: builds the services the handlers run on (src/pipeline/services.ts) from the settings
// (src/config.ts): the Table store and the queue, the ARM reader and writer over clients imported and made on first use, the
// baseline named by BASELINE_PATH, telemetry, and the compliance events publisher (EVENTS_TOPIC_ENDPOINT). Built
// lazily once per process: a cold start pays for it once, warm invocations reuse the clients and their keep-alive
// connections. Tests, the demo and the benchmarks build theirs with createServices (with fakes or decorators around
// the ports) and hand them in with useServices.
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { ArmStepWriter } from './azure/arm/applier.js';
import type { ArmClients, ArmClientsOptions } from './azure/arm/clients.js';
import { ArmFactReader } from './azure/arm/facts.js';
import { ArmClusterReader } from './azure/arm/reader.js';
import { createEventsPublisher, type EventsPublisherOptions } from './azure/events-out.js';
import { createStorageClients, createTableComplianceStore, createTableReportSource, ensureQueues, ensureTables, EvaluationQueue, type StorageClients } from './azure/storage/index.js';
import { createTelemetry } from './azure/telemetry.js';
import { loadConfiguredBaseline } from './baseline-file.js';
import { loadConfig, resolveTuning, type AppConfig, type WorkerTuning } from './config.js';
import type { Baseline } from './core/index.js';
import { LanePriority } from './pipeline/lane-priority.js';
import type { AppServices } from './pipeline/services.js';
import type { Telemetry } from './ports.js';

export type { AppServices } from './pipeline/services.js';

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
  /** Publisher options on top of the settings (tests: shorter retries and timeouts). */
  eventsOptions?: Omit<EventsPublisherOptions, 'endpoint' | 'telemetry'>;
  /** Pre-built storage clients (e.g. to share one set with a local queue host). */
  storageClients?: StorageClients;
}

/** Builds the services from settings. Nothing here reaches ARM; storage is touched only by ensureStorage. */
export async function createServices(config: AppConfig, options: CreateServicesOptions = {}): Promise<AppServices> {
  const storageClients = options.storageClients ?? createStorageClients(config.storage);
  if (options.ensureStorage ?? true) {
    await ensureTables(storageClients);
    await ensureQueues(storageClients);
  }
  const armOptions: ArmClientsOptions = {
    ...(config.azureClientId ? { managedIdentityClientId: config.azureClientId } : {}),
    ...options.armOptions,
    additionalPolicies: [...(options.armOptions?.additionalPolicies ?? []), ...(options.armPolicies ?? [])],
  };
  // The ARM SDKs and the credential are imported on the first ARM call: the intake and the read-only routes never
  // make one, and a cold start should not pay for them. A failed build is not kept, so the next call tries again.
  let clients: Promise<ArmClients> | undefined;
  const arm = (): Promise<ArmClients> => {
    if (!clients) {
      const building = import('./azure/arm/clients.js').then(({ createArmClients }) => createArmClients(config.arm, armOptions));
      clients = building;
      building.catch(() => {
        if (clients === building) clients = undefined;
      });
    }
    return clients;
  };
  const telemetry = options.telemetry ?? createTelemetry(config.appInsights, config.azureClientId);
  return {
    config,
    tuning: resolveTuning(options.tuning),
    baseline: options.baseline ?? (await loadConfiguredBaseline(config)),
    reader: new ArmClusterReader(arm),
    facts: new ArmFactReader(arm),
    writer: new ArmStepWriter(arm, options.env ?? process.env),
    store: createTableComplianceStore(storageClients),
    reports: createTableReportSource(storageClients),
    queue: new EvaluationQueue(storageClients.evaluationQueue),
    eventQueue: new EvaluationQueue(storageClients.eventQueue),
    telemetry,
    // No topic set: a publisher that does nothing. In Azure it signs in as the app's managed identity.
    events: createEventsPublisher({
      ...(config.eventsTopicEndpoint ? { endpoint: config.eventsTopicEndpoint } : {}),
      ...(config.azureClientId ? { managedIdentityClientId: config.azureClientId } : {}),
      ...(config.eventsCaFile ? { caFile: config.eventsCaFile } : {}),
      ...(config.eventsToken ? { token: config.eventsToken } : {}),
      ...options.eventsOptions,
      telemetry,
    }),
    self: {
      ...(config.azureClientId ? { appId: config.azureClientId } : {}),
      ...(config.selfPrincipalId ? { objectId: config.selfPrincipalId } : {}),
    },
    clock: options.clock ?? (() => new Date()),
    lanes: new LanePriority(),
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
