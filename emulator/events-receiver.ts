// A stand-in for the app's Event Grid custom topic (CloudEvents 1.0 input schema, local auth off) on 127.0.0.1 over
// HTTPS, beside the ARM emulator: the app's publisher (src/azure/events-out.ts) sends to it exactly as it would to
// Azure, tests and the demo read what arrived, and failures can be injected to exercise the publisher's retries.
// What it checks, as the real topic does: POST to /api/events with an api-version, an Entra ID bearer token (keys and
// SAS are refused: disableLocalAuth), the CloudEvents batch content type, at most 1 MB and 5,000 events per request,
// and events that @azure/eventgrid's own EventGridDeserializer accepts. Dev and test only.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CloudEvent, EventGridDeserializer } from '@azure/eventgrid';
import { createCertificate, removeCertificateFile } from './cert.js';
import { type CallerIdentity, DEFAULT_IDENTITY, type EmulatorIdentity, audienceOf, createToken, identityFromToken } from './tokens.js';

/** The audience of Entra ID tokens for Event Grid data-plane calls (the SDK asks for `<this>/.default`). */
export const EVENT_GRID_AUDIENCE = 'https://eventgrid.azure.net';
export const TOPIC_PATH = '/api/events';
/** Event Grid: 1 MB per request. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
export const MAX_EVENTS_PER_REQUEST = 5000;
const CLOUD_EVENTS_BATCH = 'application/cloudevents-batch+json';
const CLOUD_EVENT_SINGLE = 'application/cloudevents+json';

export interface ReceivedBatch {
  receivedAt: Date;
  caller: CallerIdentity;
  events: CloudEvent<unknown>[];
}

export interface ReceiverRequest {
  status: number;
  /** Error code of a refused request. */
  code?: string;
}

/** An answer forced on the next requests that pass authentication (their events are not kept). */
export interface InjectedFailure {
  status: number;
  code?: string;
  /** Sent as Retry-After (seconds), which the SDK waits for on a 429 or 503. */
  retryAfterSeconds?: number;
}

export interface EventsReceiverOptions {
  /** 0 or undefined: a free port. */
  port?: number;
}

export interface RunningEventsReceiver {
  /** https://127.0.0.1:PORT/api/events: the publisher's endpoint (EVENTS_TOPIC_ENDPOINT). */
  endpoint: string;
  /** PEM of the self-signed certificate, and the same in a temp file (removed by stop()). */
  ca: string;
  caFile: string;
  /** A bearer token for Event Grid's audience, speaking for DEFAULT_IDENTITY (the app). */
  token: string;
  tokenFor(identity: EmulatorIdentity): string;
  /** Every event accepted, in order of arrival. A redelivered event appears again: that is what subscribers see. */
  received(): CloudEvent<unknown>[];
  /** The accepted requests, each with its caller and events. */
  batches(): ReceivedBatch[];
  /** Every request, accepted or not, with the status it got. */
  requests(): ReceiverRequest[];
  /** Answers the next `count` authenticated requests with `failure` (default 503 ServiceUnavailable, no Retry-After). */
  failNext(count: number, failure?: InjectedFailure): void;
  /** Called with each accepted batch; returns the unsubscribe function. */
  onBatch(listener: (batch: ReceivedBatch) => void): () => void;
  /** Forgets what was received and the requests seen; injected failures stay. */
  clear(): void;
  stop(): Promise<void>;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function startEventsReceiver(options: EventsReceiverOptions = {}): Promise<RunningEventsReceiver> {
  const batches: ReceivedBatch[] = [];
  const requests: ReceiverRequest[] = [];
  const failures: InjectedFailure[] = [];
  const listeners = new Set<(batch: ReceivedBatch) => void>();
  const deserializer = new EventGridDeserializer();

  async function accept(request: IncomingMessage, body: Buffer, size: number): Promise<ReceivedBatch> {
    const url = new URL(request.url ?? '/', 'https://127.0.0.1');
    if (url.pathname.replace(/\/+$/, '') !== TOPIC_PATH) throw new Refusal(404, 'NotFound', `No topic at ${url.pathname}; events go to ${TOPIC_PATH}.`);
    if (request.method !== 'POST') throw new Refusal(405, 'MethodNotAllowed', `${request.method ?? '?'} is not allowed; publish with POST.`);
    if (!url.searchParams.get('api-version')) throw new Refusal(400, 'BadRequest', 'The api-version query parameter is required.');
    const caller = authenticate(request);
    const failure = failures.shift();
    if (failure) {
      const retryAfter: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
      throw new Refusal(failure.status, failure.code ?? (failure.status === 503 ? 'ServiceUnavailable' : `Http${failure.status}`), 'Injected failure.', retryAfter);
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== CLOUD_EVENTS_BATCH && contentType !== CLOUD_EVENT_SINGLE) {
      throw new Refusal(400, 'BadRequest', `Content-Type must be ${CLOUD_EVENTS_BATCH} (or ${CLOUD_EVENT_SINGLE}) for a CloudEvents 1.0 topic, got "${contentType ?? ''}".`);
    }
    if (size > MAX_REQUEST_BYTES) throw new Refusal(413, 'RequestEntityTooLarge', `The request is ${size} bytes; the limit is ${MAX_REQUEST_BYTES}.`);
    const text = body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Refusal(400, 'BadRequest', `The body is not JSON: ${(error as Error).message}`);
    }
    if (contentType === CLOUD_EVENTS_BATCH && !Array.isArray(parsed)) throw new Refusal(400, 'BadRequest', 'A CloudEvents batch must be a JSON array.');
    if (Array.isArray(parsed) && parsed.length > MAX_EVENTS_PER_REQUEST) throw new Refusal(400, 'BadRequest', `${parsed.length} events in one request; the limit is ${MAX_EVENTS_PER_REQUEST}.`);
    let events: CloudEvent<unknown>[];
    try {
      events = await deserializer.deserializeCloudEvents(text);
    } catch (error) {
      throw new Refusal(400, 'BadRequest', `Not CloudEvents 1.0: ${(error as Error).message}`);
    }
    return { receivedAt: new Date(), caller, events };
  }

  function authenticate(request: IncomingMessage): CallerIdentity {
    const header = request.headers.authorization;
    const token = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (!token) {
      const localAuth = request.headers['aeg-sas-key'] !== undefined || request.headers['aeg-sas-token'] !== undefined;
      throw new Refusal(
        401,
        'Unauthorized',
        localAuth ? 'Local authentication (access keys and SAS tokens) is disabled for this topic; use an Entra ID token.' : 'The Authorization header is missing or is not a bearer token.',
      );
    }
    const audience = audienceOf(token);
    if (audience !== undefined && audience.replace(/\/+$/, '') !== EVENT_GRID_AUDIENCE) {
      throw new Refusal(401, 'Unauthorized', `The token's audience is ${audience}; Event Grid takes tokens for ${EVENT_GRID_AUDIENCE}.`);
    }
    return identityFromToken(token);
  }

  function answer(response: ServerResponse, status: number, body?: object, headers: Record<string, string> = {}): void {
    if (response.destroyed) return;
    const text = body === undefined ? '' : JSON.stringify(body);
    response.writeHead(status, { ...headers, ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}), 'content-length': String(Buffer.byteLength(text)) });
    response.end(text);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of request as AsyncIterable<Buffer>) {
        size += chunk.length;
        // Keep reading past the limit (so the client gets the 413), without keeping it.
        if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
      }
      const batch = await accept(request, Buffer.concat(chunks), size);
      batches.push(batch);
      requests.push({ status: 200 });
      for (const listener of listeners) listener(batch);
      answer(response, 200);
    } catch (error) {
      const refusal = error instanceof Refusal ? error : new Refusal(500, 'InternalServerError', error instanceof Error ? error.message : String(error));
      requests.push({ status: refusal.status, code: refusal.code });
      answer(response, refusal.status, { error: { code: refusal.code, message: refusal.message } }, refusal.headers);
    }
  }

  const certificate = await createCertificate();
  const server: Server = createServer({ key: certificate.key, cert: certificate.cert, keepAlive: true }, (request, response) => void handle(request, response));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    removeCertificateFile(certificate);
    throw new Error(`the events receiver could not listen on 127.0.0.1:${options.port ?? 0}: ${(error as Error).message}`, { cause: error });
  }
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `https://127.0.0.1:${port}${TOPIC_PATH}`,
    ca: certificate.cert,
    caFile: certificate.caFile,
    token: createToken(DEFAULT_IDENTITY, EVENT_GRID_AUDIENCE),
    tokenFor: (identity) => createToken(identity, EVENT_GRID_AUDIENCE),
    received: () => batches.flatMap((batch) => batch.events),
    batches: () => [...batches],
    requests: () => [...requests],
    failNext: (count, failure = { status: 503 }) => {
      if (!Number.isInteger(count) || count < 0) throw new Error(`failNext: count must be a whole number >= 0, got ${count}`);
      for (let i = 0; i < count; i += 1) failures.push({ ...failure });
    },
    onBatch: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear: () => {
      batches.length = 0;
      requests.length = 0;
    },
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).finally(() => removeCertificateFile(certificate));
      return stopped;
    },
  };
}
