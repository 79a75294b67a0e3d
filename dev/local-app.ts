// The Functions app run locally, outside the host: Azurite for storage and the HTTPS ARM emulator in process, the
// app's services built from settings that point at them (exactly as the host would build them), and the host's part
// played here: the queue triggers by dev/queue-host.ts (host.json's settings), one per lane, pulling the sweep lane
// into evaluateCluster and the events lane into evaluateChangedCluster, and Event Grid by handing the emulator's
// events to onResourceEvent. With `eventsReceiver`, the app also publishes its compliance events to the Event Grid
// topic's stand-in (emulator/events-receiver.ts) over HTTPS, reached through the same settings as in Azure
// (EVENTS_TOPIC_ENDPOINT) plus its CA and token. The demo runs on it; the test driver
// (test/support/driver.ts) is this plus what only tests need (recorded writes, crash injection).
import { randomUUID } from 'node:crypto';
// The package is a CommonJS bundle whose classes Node's ESM loader cannot see as named exports: take them from the default export.
import azureFunctions, { type InvocationContext, type LogLevel, type Timer } from '@azure/functions';
import type { PipelinePolicy, PipelineRetryOptions } from '@azure/core-rest-pipeline';
import { QueueClient } from '@azure/storage-queue';
import { startEventsReceiver, type RunningEventsReceiver } from '../emulator/events-receiver.js';
import { generateFleet, startEmulator, type EmulatorEvent, type EmulatorOptions, type FleetOptions, type RunningEmulator } from '../emulator/index.js';
import { createArmClients, type ArmClients } from '../src/azure/arm/index.js';
import { createStorageClients, type StorageClients } from '../src/azure/storage/index.js';
import { loadConfig, type WorkerTuning } from '../src/config.js';
import { createServices, resetServices, useServices, type AppServices } from '../src/container.js';
import type { Baseline } from '../src/core/index.js';
import { evaluateChangedCluster } from '../src/functions/evaluateChangedCluster.js';
import { evaluateCluster } from '../src/functions/evaluateCluster.js';
import { onResourceEvent } from '../src/functions/onResourceEvent.js';
import { sweep } from '../src/functions/sweep.js';
import { FUNCTION_NAMES, QUEUE_NAMES } from '../src/names.js';
import type { IntakeResult } from '../src/pipeline/intake.js';
import type { SweepResult } from '../src/pipeline/sweep.js';
import type { WorkerOutcome } from '../src/pipeline/worker.js';
import type { Telemetry } from '../src/ports.js';
import { startAzurite, type Azurite } from './azurite.js';
import { QueueHost, type HandledMessage, type QueueHostSettings } from './queue-host.js';

export interface Identity {
  appId: string;
  objectId: string;
}

/** The app's own managed identity locally: AZURE_CLIENT_ID / SELF_PRINCIPAL_ID and the emulator token it uses. */
export const APP_IDENTITY: Identity = { appId: '7c0e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b', objectId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f' };
/** Someone else: a person or pipeline that changes clusters behind the app's back. */
export const OTHER_IDENTITY: Identity = { appId: '0f1e2d3c-4b5a-4968-8776-655443322110', objectId: '9e8d7c6b-5a49-4838-9271-605f4e3d2c1b' };

/** The poison queues the Functions host would create, one per lane. */
export const POISON_QUEUES = { evaluations: `${QUEUE_NAMES.evaluations}-poison`, events: `${QUEUE_NAMES.events}-poison` } as const;

export interface LocalAppOptions<T extends Telemetry> {
  /** Where the app's telemetry goes (a recorder, a counter). */
  telemetry: T;
  /** Seed the emulator with a generated fleet. */
  fleet?: FleetOptions;
  /** More emulator options (throttling is off unless given). */
  emulator?: Omit<EmulatorOptions, 'fleet'>;
  /** Overrides BASELINE_PATH. */
  baseline?: Baseline;
  /** App settings on top of the ones pointing at Azurite and the emulator (e.g. ENTRA_AUTH_REQUIRED). */
  settings?: Record<string, string>;
  tuning?: Partial<WorkerTuning>;
  /** Overrides of host.json's queue settings (the tests poll and retry faster). */
  queueHost?: Partial<QueueHostSettings>;
  /** Deliver the emulator's events to onResourceEvent as they happen (default true). */
  deliverEvents?: boolean;
  /** The app's ARM retry policy (default: 8 quick retries). */
  armRetry?: PipelineRetryOptions;
  /** More ARM pipeline policies of the app (e.g. recording its writes). */
  armPolicies?: PipelinePolicy[];
  /** Wraps the services before the handlers get them (e.g. decorators that inject faults into the ports). */
  decorate?: (services: AppServices) => AppServices;
  /** Start the events receiver and point EVENTS_TOPIC_ENDPOINT (with EVENTS_CA_FILE and EVENTS_TOKEN) at it. */
  eventsReceiver?: boolean;
  /** The app's clock is the emulator's (moved with emulator.clock), so maintenance windows open for both at once. */
  followEmulatorClock?: boolean;
}

/** What a running local app is made of. */
export interface LocalAppParts {
  azurite: Azurite;
  emulator: RunningEmulator;
  services: AppServices;
  storage: StorageClients;
  env: Record<string, string | undefined>;
  eventsReceiver?: RunningEventsReceiver;
}

export interface LogLine {
  functionName: string;
  level: LogLevel;
  message: string;
}

export interface ProcessedMessage extends HandledMessage {
  outcome?: WorkerOutcome;
}

export interface DrainOptions {
  /** Give up (and throw) after this long; default 60 s. */
  timeoutMs?: number;
  /** Pause between looks at an idle queue; default 100 ms. */
  pollIntervalMs?: number;
}

/** Quick ARM polling and retries: the emulator answers in milliseconds. */
const LOCAL_ARM_OPTIONS = { pollIntervalInMs: 20 } as const;
const LOCAL_ARM_RETRY: PipelineRetryOptions = { retryDelayInMs: 20, maxRetryDelayInMs: 500 };

export class LocalApp<T extends Telemetry = Telemetry> {
  readonly logs: LogLine[] = [];
  readonly intakeResults: IntakeResult[] = [];
  /** Every message the queue host handled, in the order they finished. */
  readonly processed: ProcessedMessage[] = [];
  readonly poisoned: ProcessedMessage[] = [];

  private readonly pendingEvents = new Set<Promise<void>>();
  private deliveringEvents: boolean;
  private unsubscribe: (() => void) | undefined;
  private readonly poisonQueues: QueueClient[];
  /** The queue triggers: the sweep lane (evaluateCluster) and the events lane (evaluateChangedCluster). */
  private readonly hosts: QueueHost[];

  readonly azurite: Azurite;
  readonly emulator: RunningEmulator;
  readonly services: AppServices;
  readonly storage: StorageClients;
  /** The app settings (also where protected setting references are resolved: a test may add one). */
  readonly env: Record<string, string | undefined>;
  readonly telemetry: T;
  /** The topic's stand-in the app publishes its compliance events to, when asked for. */
  readonly eventsReceiver: RunningEventsReceiver | undefined;

  protected constructor(parts: LocalAppParts, telemetry: T, options: Pick<LocalAppOptions<T>, 'deliverEvents' | 'queueHost'>) {
    ({ azurite: this.azurite, emulator: this.emulator, services: this.services, storage: this.storage, env: this.env, eventsReceiver: this.eventsReceiver } = parts);
    this.telemetry = telemetry;
    this.deliveringEvents = options.deliverEvents ?? true;
    const lanes = [
      { queue: this.storage.evaluationQueue, poison: POISON_QUEUES.evaluations, functionName: FUNCTION_NAMES.evaluateCluster, handler: evaluateCluster },
      { queue: this.storage.eventQueue, poison: POISON_QUEUES.events, functionName: FUNCTION_NAMES.evaluateChangedCluster, handler: evaluateChangedCluster },
    ];
    this.poisonQueues = lanes.map((lane) => new QueueClient(this.azurite.connectionString, lane.poison));
    this.hosts = lanes.map(
      (lane, index) =>
        new QueueHost({
          queue: lane.queue,
          poisonQueue: this.poisonQueues[index] as QueueClient,
          functionName: lane.functionName,
          handler: lane.handler,
          ...(options.queueHost ? { settings: options.queueHost } : {}),
          log: (functionName, level, message) => this.log(functionName, level, message),
          onHandled: (message) => {
            const processed = message as ProcessedMessage;
            this.processed.push(processed);
            if (processed.poisoned) this.poisoned.push(processed);
          },
        }),
    );
  }

  /** Starts Azurite and the emulator and wires the app to them; the handlers use these services from then on. */
  static async launch<T extends Telemetry>(options: LocalAppOptions<T>): Promise<LocalApp<T>> {
    return new LocalApp(await LocalApp.startParts(options), options.telemetry, options).begin();
  }

  /** The parts a LocalApp (or a subclass) is made of, wired. */
  protected static async startParts<T extends Telemetry>(options: LocalAppOptions<T>): Promise<LocalAppParts> {
    const azurite = await startAzurite();
    let emulator: RunningEmulator | undefined;
    let eventsReceiver: RunningEventsReceiver | undefined;
    try {
      if (options.eventsReceiver) eventsReceiver = await startEventsReceiver();
      emulator = await startEmulator({ throttleFactor: 0, lroDurationMs: 150, ...options.emulator, ...(options.fleet ? { fleet: options.fleet } : {}) });
      const subscriptions = options.fleet ? generateFleet(options.fleet).subscriptions.map((s) => s.subscriptionId) : emulator.state.subscriptions();
      const env: Record<string, string | undefined> = {
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
        ...(eventsReceiver ? { EVENTS_TOPIC_ENDPOINT: eventsReceiver.endpoint, EVENTS_CA_FILE: eventsReceiver.caFile, EVENTS_TOKEN: eventsReceiver.token } : {}),
        ...options.settings,
      };
      const config = loadConfig(env);
      const storage = createStorageClients(config.storage);
      const built = await createServices(config, {
        env,
        storageClients: storage,
        telemetry: options.telemetry,
        ...(options.tuning ? { tuning: options.tuning } : {}),
        armOptions: { ...LOCAL_ARM_OPTIONS, retry: options.armRetry ?? LOCAL_ARM_RETRY },
        armPolicies: options.armPolicies ?? [],
        ...(options.baseline ? { baseline: options.baseline } : {}),
        ...(options.followEmulatorClock ? { clock: () => (emulator as RunningEmulator).clock.now() } : {}),
      });
      const services = options.decorate ? options.decorate(built) : built;
      return { azurite, emulator, services, storage, env, ...(eventsReceiver ? { eventsReceiver } : {}) };
    } catch (error) {
      await emulator?.stop();
      await eventsReceiver?.stop();
      await azurite.stop();
      throw error;
    }
  }

  /** Hands the services to the handlers and starts listening to the emulator. */
  protected async begin(): Promise<this> {
    await Promise.all(this.poisonQueues.map((queue) => queue.createIfNotExists()));
    useServices(this.services);
    this.unsubscribe = this.emulator.onEvent((event) => this.onEmulatorEvent(event));
    return this;
  }

  /** Stop (or resume) handing the emulator's events to onResourceEvent. */
  setEventDelivery(on: boolean): void {
    this.deliveringEvents = on;
  }

  /** ARM clients acting as someone other than the app. */
  clientsAs(identity: Identity = OTHER_IDENTITY): ArmClients {
    return createArmClients(
      { endpoint: this.emulator.endpoint, caFile: this.emulator.caFile, token: this.emulator.tokenFor(identity) },
      { ...LOCAL_ARM_OPTIONS, retry: LOCAL_ARM_RETRY },
    );
  }

  /** An InvocationContext whose log lines are kept in `logs`. */
  context(functionName: string, triggerMetadata?: Record<string, unknown>): InvocationContext {
    return new azureFunctions.InvocationContext({
      invocationId: randomUUID(),
      functionName,
      ...(triggerMetadata ? { triggerMetadata } : {}),
      logHandler: (level, ...args) => this.log(functionName, level, args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ')),
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

  /**
   * Runs the queue triggers until no message is left on either lane (visible or delayed), no event is being handled
   * and no handler is running; then stops them, so nothing runs between drains (unless `startQueues` left them
   * running). Throws after `timeoutMs`, saying what is left.
   */
  async drain(options: DrainOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const keepRunning = this.hosts.every((host) => host.running);
    this.startQueues();
    try {
      for (;;) {
        await this.settleEvents();
        const inFlight = (): number => this.hosts.reduce((sum, host) => sum + host.inFlight, 0);
        const queued = inFlight() === 0 ? await this.queueLength() : -1;
        if (queued === 0 && inFlight() === 0 && this.pendingEvents.size === 0) return;
        if (Date.now() > deadline) throw new Error(`drain: ${Math.max(queued, 0)} messages still queued (${inFlight()} being handled) after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 100));
      }
    } finally {
      if (!keepRunning) await this.stopQueues();
    }
  }

  /** Starts the queue triggers and leaves them running (as the host does) until stopQueues or stop. */
  startQueues(): void {
    for (const host of this.hosts) host.start();
  }

  async stopQueues(): Promise<void> {
    await Promise.all(this.hosts.map((host) => host.stop()));
  }

  /** Messages on both lanes, visible or not (delayed, or being handled). */
  async queueLength(): Promise<number> {
    const lengths = await Promise.all(this.hosts.map((host) => host.queueLength()));
    return lengths.reduce((sum, length) => sum + length, 0);
  }

  /** Waits for every event handed to onResourceEvent so far. */
  async settleEvents(): Promise<void> {
    while (this.pendingEvents.size > 0) await Promise.all([...this.pendingEvents]);
  }

  /** Messages on the poison queues now. */
  async poisonCount(): Promise<number> {
    const counts = await Promise.all(this.poisonQueues.map(async (queue) => (await queue.getProperties()).approximateMessagesCount ?? 0));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.stopQueues();
    await this.settleEvents().catch(() => undefined);
    resetServices();
    await this.emulator.stop();
    await this.eventsReceiver?.stop();
    await this.azurite.stop();
  }

  private log(functionName: string, level: LogLevel, message: string): void {
    this.logs.push({ functionName, level, message });
    if (process.env.DRIVER_VERBOSE) process.stderr.write(`[${functionName}] ${level}: ${message}\n`);
  }

  private onEmulatorEvent(event: EmulatorEvent): void {
    if (!this.deliveringEvents) return;
    // The emulator calls listeners before it answers the write: deliver afterwards, like Event Grid.
    const delivery: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.deliver(event))
      .then(
        () => undefined,
        (error: unknown) => {
          this.log(FUNCTION_NAMES.onResourceEvent, 'error', `delivery failed: ${String(error)}`);
        },
      )
      .finally(() => this.pendingEvents.delete(delivery));
    this.pendingEvents.add(delivery);
  }
}
