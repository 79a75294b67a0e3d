// The Functions app wired for a benchmark, as the host would build it from app settings: Azurite as
// AzureWebJobsStorage and the ARM emulator, in a process of its own, as ARM. Much like the local app the demo and
// the tests run on (dev/local-app.ts), with two differences that matter for measuring: the emulator's CPU and memory
// are not the app's, and TLS to it is set up as it is in Azure (see sharedTlsAgentPolicy). The queue trigger is the
// same stand-in (dev/queue-host.ts), with host.json's settings.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import azureFunctions, { type InvocationContext } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type Azurite } from '../../dev/azurite.js';
import type { EmulatorOptions } from '../../emulator/index.js';
import { DEFAULT_IDENTITY } from '../../emulator/tokens.js';
import { createArmRequestStats, type ArmRequestStats } from '../../src/azure/arm/index.js';
import { onResourceEvent } from '../../src/functions/onResourceEvent.js';
import { STATE_ROW } from '../../src/azure/storage/cluster-state-store.js';
import { createStorageClients, type StorageClients } from '../../src/azure/storage/index.js';
import { scrubProperties } from '../../src/azure/telemetry.js';
import type { Telemetry, TelemetryEventName, TelemetryMetricName, TelemetryProperties } from '../../src/ports.js';
import { loadConfig } from '../../src/config.js';
import { evaluateChangedCluster } from '../../src/functions/evaluateChangedCluster.js';
import { evaluateCluster } from '../../src/functions/evaluateCluster.js';
import { FUNCTION_NAMES, QUEUE_NAMES } from '../../src/names.js';
import type { WorkerTuning } from '../../src/config.js';
import { createServices, resetServices, useServices, type AppServices } from '../../src/container.js';
import type { Lane } from '../../src/pipeline/services.js';
import { ArmWireCounter } from './arm-wire.js';
import { BENCH_QUEUES_FOLDER_PREFIX, startEmulatorProcess, type EmulatorProcess } from './processes.js';
import { QueueHost, type HandledMessage } from '../../dev/queue-host.js';

/**
 * Counts telemetry instead of keeping it: a sweep emits tens of thousands of events, and holding them would
 * charge the benchmark's memory to the app. Properties are still scrubbed, as the real client does.
 */
export class CountingTelemetry implements Telemetry {
  readonly events = new Map<string, number>();
  readonly metrics = new Map<string, { count: number; sum: number }>();

  event(name: TelemetryEventName, properties?: TelemetryProperties): void {
    const scrubbed = scrubProperties(properties);
    const key = name === 'ClusterEvaluated' ? `${name}:${scrubbed['causeKind'] ?? '?'}` : name;
    this.events.set(key, (this.events.get(key) ?? 0) + 1);
  }

  metric(name: TelemetryMetricName, value: number, properties?: TelemetryProperties): void {
    scrubProperties(properties);
    const entry = this.metrics.get(name) ?? { count: 0, sum: 0 };
    entry.count += 1;
    entry.sum += value;
    this.metrics.set(name, entry);
  }

  async flush(): Promise<void> {}
}

/**
 * One keep-alive agent whose TLS context trusts the public roots plus the emulator's CA, built once. Through
 * ARM_CA_FILE the SDK would hand the CA list to every connection, and Node would build a new CA store per
 * connection and hash the whole list into the agent key per request: a cost only the emulator setup has
 * (in Azure no CA is configured), which would be charged to the app's CPU and memory here.
 */
export function sharedTlsAgentPolicy(caFile: string): PipelinePolicy {
  const agent = new Agent({ keepAlive: true, secureContext: createSecureContext({ ca: [...rootCertificates, readFileSync(caFile, 'utf8')] }) });
  return {
    name: 'benchSharedTlsAgent',
    sendRequest: (request, next) => {
      request.agent = agent;
      return next(request);
    },
  };
}

export interface BenchApp {
  azurite: Azurite;
  services: AppServices;
  storage: StorageClients;
  telemetry: CountingTelemetry;
  /** What the app's ARM clients sent and met (the pacer's counts). */
  armStats: ArmRequestStats;
  stop(): Promise<void>;
}

export interface BenchAppOptions {
  arm: { endpoint: string; caFile: string; token: string };
  subscriptionIds: string[];
  settings?: Record<string, string>;
  tuning?: Partial<WorkerTuning>;
  /** False: leave ARM_CA_FILE's per-connection TLS setup in place (to measure what it costs). Default true. */
  productionTls?: boolean;
}

export interface BenchStorage extends Azurite {
  /** The queues' folder, removed by stop(). */
  queueFolder: string;
}

/**
 * Azurite as two processes, as Azure Storage's table and queue services are two services: tables in memory in one,
 * queues in a temporary folder in the other. In memory, Azurite keeps one extent per queue message, and its clean-up
 * (once a minute) drops them one at a time with an index rebuild each: a CPU profile of a reaction run showed it
 * stopping that process for 13 to 36 s once a few thousand sweep messages had gone through, every table and queue call
 * of the app waiting behind it. On disk, messages share extent files, and the tables keep the memory store.
 */
export async function startBenchStorage(): Promise<BenchStorage> {
  const folder = await mkdtemp(join(tmpdir(), BENCH_QUEUES_FOLDER_PREFIX));
  const started = await Promise.allSettled([startAzurite(), startAzurite({ location: folder })]);
  const [tables, queues] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
  const stop = async (): Promise<void> => {
    await Promise.all([tables?.stop(), queues?.stop()]);
    await rm(folder, { recursive: true, force: true });
  };
  if (!tables || !queues) {
    await stop();
    throw started.find((result) => result.status === 'rejected')?.reason;
  }
  const connectionString = tables.connectionString.replace(/QueueEndpoint=[^;]*;/, `QueueEndpoint=${queues.queueEndpoint};`);
  return { connectionString, blobEndpoint: tables.blobEndpoint, queueEndpoint: queues.queueEndpoint, tableEndpoint: tables.tableEndpoint, queueFolder: folder, stop };
}

/** Starts Azurite and builds the app's services from settings, as the host would; handlers use them from then on. */
export async function startBenchApp(options: BenchAppOptions): Promise<BenchApp> {
  const azurite = await startBenchStorage();
  try {
    const settings: Record<string, string | undefined> = {
      AzureWebJobsStorage: azurite.connectionString,
      // The emulator's default token speaks for DEFAULT_IDENTITY: the app's own identity here.
      AZURE_CLIENT_ID: DEFAULT_IDENTITY.appId,
      SELF_PRINCIPAL_ID: DEFAULT_IDENTITY.objectId,
      ARM_ENDPOINT: options.arm.endpoint,
      ARM_CA_FILE: options.arm.caFile,
      ARM_TOKEN: options.arm.token,
      TARGET_SUBSCRIPTION_IDS: options.subscriptionIds.join(','),
      ENTRA_AUTH_REQUIRED: 'false',
      ...options.settings,
    };
    const config = loadConfig(settings);
    const storage = createStorageClients(config.storage);
    const telemetry = new CountingTelemetry();
    const armStats = createArmRequestStats();
    const services = await createServices(config, {
      env: settings,
      storageClients: storage,
      telemetry,
      armOptions: { stats: armStats },
      armPolicies: options.productionTls === false ? [] : [sharedTlsAgentPolicy(options.arm.caFile)],
      ...(options.tuning ? { tuning: options.tuning } : {}),
    });
    useServices(services);
    return {
      azurite,
      services,
      storage,
      telemetry,
      armStats,
      stop: async () => {
        resetServices();
        await azurite.stop();
      },
    };
  } catch (error) {
    await azurite.stop();
    throw error;
  }
}

export interface BenchStack {
  emulator: EmulatorProcess;
  app: BenchApp;
  /** Counts the app's ARM requests on the wire. */
  counter: ArmWireCounter;
  /**
   * The queue trigger over one lane (default: the sweep lane, calling the real evaluateCluster; `events`: the events
   * lane, calling evaluateChangedCluster). Not started yet.
   */
  queueHost(options: { instances: number; lane?: Lane; onHandled?: (message: HandledMessage) => void }): QueueHost;
  stop(): Promise<void>;
}

/** The emulator (own process), Azurite and the app wired to both: what every benchmark but coldstart runs on. */
export async function startBenchStack(options: {
  emulator: EmulatorOptions;
  settings?: Record<string, string>;
  tuning?: Partial<WorkerTuning>;
  productionTls?: boolean;
}): Promise<BenchStack> {
  const emulator = await startEmulatorProcess(options.emulator);
  let app: BenchApp | undefined;
  try {
    app = await startBenchApp({
      arm: emulator,
      subscriptionIds: emulator.subscriptionIds,
      ...(options.settings ? { settings: options.settings } : {}),
      ...(options.tuning ? { tuning: options.tuning } : {}),
      ...(options.productionTls === false ? { productionTls: false } : {}),
    });
    const poisonQueues = {
      evaluations: new QueueClient(app.azurite.connectionString, `${QUEUE_NAMES.evaluations}-poison`),
      events: new QueueClient(app.azurite.connectionString, `${QUEUE_NAMES.events}-poison`),
    };
    await Promise.all(Object.values(poisonQueues).map((queue) => queue.createIfNotExists()));
    const counter = new ArmWireCounter(emulator.endpoint);
    const hosts: QueueHost[] = [];
    const started = app;
    return {
      emulator,
      app: started,
      counter,
      queueHost: ({ instances, lane = 'evaluations', onHandled }) => {
        // host.json's queue settings, as the Functions host reads them.
        const events = lane === 'events';
        const host = new QueueHost({
          instances,
          queue: events ? started.storage.eventQueue : started.storage.evaluationQueue,
          poisonQueue: poisonQueues[lane],
          functionName: events ? FUNCTION_NAMES.evaluateChangedCluster : FUNCTION_NAMES.evaluateCluster,
          handler: events ? evaluateChangedCluster : evaluateCluster,
          ...(onHandled ? { onHandled } : {}),
        });
        hosts.push(host);
        return host;
      },
      stop: async () => {
        counter.stop();
        await Promise.all(hosts.map((host) => host.stop().catch(() => undefined)));
        await started.stop();
        await emulator.stop();
      },
    };
  } catch (error) {
    await app?.stop();
    await emulator.stop();
    throw error;
  }
}

/** An InvocationContext for calling a handler directly, as the host would; logs are dropped. */
export function invocationContext(functionName: string): InvocationContext {
  return new azureFunctions.InvocationContext({ invocationId: randomUUID(), functionName, logHandler: () => undefined });
}

/** When one timed event left the intake, and what the intake decided (or the error it threw). */
export interface IntakeTiming {
  intakeStart: number;
  intakeEnd?: number;
  outcome?: string;
}

/**
 * Calls `written` each time a state row is written in full for an event (the write that names its cause; writes of
 * the remediationsOpen flag or of a cleared outbox name none): the moment the compliance is on record, which the
 * API and the report read. A probe, not a stub: the real write runs first. The history rows follow it.
 */
export function watchStateRows(storage: StorageClients, written: (row: { clusterId: string; eventId: string }) => void): void {
  const table = storage.tables.state;
  const note = (entity: { rowKey?: string; clusterId?: unknown; causeKind?: unknown; causeId?: unknown }): void => {
    if (entity.rowKey === STATE_ROW && entity.causeKind === 'event' && typeof entity.causeId === 'string' && typeof entity.clusterId === 'string') {
      written({ clusterId: entity.clusterId, eventId: entity.causeId });
    }
  };
  const createEntity = table.createEntity.bind(table);
  table.createEntity = async (entity, options) => {
    const response = await createEntity(entity, options);
    note(entity);
    return response;
  };
  const updateEntity = table.updateEntity.bind(table);
  table.updateEntity = async (entity, mode, options) => {
    const response = await updateEntity(entity, mode, options);
    note(entity);
    return response;
  };
}

/** Hands the event to the real onResourceEvent and notes on `timing` when the intake returned and its outcome. */
export function deliverTimed(event: unknown, timing: IntakeTiming): Promise<void> {
  return onResourceEvent(event, invocationContext(FUNCTION_NAMES.onResourceEvent)).then(
    (result) => {
      timing.intakeEnd = performance.now();
      timing.outcome = result.outcome;
    },
    (error: unknown) => {
      timing.intakeEnd = performance.now();
      timing.outcome = `error: ${String(error)}`;
    },
  );
}
