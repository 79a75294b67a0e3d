// The one stand-in for the Functions host's queue trigger, for everything that runs the app outside Azure: the
// test driver (test/support/driver.ts), the demo (dev/local-app.ts) and the benchmarks (bench/support/app.ts). It
// plays the trigger the way host.json configures it, and reads those settings from host.json itself:
//
//   batchSize / newBatchThreshold  each instance receives up to batchSize messages, runs them concurrently, and
//                                  receives again once no more than newBatchThreshold are still running
//   maxPollingInterval             an empty queue is polled again after a pause that starts at 100 ms and doubles up
//                                  to this
//   visibilityTimeout              a message whose handler threw becomes visible again after this long
//   maxDequeueCount                ...and goes to `<queue>-poison` after this many deliveries
//   messageEncoding                base64: the message text is base64 of the JSON the handler gets, parsed
//
// Options may override any of them (the tests poll every 100 ms and retry after 1 s); the defaults are host.json's.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The package is a CommonJS bundle whose classes Node's ESM loader cannot see as named exports: take them from the default export.
import azureFunctions, { type InvocationContext, type LogLevel } from '@azure/functions';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';

/** host.json `extensions.queues`, in the units used here. */
export interface QueueHostSettings {
  batchSize: number;
  newBatchThreshold: number;
  /** The pause between polls of an empty queue starts at minPollingIntervalMs and doubles up to this. */
  maxPollingIntervalMs: number;
  minPollingIntervalMs: number;
  /** Delay before a failed message is delivered again. */
  visibilityTimeoutSeconds: number;
  maxDequeueCount: number;
  messageEncoding: 'base64' | 'none';
}

/** The repository's host.json: this file is in dev/ in the sources and in dist/dev/ once built. */
export const HOST_JSON_PATH = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.basename(path.resolve(here, '..')) === 'dist' ? ['..', '..'] : ['..'];
  return path.resolve(here, ...up, 'host.json');
})();

/** The Functions host's own defaults, for settings host.json leaves out. */
const HOST_DEFAULTS: QueueHostSettings = {
  batchSize: 16,
  newBatchThreshold: 8,
  maxPollingIntervalMs: 60_000,
  minPollingIntervalMs: 100,
  visibilityTimeoutSeconds: 0,
  maxDequeueCount: 5,
  messageEncoding: 'base64',
};

/** `hh:mm:ss` (or `d.hh:mm:ss`, with fractional seconds) as milliseconds. */
export function parseTimeSpan(text: string, name: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
  if (!match) throw new Error(`host.json: ${name} must be a time span like 00:00:30, got "${text}"`);
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return Math.round(((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000);
}

/** The queue trigger's settings from host.json (`extensions.queues`), with the host's defaults for what it leaves out. */
export function readHostJsonQueues(file = HOST_JSON_PATH): QueueHostSettings {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { extensions?: { queues?: Record<string, unknown> } };
  const queues = json.extensions?.queues ?? {};
  const number = (name: string, fallback: number): number => {
    const value = queues[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new Error(`host.json: ${name} must be a whole number, got ${JSON.stringify(value)}`);
    return value;
  };
  const span = (name: string, fallbackMs: number): number => (typeof queues[name] === 'string' ? parseTimeSpan(queues[name], name) : fallbackMs);
  const encoding = queues['messageEncoding'] ?? HOST_DEFAULTS.messageEncoding;
  if (encoding !== 'base64' && encoding !== 'none') throw new Error(`host.json: messageEncoding must be "base64" or "none", got ${JSON.stringify(encoding)}`);
  return {
    batchSize: number('batchSize', HOST_DEFAULTS.batchSize),
    newBatchThreshold: number('newBatchThreshold', HOST_DEFAULTS.newBatchThreshold),
    maxPollingIntervalMs: span('maxPollingInterval', HOST_DEFAULTS.maxPollingIntervalMs),
    minPollingIntervalMs: HOST_DEFAULTS.minPollingIntervalMs,
    visibilityTimeoutSeconds: span('visibilityTimeout', HOST_DEFAULTS.visibilityTimeoutSeconds * 1000) / 1000,
    maxDequeueCount: number('maxDequeueCount', HOST_DEFAULTS.maxDequeueCount),
    messageEncoding: encoding,
  };
}

/** What the queue trigger hands a handler: with base64 encoding the text is decoded; a JSON body arrives parsed, anything else as text. */
export function decodeQueueTriggerMessage(messageText: string, encoding: QueueHostSettings['messageEncoding'] = 'base64'): unknown {
  const text = encoding === 'base64' ? Buffer.from(messageText, 'base64').toString('utf8') : messageText;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** How long a received message stays invisible while its handler runs (the host renews it; ours are short). */
const PROCESSING_VISIBILITY_SECONDS = 600;

export interface HandledMessage {
  messageId: string;
  dequeueCount: number;
  item: unknown;
  /** performance.now() when the receive call that returned it came back. */
  receivedAt: number;
  /** performance.now() when the handler finished (or threw). */
  finishedAt: number;
  outcome?: unknown;
  error?: Error;
  poisoned?: boolean;
}

export interface QueueHostOptions {
  queue: QueueClient;
  poisonQueue: QueueClient;
  functionName: string;
  handler: (message: unknown, context: InvocationContext) => Promise<unknown>;
  /** Function App instances polling the queue (Flex Consumption scales these out). Default 1. */
  instances?: number;
  /** Overrides of host.json's settings (tests: faster polling and retries). */
  settings?: Partial<QueueHostSettings>;
  /** Called for each message once its handler has finished and the message was deleted (or scheduled again). */
  onHandled?: (message: HandledMessage) => void;
  /** Where handler logs go; default: dropped. */
  log?: (functionName: string, level: LogLevel, message: string) => void;
}

export class QueueHost {
  readonly settings: QueueHostSettings;
  /** Messages whose handler is running now. */
  inFlight = 0;
  handled = 0;
  failed = 0;
  poisoned = 0;
  receiveCalls = 0;
  emptyReceives = 0;
  #running = false;
  #loops: Promise<void>[] = [];
  readonly #wakeups = new Set<() => void>();

  constructor(private readonly options: QueueHostOptions) {
    this.settings = { ...readHostJsonQueues(), ...options.settings };
    const instances = options.instances ?? 1;
    if (!(instances >= 1 && this.settings.batchSize >= 1 && this.settings.batchSize <= 32)) {
      throw new RangeError(`queue host: instances must be >= 1 and batchSize 1..32 (got ${instances}, ${this.settings.batchSize})`);
    }
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loops = Array.from({ length: this.options.instances ?? 1 }, () => this.#instanceLoop());
  }

  /** Stops polling and waits for the handlers that are running. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const wake of this.#wakeups) wake();
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  /** Messages in the queue, visible or not (delayed, or being handled). */
  async queueLength(): Promise<number> {
    return (await this.options.queue.getProperties()).approximateMessagesCount ?? 0;
  }

  async #instanceLoop(): Promise<void> {
    const { queue, functionName } = this.options;
    const { batchSize, newBatchThreshold, minPollingIntervalMs, maxPollingIntervalMs } = this.settings;
    const running = new Set<Promise<void>>();
    let pause = minPollingIntervalMs;
    while (this.#running) {
      if (running.size > newBatchThreshold) {
        await Promise.race(running);
        continue;
      }
      let received: DequeuedMessageItem[];
      try {
        this.receiveCalls += 1;
        received = (await queue.receiveMessages({ numberOfMessages: batchSize, visibilityTimeout: PROCESSING_VISIBILITY_SECONDS })).receivedMessageItems;
      } catch (error) {
        this.options.log?.(functionName, 'error', `receive failed: ${String(error)}`);
        received = [];
      }
      const receivedAt = performance.now();
      if (received.length === 0) {
        this.emptyReceives += 1;
        await this.#pause(pause);
        pause = Math.min(maxPollingIntervalMs, pause * 2);
        continue;
      }
      pause = minPollingIntervalMs;
      for (const message of received) {
        const task: Promise<void> = this.#handle(message, receivedAt).finally(() => running.delete(task));
        running.add(task);
      }
    }
    await Promise.all(running);
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakeups.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakeups.add(wake);
    });
  }

  async #handle(message: DequeuedMessageItem, receivedAt: number): Promise<void> {
    const { queue, poisonQueue, handler, functionName } = this.options;
    const { maxDequeueCount, visibilityTimeoutSeconds, messageEncoding } = this.settings;
    this.inFlight += 1;
    const item = decodeQueueTriggerMessage(message.messageText, messageEncoding);
    const handled: HandledMessage = { messageId: message.messageId, dequeueCount: message.dequeueCount, item, receivedAt, finishedAt: 0 };
    try {
      handled.outcome = await handler(item, this.#context(message));
      handled.finishedAt = performance.now();
      await queue.deleteMessage(message.messageId, message.popReceipt);
      this.handled += 1;
    } catch (error) {
      handled.finishedAt = performance.now();
      handled.error = error instanceof Error ? error : new Error(String(error));
      this.failed += 1;
      try {
        if (message.dequeueCount >= maxDequeueCount) {
          handled.poisoned = true;
          this.poisoned += 1;
          await poisonQueue.sendMessage(message.messageText);
          await queue.deleteMessage(message.messageId, message.popReceipt);
        } else {
          await queue.updateMessage(message.messageId, message.popReceipt, undefined, Math.round(visibilityTimeoutSeconds));
        }
      } catch (settleError) {
        this.options.log?.(functionName, 'error', `could not settle message ${message.messageId}: ${String(settleError)}`);
      }
    } finally {
      this.inFlight -= 1;
    }
    this.options.onHandled?.(handled);
  }

  #context(message: DequeuedMessageItem): InvocationContext {
    const { functionName, log } = this.options;
    return new azureFunctions.InvocationContext({
      invocationId: randomUUID(),
      functionName,
      triggerMetadata: { id: message.messageId, dequeueCount: message.dequeueCount, insertionTime: message.insertedOn.toISOString(), popReceipt: message.popReceipt },
      logHandler: (level, ...args) => log?.(functionName, level, args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ')),
    });
  }
}
