// The transport: every request goes auth -> route -> api-version -> throttle -> faults -> handler,
// and every answer carries ARM's request ids and the remaining-requests header for its kind.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ArmError } from './arm-errors.js';
import { type EventHub, buildEvent } from './events.js';
import type { Faults } from './faults.js';
import type { Environment, Reply, RequestContext } from './http.js';
import { matchRoute } from './routes.js';
import { type RequestKind, type Throttle, requestKind } from './throttle.js';
import { type CallerIdentity, identityFromToken } from './tokens.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const IDENTITY_CACHE_LIMIT = 10_000;
/** The emulator's own feed of recent events (Event Grid schema), for clients outside the process. */
export const EVENTS_FEED_PATH = '/_emulator/events';

export interface RequestCounts {
  reads: number;
  writes: number;
  deletes: number;
  /** Requests answered 429. */
  throttled: number;
}

export function emptyCounts(): RequestCounts {
  return { reads: 0, writes: 0, deletes: 0, throttled: 0 };
}

/** Every request that got past authentication, by kind; throttled ones included (they count at ARM too). */
export class RequestCounters {
  readonly total = emptyCounts();
  readonly bySubscription = new Map<string, RequestCounts>();
  readonly byCaller = new Map<string, RequestCounts>();

  record(kind: RequestKind, subscriptionId: string, callerObjectId: string, throttled: boolean): void {
    for (const counts of [this.total, this.entry(this.bySubscription, subscriptionId), this.entry(this.byCaller, callerObjectId)]) {
      counts[kind] += 1;
      if (throttled) counts.throttled += 1;
    }
  }

  /** A request already recorded that a 429 fault then throttled. */
  recordThrottled(subscriptionId: string, callerObjectId: string): void {
    for (const counts of [this.total, this.entry(this.bySubscription, subscriptionId), this.entry(this.byCaller, callerObjectId)]) counts.throttled += 1;
  }

  reset(): void {
    Object.assign(this.total, emptyCounts());
    this.bySubscription.clear();
    this.byCaller.clear();
  }

  private entry(map: Map<string, RequestCounts>, key: string): RequestCounts {
    let counts = map.get(key);
    if (!counts) {
      counts = emptyCounts();
      map.set(key, counts);
    }
    return counts;
  }
}

export interface ServerParts {
  environment: Environment;
  throttle: Throttle;
  faults: Faults;
  events: EventHub;
  counters: RequestCounters;
  latencyMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new ArmError(413, 'RequestEntityTooLarge', `The request content is ${size} bytes; the limit is ${MAX_BODY_BYTES}.`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (response.destroyed) return;
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  if (text) headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(text));
  response.writeHead(status, headers);
  response.end(text);
}

export class ArmServer {
  private readonly identities = new Map<string, CallerIdentity>();

  constructor(private readonly parts: ServerParts) {}

  /** The `request` listener for node:https. */
  readonly listener = (request: IncomingMessage, response: ServerResponse): void => {
    void this.handle(request, response);
  };

  private authenticate(header: string | undefined): CallerIdentity {
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const token = match?.[1];
    if (!token) {
      throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing or is not a bearer token.");
    }
    let identity = this.identities.get(token);
    if (!identity) {
      identity = identityFromToken(token);
      if (this.identities.size >= IDENTITY_CACHE_LIMIT) this.identities.clear();
      this.identities.set(token, identity);
    }
    return identity;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { environment, throttle, faults, events, counters, latencyMs } = this.parts;
    const requestId = randomUUID();
    const correlationHeader = request.headers['x-ms-correlation-request-id'];
    const correlationId = typeof correlationHeader === 'string' && correlationHeader ? correlationHeader : requestId;
    const headers: Record<string, string> = { 'x-ms-request-id': requestId, 'x-ms-correlation-request-id': correlationId };
    const method = (request.method ?? 'GET').toUpperCase();
    try {
      const url = new URL(request.url ?? '/', environment.endpoint);
      const rawBody = await readBody(request);
      const caller = this.authenticate(request.headers.authorization);
      if (url.pathname === EVENTS_FEED_PATH && method === 'GET') {
        // Not ARM: lets an out-of-process client (the SDK walkthrough) see the events. Not counted or throttled.
        send(response, 200, { value: events.recent() }, headers);
        return;
      }
      const route = matchRoute(method, url.pathname);
      const kind = requestKind(method);
      const decision = throttle.take(route.subscriptionId, caller.objectId, kind);
      headers[`x-ms-ratelimit-remaining-subscription-${kind}`] = String(decision.remaining);
      counters.record(kind, route.subscriptionId, caller.objectId, !decision.allowed);
      if (!decision.allowed) {
        const scope = route.subscriptionId ? `subscription '${route.subscriptionId}'` : `tenant '${caller.tenantId}'`;
        throw new ArmError(
          429,
          route.subscriptionId ? 'SubscriptionRequestsThrottled' : 'TenantRequestsThrottled',
          `Number of '${kind.slice(0, -1)}' requests for ${scope} actor '${caller.objectId}' exceeded. Please try again after '${decision.retryAfterSeconds}' seconds.`,
          { 'retry-after': String(decision.retryAfterSeconds) },
        );
      }
      const fault = faults.pick(method, url.pathname, route.startsOperation);
      if (fault?.kind === 'reset') {
        request.socket.destroy();
        return;
      }
      const delay = latencyMs + (fault?.kind === 'slow' ? fault.delayMs : 0);
      if (delay > 0) await sleep(delay);
      if (fault?.kind === '429') {
        // A throttling storm on demand, answered as ARM's own throttling above is (the bucket itself is untouched).
        counters.recordThrottled(route.subscriptionId, caller.objectId);
        const scope = route.subscriptionId ? `subscription '${route.subscriptionId}'` : `tenant '${caller.tenantId}'`;
        throw new ArmError(
          429,
          route.subscriptionId ? 'SubscriptionRequestsThrottled' : 'TenantRequestsThrottled',
          `Number of '${kind.slice(0, -1)}' requests for ${scope} actor '${caller.objectId}' exceeded. Please try again after '1' seconds.`,
          { 'retry-after': '1' },
        );
      }
      if (fault?.kind === '500') throw new ArmError(500, 'InternalServerError', 'Encountered internal server error (injected fault). Please try again.');
      if (fault?.kind === '503') throw new ArmError(503, 'ServiceUnavailable', 'The service is unavailable (injected fault). Please try again.', { 'retry-after': '1' });

      const apiVersion = url.searchParams.get('api-version');
      if (!apiVersion) {
        throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
      }
      let body: unknown;
      if (rawBody.trim()) {
        try {
          body = JSON.parse(rawBody);
        } catch (error) {
          throw new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: ${(error as Error).message}`);
        }
      }
      const context: RequestContext = {
        method,
        path: url.pathname.replace(/\/+$/, ''),
        query: url.searchParams,
        apiVersion,
        headers: request.headers,
        body,
        caller,
        now: environment.store.now(),
        failOperation: fault?.kind === 'lro-failed',
      };
      const reply: Reply = route.handler(environment, context, route.params);
      if (reply.change) {
        const clientRequestId = request.headers['x-ms-client-request-id'];
        events.emit(
          buildEvent(reply.change, {
            caller,
            correlationId,
            clientRequestId: typeof clientRequestId === 'string' ? clientRequestId : requestId,
            clientIpAddress: request.socket.remoteAddress ?? '127.0.0.1',
            method,
            url: `${environment.endpoint}${request.url ?? ''}`,
          }, new Date(context.now)),
        );
      }
      send(response, reply.status, reply.body, { ...headers, ...reply.headers });
    } catch (error) {
      if (error instanceof ArmError) {
        send(response, error.status, error.toBody(), { ...headers, ...error.headers });
      } else {
        const message = error instanceof Error ? error.message : String(error);
        send(response, 500, { error: { code: 'InternalServerError', message: `The emulator failed on ${method} ${request.url ?? ''}: ${message}` } }, headers);
      }
    }
  }
}
