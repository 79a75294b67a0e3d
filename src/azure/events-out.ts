// Publishes the compliance events (src/events-out/events.ts) to the Event Grid custom topic named by
// EVENTS_TOPIC_ENDPOINT: @azure/eventgrid's publisher client, CloudEvents schema, an Entra ID token (the app's managed
// identity in Azure, a fixed token for the local receiver). No topic configured: a publisher that does nothing.
//
// Publishing never fails compliance work: publish() never throws or rejects. What it could not send comes back in its
// result, is counted (stats, and an EventsPublishFailed telemetry event per failure) and, unless the topic refused it,
// is held in a small in-memory queue and sent again, same id, with the next publish() or flush():
//   - 429, 5xx and network errors are first retried by the SDK's own pipeline within the call (configured, not looped);
//   - after that, or on any other failure (401/403 while a role assignment propagates, 404, timeouts), the events are
//     held: at most maxAttempts calls try one event, at most maxPendingEvents wait (the oldest go first when full);
//   - 400 and 413 mean the topic refused the content itself: those events are dropped at once (sending them again
//     cannot help).
// The queue lives in one process: an instance that stops loses what it held. The compliance record does not depend on
// it (it is in Table Storage), and dropped events are counted, never silent.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { isRestError, type PipelinePolicy, type PipelineRequest, type PipelineRetryOptions, type TlsSettings } from '@azure/core-rest-pipeline';
import type { SendCloudEventInput } from '@azure/eventgrid';
import type { ComplianceCloudEvent } from '../events-out/events.js';
import { TELEMETRY_EVENTS } from '../names.js';
import type { EventsPublisher, EventsPublisherStats, PublishEventsOptions, PublishEventsResult, PublishFailure, Telemetry } from '../ports.js';

export type { EventsPublisher, EventsPublisherStats, PublishEventsOptions, PublishEventsResult, PublishFailure } from '../ports.js';
import { noTelemetry } from './telemetry.js';

/** Event Grid takes at most this many events in one request. */
export const MAX_EVENTS_PER_REQUEST = 5000;
/** Event Grid takes at most 1 MB per request (and per event); this stays below either reading of "MB". */
export const MAX_REQUEST_BYTES = 1_000_000;
/** Room kept per event for what the SDK adds on the way out: `traceparent`/`tracestate` when tracing is on. */
const PER_EVENT_ALLOWANCE_BYTES = 600;

const DEFAULTS = {
  retry: { maxRetries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 10_000 } satisfies PipelineRetryOptions,
  timeoutInMs: 30_000,
  maxAttempts: 5,
  maxPendingEvents: 5000,
};

/** Sends one request's worth of CloudEvents; rejects as the SDK does. The SDK client by default; tests pass their own. */
export type CloudEventSender = (events: SendCloudEventInput<unknown>[], options: { abortSignal: AbortSignal }) => Promise<void>;

export interface EventsPublisherOptions {
  /** The topic's endpoint (EVENTS_TOPIC_ENDPOINT), `https://<topic>.<region>-1.eventgrid.azure.net/api/events`. Unset: the no-op publisher. */
  endpoint?: string;
  /** Defaults to a fixed-token credential when `token` is set, else DefaultAzureCredential (the managed identity in Azure). */
  credential?: TokenCredential;
  /** Client id of the app's user-assigned identity, for DefaultAzureCredential. */
  managedIdentityClientId?: string;
  /** A fixed bearer token: the local receiver (emulator/events-receiver.ts) hands one out. Never used in Azure. */
  token?: string;
  /** A PEM CA to trust besides the public roots: the local receiver's self-signed certificate. */
  caFile?: string;
  /** The SDK's retry policy within one call. Default: 3 retries, 1 s base delay, 10 s cap (429/503 wait for Retry-After). */
  retry?: PipelineRetryOptions;
  /** How long one request may take, the SDK's retries included (default 30 s). */
  timeoutInMs?: number;
  /** publish()/flush() calls that may try one event before it is dropped (default 5). */
  maxAttempts?: number;
  /** Events held for a later call at most; past it the oldest are dropped (default 5000, a few MB). */
  maxPendingEvents?: number;
  /** Bytes per request, the per-event allowance included (default and maximum MAX_REQUEST_BYTES). */
  maxRequestBytes?: number;
  telemetry?: Telemetry;
  /** Replaces the SDK client (unit tests). */
  send?: CloudEventSender;
}

const NOTHING: PublishEventsResult = { sent: 0, dropped: 0, pending: 0, failures: [] };

/** Publishing is off: every call succeeds and sends nothing. */
export const noEventsPublisher: EventsPublisher = {
  enabled: false,
  publish: async () => ({ ...NOTHING, failures: [] }),
  flush: async () => ({ ...NOTHING, failures: [] }),
  stats: () => ({ sent: 0, dropped: 0, failedRequests: 0, retriedRequests: 0, pending: 0 }),
};

/** The publisher for `options.endpoint`, or the no-op one when it is unset. Throws only on bad options (at start-up). */
export function createEventsPublisher(options: EventsPublisherOptions): EventsPublisher {
  if (options.endpoint === undefined || options.endpoint.trim() === '') return noEventsPublisher;
  const endpoint = options.endpoint.trim();
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`events topic endpoint: must be an https:// URL, got "${endpoint}"`);
  }
  if (url.protocol !== 'https:') throw new Error(`events topic endpoint: must be an https:// URL, got "${endpoint}"`);
  const maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
  positive(maxRequestBytes, 'maxRequestBytes', MAX_REQUEST_BYTES);
  const settings: Settings = {
    timeoutInMs: positive(options.timeoutInMs ?? DEFAULTS.timeoutInMs, 'timeoutInMs'),
    maxAttempts: positive(options.maxAttempts ?? DEFAULTS.maxAttempts, 'maxAttempts'),
    maxPendingEvents: positive(options.maxPendingEvents ?? DEFAULTS.maxPendingEvents, 'maxPendingEvents'),
    maxRequestBytes,
  };
  const counters = { retriedRequests: 0 };
  const send = options.send ?? sdkSender(endpoint, options, counters);
  return new TopicPublisher(send, settings, options.telemetry ?? noTelemetry, url.host, counters);
}

/**
 * The SDK client, configured: CloudEvent schema, bearer token, trusted CA, retry policy, and a count of its retries.
 * The Event Grid SDK and the credential are imported on the first send, so a cold start does not pay for them.
 */
function sdkSender(endpoint: string, options: EventsPublisherOptions, counters: { retriedRequests: number }): CloudEventSender {
  const tlsOptions = readCa(options.caFile);
  const seen = new WeakSet<PipelineRequest>();
  // perRetry: runs for every attempt on the wire; the retry policy sends the same request object again.
  const countRetries: PipelinePolicy = {
    name: 'countEventsPublishRetries',
    sendRequest: async (request, next) => {
      if (seen.has(request)) counters.retriedRequests += 1;
      else seen.add(request);
      return next(request);
    },
  };
  // A fixed token is checked now (a bad setting fails at start-up); DefaultAzureCredential is made on the first send.
  const given = options.credential ?? (options.token !== undefined ? new StaticTokenCredential(options.token) : undefined);
  const makeClient = async () => {
    const { EventGridPublisherClient } = await import('@azure/eventgrid');
    const credential = given ?? new (await import('@azure/identity')).DefaultAzureCredential(options.managedIdentityClientId ? { managedIdentityClientId: options.managedIdentityClientId } : {});
    return new EventGridPublisherClient(endpoint, 'CloudEvent', credential, {
      retryOptions: { ...DEFAULTS.retry, ...options.retry },
      additionalPolicies: [{ policy: countRetries, position: 'perRetry' }],
      userAgentOptions: { userAgentPrefix: 'aks-baseline-guard' },
      ...(tlsOptions ? { tlsOptions } : {}),
    });
  };
  // A failed import is not kept, so the next send tries again.
  let client: ReturnType<typeof makeClient> | undefined;
  return async (events, sendOptions) => {
    const building = (client ??= makeClient());
    building.catch(() => {
      if (client === building) client = undefined;
    });
    await (await building).send(events, sendOptions);
  };
}

interface Settings {
  timeoutInMs: number;
  maxAttempts: number;
  maxPendingEvents: number;
  maxRequestBytes: number;
}

interface Held {
  event: ComplianceCloudEvent;
  /** Calls that tried to send it and failed. */
  attempts: number;
  bytes: number;
}

class TopicPublisher implements EventsPublisher {
  readonly enabled = true;
  #pending: Held[] = [];
  readonly #totals = { sent: 0, dropped: 0, failedRequests: 0 };

  constructor(
    private readonly send: CloudEventSender,
    private readonly settings: Settings,
    private readonly telemetry: Telemetry,
    private readonly topic: string,
    private readonly counters: { retriedRequests: number },
  ) {}

  stats(): EventsPublisherStats {
    return { ...this.#totals, retriedRequests: this.counters.retriedRequests, pending: this.#pending.length };
  }

  flush(options?: PublishEventsOptions): Promise<PublishEventsResult> {
    return this.publish([], options);
  }

  async publish(events: readonly ComplianceCloudEvent[], options: PublishEventsOptions = {}): Promise<PublishEventsResult> {
    const result: PublishEventsResult = { sent: 0, dropped: 0, pending: 0, failures: [] };
    // Taken out now, so a concurrent call does not send the same events; what fails goes back at the end.
    const work = this.#pending.splice(0);
    const hold: Held[] = [];
    let unsettled: Held[] = work;
    try {
      const known = new Set(work.map((held) => held.event.id));
      let unreadable = 0;
      for (const event of events) {
        if (known.has(event.id)) continue;
        known.add(event.id);
        const bytes = wireBytes(event);
        if (bytes === undefined) unreadable += 1;
        else work.push({ event, attempts: 0, bytes });
      }
      if (unreadable > 0) this.fail(result, { code: 'EventNotSerializable', events: unreadable, heldBack: 0, dropped: unreadable });
      const tooLarge = work.filter((held) => held.bytes > this.settings.maxRequestBytes);
      if (tooLarge.length > 0) this.fail(result, { code: 'EventTooLarge', events: tooLarge.length, heldBack: 0, dropped: tooLarge.length });
      const requests = splitIntoRequests(work.filter((held) => held.bytes <= this.settings.maxRequestBytes), this.settings.maxRequestBytes);
      let stopped = false;
      for (const [index, batch] of requests.entries()) {
        unsettled = requests.slice(index).flat();
        // After a failure that is not about the content, the rest wait too (untried): the next requests would most
        // likely fail the same way, each after the SDK's whole retry budget.
        if (stopped) {
          hold.push(...batch);
          continue;
        }
        const signals = [AbortSignal.timeout(this.settings.timeoutInMs), ...(options.abortSignal ? [options.abortSignal] : [])];
        try {
          await this.send(batch.map(toSendInput), { abortSignal: AbortSignal.any(signals) });
          result.sent += batch.length;
        } catch (error) {
          this.#totals.failedRequests += 1;
          const { code, statusCode, refused } = classify(error, options.abortSignal);
          if (refused) {
            this.fail(result, { code, statusCode, events: batch.length, heldBack: 0, dropped: batch.length });
            continue;
          }
          stopped = true;
          const again = batch.map((held) => ({ ...held, attempts: held.attempts + 1 })).filter((held) => held.attempts < this.settings.maxAttempts);
          hold.push(...again);
          this.fail(result, { code, statusCode, events: batch.length, heldBack: again.length, dropped: batch.length - again.length });
        }
      }
    } catch (error) {
      // Not expected: the SDK's failures are handled above. Never let it reach the caller; keep what is unsettled.
      hold.push(...unsettled.filter((held) => !hold.includes(held)));
      this.fail(result, { code: error instanceof Error && error.name !== 'Error' ? error.name : 'Unexpected', events: unsettled.length, heldBack: unsettled.length, dropped: 0 });
    }
    // Held events go before those a concurrent call held meanwhile: oldest first, and the oldest go first when full.
    this.#pending = [...hold, ...this.#pending];
    const overflow = this.#pending.length - this.settings.maxPendingEvents;
    if (overflow > 0) {
      this.#pending.splice(0, overflow);
      this.fail(result, { code: 'PendingQueueFull', events: overflow, heldBack: 0, dropped: overflow });
    }
    this.#totals.sent += result.sent;
    result.pending = this.#pending.length;
    return result;
  }

  private fail(result: PublishEventsResult, failure: { code: string; statusCode?: number | undefined; events: number; heldBack: number; dropped: number }): void {
    const entry: PublishFailure = { code: failure.code, events: failure.events, heldBack: failure.heldBack, dropped: failure.dropped };
    if (failure.statusCode !== undefined) entry.statusCode = failure.statusCode;
    result.failures.push(entry);
    result.dropped += entry.dropped;
    this.#totals.dropped += entry.dropped;
    try {
      this.telemetry.event(TELEMETRY_EVENTS.eventsPublishFailed, {
        topic: this.topic,
        code: entry.code,
        statusCode: entry.statusCode,
        events: entry.events,
        heldBack: entry.heldBack,
        dropped: entry.dropped,
      });
    } catch {
      // Telemetry is best effort; the failure is still in the result and the stats.
    }
  }
}

/**
 * Splits into requests of at most `maxBytes` (sizes plus the JSON array's punctuation) and `maxEvents` events, in
 * order. With the per-event allowance a request holds well under 5,000 events; the count limit stays as a guard.
 */
export function splitIntoRequests<T extends { bytes: number }>(items: readonly T[], maxBytes: number, maxEvents = MAX_EVENTS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 2;
  for (const item of items) {
    const size = item.bytes + 1;
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxEvents)) {
      out.push(current);
      current = [];
      bytes = 2;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** What one event costs in a request: its JSON (the SDK sends the same fields) plus the per-event allowance; undefined when it has no JSON form. */
export function wireBytes(event: ComplianceCloudEvent): number | undefined {
  try {
    return Buffer.byteLength(JSON.stringify(event)) + PER_EVENT_ALLOWANCE_BYTES;
  } catch {
    return undefined;
  }
}

function toSendInput(held: Held): SendCloudEventInput<unknown> {
  const { event } = held;
  return {
    type: event.type,
    source: event.source,
    subject: event.subject,
    id: event.id,
    time: new Date(event.time),
    datacontenttype: event.datacontenttype,
    data: event.data,
  };
}

function classify(error: unknown, callerSignal: AbortSignal | undefined): { code: string; statusCode?: number; refused: boolean } {
  if (isRestError(error)) {
    const statusCode = error.statusCode;
    if (statusCode === undefined) return { code: error.code ?? 'ConnectionFailed', refused: false };
    return { code: error.code && !/^[A-Z_]+$/.test(error.code) ? error.code : `Http${statusCode}`, statusCode, refused: statusCode === 400 || statusCode === 413 };
  }
  if (error instanceof Error && error.name === 'AbortError') return { code: callerSignal?.aborted ? 'Cancelled' : 'Timeout', refused: false };
  if (error instanceof Error) return { code: (error as NodeJS.ErrnoException).code ?? (error.name !== 'Error' ? error.name : 'Unexpected'), refused: false };
  return { code: 'Unexpected', refused: false };
}

function positive(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`events publisher: ${name} must be a whole number from 1 to ${max}, got ${String(value)}`);
  return value;
}

function readCa(caFile: string | undefined): TlsSettings | undefined {
  if (caFile === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new Error(`events topic CA file: cannot read "${caFile}" (${(error as Error).message})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`events topic CA file: "${caFile}" holds no PEM certificate`);
  return { ca: [...rootCertificates, pem] };
}

/** Always the same bearer token (the local receiver's). Never logged: toString() names only the kind. */
class StaticTokenCredential implements TokenCredential {
  readonly #token: string;

  constructor(token: string) {
    if (token.trim().length === 0) throw new Error('events topic token: must not be empty when set');
    this.#token = token.trim();
  }

  async getToken(): Promise<AccessToken> {
    return { token: this.#token, expiresOnTimestamp: Date.now() + 24 * 60 * 60 * 1000, tokenType: 'Bearer' };
  }

  toString(): string {
    return 'StaticTokenCredential';
  }

  toJSON(): string {
    return this.toString();
  }
}
