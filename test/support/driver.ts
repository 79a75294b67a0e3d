// The test driver: the real handlers of the Functions app, run outside the host. It starts Azurite (tables and
// queues) and the HTTPS ARM emulator, wires the app's services to them exactly as the settings would, and then
// plays the host's part: it pulls queue messages into evaluateCluster the way the queue trigger does (base64
// JSON decoded, delete on success, visible again after a failure, poison queue after maxDequeueCount) and
// delivers the emulator's Event Grid events to onResourceEvent. Used by the integration tests and the demo.
import { randomUUID } from 'node:crypto';
// The package is a CommonJS bundle whose classes Node's ESM loader cannot see as named exports: take them from the default export.
import azureFunctions, { type InvocationContext, type LogLevel, type Timer } from '@azure/functions';
import type { PipelinePolicy, PipelineRetryOptions } from '@azure/core-rest-pipeline';
import { QueueClient, type DequeuedMessageItem } from '@azure/storage-queue';
import { startAzurite, type Azurite } from '../../dev/azurite.js';
import { generateFleet, startEmulator, type EmulatorEvent, type EmulatorOptions, type FleetOptions, type RunningEmulator } from '../../emulator/index.js';
import { createArmClients, type ArmClients } from '../../src/azure/arm/index.js';
import { createStorageClients, type StorageClients } from '../../src/azure/storage/index.js';
import { RecordingTelemetry } from './telemetry.js';
import { loadConfig } from '../../src/config.js';
import type { Baseline } from '../../src/core/index.js';
import { evaluateCluster } from '../../src/functions/evaluateCluster.js';
import { onResourceEvent } from '../../src/functions/onResourceEvent.js';
import { sweep } from '../../src/functions/sweep.js';
import { FUNCTION_NAMES, QUEUE_NAMES } from '../../src/names.js';
import { createServices, resetServices, useServices, type AppServices, type WorkerTuning, type WriteHooks } from '../../src/services/container.js';
import type { IntakeResult } from '../../src/services/intake.js';
import type { SweepResult } from '../../src/services/sweep.js';
import type { WorkerOutcome } from '../../src/services/worker.js';
import { decodeQueueTriggerMessage } from '../../dev/queue-trigger.js';

export interface Identity {
  appId: string;
  objectId: string;
}

/** The app's own managed identity in tests: AZURE_CLIENT_ID / SELF_PRINCIPAL_ID and the emulator token it uses. */
export const APP_IDENTITY: Identity = { appId: '7c0e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b', objectId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f' };
/** Someone else: a person or pipeline that changes clusters behind the app's back. */
export const OTHER_IDENTITY: Identity = { appId: '0f1e2d3c-4b5a-4968-8776-655443322110', objectId: '9e8d7c6b-5a49-4838-9271-605f4e3d2c1b' };

/** What the host does with a message after this many failed deliveries (host.json maxDequeueCount). */
export const MAX_DEQUEUE_COUNT = 5;
export const POISON_QUEUE = `${QUEUE_NAMES.evaluations}-poison`;

/** Short timings so the suites stay fast; the behaviour under test does not depend on them. */
export const FAST_TUNING: Partial<WorkerTuning> = {
  leaseBusyRetrySeconds: 1,
  continuationDelaySeconds: 1,
  backoffBaseSeconds: 1,
  maxBackoffSeconds: 4,
  openRemediationGraceMs: 1500,
};

export interface DriverOptions {
  /** Seed the emulator with a generated fleet. */
  fleet?: FleetOptions;
  /** More emulator options (throttling is off unless given). */
  emulator?: Omit<EmulatorOptions, 'fleet'>;
  /** Overrides BASELINE_PATH. */
  baseline?: Baseline;
  /** App settings on top of the ones pointing at Azurite and the emulator (e.g. ENTRA_AUTH_REQUIRED). */
  settings?: Record<string, string>;
  tuning?: Partial<WorkerTuning>;
  /** Deliver the emulator's events to onResourceEvent as they happen (default true). */
  deliverEvents?: boolean;
  /** The app's ARM retry policy (default: 8 quick retries). */
  armRetry?: PipelineRetryOptions;
}

export interface LogLine {
  functionName: string;
  level: LogLevel;
  message: string;
}

export interface CapturedWrite {
  method: string;
  /** Path without the query string. */
  path: string;
}

export interface ProcessedMessage {
  messageId: string;
  dequeueCount: number;
  item: unknown;
  outcome?: WorkerOutcome;
  error?: Error;
  poisoned?: boolean;
}

export interface DrainOptions {
  /** Give up (and throw) after this long; default 60 s. */
  timeoutMs?: number;
  /** Pause between empty polls; default 100 ms. */
  pollIntervalMs?: number;
}

/** What the driver and the services it builds share. */
interface Shared {
  telemetry: RecordingTelemetry;
  appWrites: CapturedWrite[];
  faults: WriteHooks;
}

export class Driver {
  readonly telemetry: RecordingTelemetry;
  readonly logs: LogLine[] = [];
  /** Every ARM write (PUT/PATCH/DELETE) the app sent, in order. */
  readonly appWrites: CapturedWrite[];
  readonly intakeResults: IntakeResult[] = [];
  readonly processed: ProcessedMessage[] = [];
  readonly poisoned: ProcessedMessage[] = [];
  /**
   * Set `faults.afterWrite` to make the worker throw right after an ARM write, before its Table write, or
   * `faults.afterIntent` to throw between the intent row and the ARM write: a crash at either point.
   */
  readonly faults: Shared['faults'];

  private readonly pendingEvents = new Set<Promise<void>>();
  private deliveringEvents: boolean;
  private unsubscribe: (() => void) | undefined;
  private readonly poisonQueue: QueueClient;

  private constructor(
    readonly azurite: Azurite,
    readonly emulator: RunningEmulator,
    readonly services: AppServices,
    readonly storage: StorageClients,
    shared: Shared,
    deliverEvents: boolean,
  ) {
    this.telemetry = shared.telemetry;
    this.appWrites = shared.appWrites;
    this.faults = shared.faults;
    this.deliveringEvents = deliverEvents;
    this.poisonQueue = new QueueClient(azurite.connectionString, POISON_QUEUE);
  }

  static async start(options: DriverOptions = {}): Promise<Driver> {
    const azurite = await startAzurite();
    let emulator: RunningEmulator | undefined;
    try {
      emulator = await startEmulator({ throttleFactor: 0, lroDurationMs: 150, ...options.emulator, ...(options.fleet ? { fleet: options.fleet } : {}) });
      const subscriptions = options.fleet ? generateFleet(options.fleet).subscriptions.map((s) => s.subscriptionId) : emulator.state.subscriptions();
      const settings: Record<string, string | undefined> = {
        AzureWebJobsStorage: azurite.connectionString,
        AZURE_CLIENT_ID: APP_IDENTITY.appId,
        SELF_PRINCIPAL_ID: APP_IDENTITY.objectId,
        ARM_ENDPOINT: emulator.endpoint,
        ARM_CA_FILE: emulator.caFile,
        ARM_TOKEN: emulator.tokenFor(APP_IDENTITY),
        TARGET_SUBSCRIPTION_IDS: subscriptions.join(','),
        COALESCE_WINDOW_SECONDS: '1',
        MAX_REMEDIATION_ATTEMPTS: '3',
        ENTRA_AUTH_REQUIRED: 'false',
        ...options.settings,
      };
      const config = loadConfig(settings);
      const storage = createStorageClients(config.storage);
      const shared: Shared = { telemetry: new RecordingTelemetry(), appWrites: [], faults: {} };
      const services = await createServices(config, {
        env: settings,
        storageClients: storage,
        telemetry: shared.telemetry,
        tuning: { ...FAST_TUNING, ...options.tuning },
        armOptions: { pollIntervalInMs: 20, retry: options.armRetry ?? { retryDelayInMs: 20, maxRetryDelayInMs: 500 } },
        armPolicies: [captureWrites(shared.appWrites)],
        remediationHooks: {
          afterIntent: async (step) => shared.faults.afterIntent?.(step),
          afterWrite: async (step, handle) => shared.faults.afterWrite?.(step, handle),
        },
        ...(options.baseline ? { baseline: options.baseline } : {}),
      });
      const driver = new Driver(azurite, emulator, services, storage, shared, options.deliverEvents ?? true);
      await driver.poisonQueue.createIfNotExists();
      useServices(services);
      driver.unsubscribe = emulator.onEvent((event) => driver.onEmulatorEvent(event));
      return driver;
    } catch (error) {
      await emulator?.stop();
      await azurite.stop();
      throw error;
    }
  }

  /** Stop (or resume) handing the emulator's events to onResourceEvent. */
  setEventDelivery(on: boolean): void {
    this.deliveringEvents = on;
  }

  /** ARM clients acting as someone other than the app. */
  clientsAs(identity: Identity = OTHER_IDENTITY): ArmClients {
    return createArmClients(
      { endpoint: this.emulator.endpoint, caFile: this.emulator.caFile, token: this.emulator.tokenFor(identity) },
      { pollIntervalInMs: 20, retry: { retryDelayInMs: 20, maxRetryDelayInMs: 500 } },
    );
  }

  context(functionName: string, triggerMetadata?: Record<string, unknown>): InvocationContext {
    return new azureFunctions.InvocationContext({
      invocationId: randomUUID(),
      functionName,
      ...(triggerMetadata ? { triggerMetadata } : {}),
      logHandler: (level, ...args) => {
        const message = args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ');
        this.logs.push({ functionName, level, message });
        if (process.env.DRIVER_VERBOSE) process.stderr.write(`[${functionName}] ${level}: ${message}\n`);
      },
    });
  }

  /** Delivers one event to onResourceEvent, as Event Grid would. */
  async deliver(event: unknown): Promise<IntakeResult> {
    const result = await onResourceEvent(event, this.context(FUNCTION_NAMES.onResourceEvent));
    this.intakeResults.push(result);
    return result;
  }

  /** Runs the timer-triggered sweep handler. */
  async sweep(options: { isPastDue?: boolean } = {}): Promise<SweepResult> {
    const now = new Date().toISOString();
    const timer: Timer = { isPastDue: options.isPastDue ?? false, schedule: { adjustForDST: false }, scheduleStatus: { last: now, next: now, lastUpdated: now } };
    return sweep(timer, this.context(FUNCTION_NAMES.sweep));
  }

  /** Receives what is visible now and runs it through evaluateCluster, in parallel like the host's batch. Returns how many. */
  async pumpOnce(batchSize = 16): Promise<number> {
    const received = await this.storage.evaluationQueue.receiveMessages({ numberOfMessages: batchSize, visibilityTimeout: 30 });
    await Promise.all(received.receivedMessageItems.map((message) => this.handle(message)));
    return received.receivedMessageItems.length;
  }

  /** Pumps until no message is left (visible or delayed), no event is being handled, and nothing is in flight. */
  async drain(options: DrainOptions = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const pause = options.pollIntervalMs ?? 100;
    for (;;) {
      await this.settleEvents();
      const handled = await this.pumpOnce();
      if (handled > 0) continue;
      await this.settleEvents();
      const { approximateMessagesCount = 0 } = await this.storage.evaluationQueue.getProperties();
      if (approximateMessagesCount === 0 && this.pendingEvents.size === 0) return;
      if (Date.now() > deadline) throw new Error(`drain: ${approximateMessagesCount} messages still queued after ${options.timeoutMs ?? 60_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** Waits for every event handed to onResourceEvent so far. */
  async settleEvents(): Promise<void> {
    while (this.pendingEvents.size > 0) await Promise.all([...this.pendingEvents]);
  }

  /** Messages on the poison queue now. */
  async poisonCount(): Promise<number> {
    return (await this.poisonQueue.getProperties()).approximateMessagesCount ?? 0;
  }

  /** Writes the app sent to one resource (cluster or extension id, any casing). */
  writesTo(resourceId: string): CapturedWrite[] {
    const key = resourceId.toLowerCase();
    return this.appWrites.filter((write) => write.path.toLowerCase() === key);
  }

  /** ClusterEvaluated events recorded for one cluster. */
  evaluationsOf(clusterId: string): number {
    const key = clusterId.toLowerCase();
    return this.telemetry.events.filter((event) => event.name === 'ClusterEvaluated' && event.properties['clusterId']?.toLowerCase() === key).length;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.settleEvents().catch(() => undefined);
    resetServices();
    await this.emulator.stop();
    await this.azurite.stop();
  }

  private onEmulatorEvent(event: EmulatorEvent): void {
    if (!this.deliveringEvents) return;
    // The emulator calls listeners before it answers the write: deliver afterwards, like Event Grid.
    const delivery: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.deliver(event))
      .then(
        () => undefined,
        (error: unknown) => {
          this.logs.push({ functionName: FUNCTION_NAMES.onResourceEvent, level: 'error', message: `delivery failed: ${String(error)}` });
        },
      )
      .finally(() => this.pendingEvents.delete(delivery));
    this.pendingEvents.add(delivery);
  }

  private async handle(message: DequeuedMessageItem): Promise<void> {
    const item = decodeQueueTriggerMessage(message.messageText);
    const record: ProcessedMessage = { messageId: message.messageId, dequeueCount: message.dequeueCount, item };
    this.processed.push(record);
    const context = this.context(FUNCTION_NAMES.evaluateCluster, {
      id: message.messageId,
      dequeueCount: message.dequeueCount,
      insertionTime: message.insertedOn.toISOString(),
      popReceipt: message.popReceipt,
    });
    try {
      record.outcome = await evaluateCluster(item, context);
      await this.storage.evaluationQueue.deleteMessage(message.messageId, message.popReceipt);
    } catch (error) {
      record.error = error instanceof Error ? error : new Error(String(error));
      if (message.dequeueCount >= MAX_DEQUEUE_COUNT) {
        record.poisoned = true;
        this.poisoned.push(record);
        await this.poisonQueue.sendMessage(message.messageText);
        await this.storage.evaluationQueue.deleteMessage(message.messageId, message.popReceipt);
      } else {
        // The host leaves it for its visibility timeout; a short one keeps the tests quick.
        await this.storage.evaluationQueue.updateMessage(message.messageId, message.popReceipt, undefined, 1);
      }
    }
  }
}

function captureWrites(writes: CapturedWrite[]): PipelinePolicy {
  return {
    name: 'driverCaptureWrites',
    sendRequest: (request, next) => {
      if (request.method !== 'GET') writes.push({ method: request.method, path: new URL(request.url).pathname });
      return next(request);
    },
  };
}
