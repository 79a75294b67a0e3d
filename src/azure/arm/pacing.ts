// Pacing and counting of ARM requests, as a pipeline policy. The SDK's retry policy already rides out a 429
// with Retry-After; this policy keeps a large scan from meeting many 429s at all. ARM meters each subscription
// (per caller) in token buckets, one per kind of operation, and reports what is left in
// x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}. When a bucket runs low we space further
// requests of that kind for that subscription at the bucket's refill rate, and after a 429 we hold them all
// until its Retry-After has passed, so concurrent requests do not each collect their own 429.
//
// The policy runs per retry (after the SDK's retry policy), so every attempt on the wire is paced and counted,
// including the retries the SDK makes.
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';
import { isConnectionFailure } from '../errors.js';

export const ARM_REQUEST_KINDS = ['read', 'write', 'delete', 'lro-poll'] as const;
export type ArmRequestKind = (typeof ARM_REQUEST_KINDS)[number];

/** What one ARM client set sent and met. Counts are per attempt on the wire, retries included. */
export interface ArmRequestStats {
  requests: Record<ArmRequestKind, number>;
  /** 429 responses received (the SDK retried each one after its Retry-After). */
  throttled: number;
  /** 5xx responses received (retried by the SDK). */
  serverErrors: number;
  /** Requests that never got a response: reset or refused connections, timeouts. */
  connectionErrors: number;
  /** Requests the pacer held back, and for how long in total. */
  pacedRequests: number;
  pacedMs: number;
  /** For the most recent retries after a 429: what Retry-After asked for and how long the retry actually waited. */
  throttleRetries: { retryAfterMs: number; waitedMs: number }[];
}

const MAX_THROTTLE_RETRIES_KEPT = 500;
/** Operation URLs remembered for telling polls from reads; old ones are forgotten first (a long-lived host). */
const MAX_OPERATION_URLS_KEPT = 5000;

export function createArmRequestStats(): ArmRequestStats {
  return {
    requests: { read: 0, write: 0, delete: 0, 'lro-poll': 0 },
    throttled: 0,
    serverErrors: 0,
    connectionErrors: 0,
    pacedRequests: 0,
    pacedMs: 0,
    throttleRetries: [],
  };
}

/** Adds `from` into `into` (for totals over several client sets). */
export function addArmRequestStats(into: ArmRequestStats, from: ArmRequestStats): void {
  for (const kind of ARM_REQUEST_KINDS) into.requests[kind] += from.requests[kind];
  into.throttled += from.throttled;
  into.serverErrors += from.serverErrors;
  into.connectionErrors += from.connectionErrors;
  into.pacedRequests += from.pacedRequests;
  into.pacedMs += from.pacedMs;
  into.throttleRetries.push(...from.throttleRetries);
  into.throttleRetries.splice(0, Math.max(0, into.throttleRetries.length - MAX_THROTTLE_RETRIES_KEPT));
}

type BucketKind = 'reads' | 'writes' | 'deletes';

/** ARM's documented per-subscription token buckets (request-limits-and-throttling, 2024 regional limits). */
const DOCUMENTED_BUCKETS: Record<BucketKind, { size: number; refillPerSecond: number }> = {
  reads: { size: 250, refillPerSecond: 25 },
  writes: { size: 200, refillPerSecond: 10 },
  deletes: { size: 200, refillPerSecond: 10 },
};

export interface ArmPacerOptions {
  /** Start pacing when a bucket's remaining count falls below this fraction of its size. Default 0.2. */
  lowWaterFraction?: number;
}

interface BucketState {
  remaining?: number;
  /** The largest remaining count seen, plus the request that left it: our estimate of the bucket size (an endpoint may run smaller buckets). */
  largestSeen: number;
  nextSlotAt: number;
  blockedUntil: number;
}

/** Shared by every client of one client set, since ARM meters the subscription, not the client. */
export class ArmRequestPacer {
  readonly stats: ArmRequestStats;
  readonly #lowWaterFraction: number;
  readonly #buckets = new Map<string, BucketState>();
  /** Operation URLs handed out by LRO responses, so that polls are counted as polls. */
  readonly #operationUrls = new Set<string>();
  readonly #throttledAt = new WeakMap<PipelineRequest, { at: number; retryAfterMs: number }>();

  constructor(stats: ArmRequestStats = createArmRequestStats(), options: ArmPacerOptions = {}) {
    this.stats = stats;
    this.#lowWaterFraction = options.lowWaterFraction ?? 0.2;
  }

  policy(): PipelinePolicy {
    return { name: 'armRequestPacingPolicy', sendRequest: (request, next) => this.#send(request, next) };
  }

  async #send(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
    const kind = this.#kindOf(request);
    const bucketKey = `${subscriptionOf(request.url)}|${bucketKindOf(request.method)}`;
    const bucket = this.#bucket(bucketKey);

    const throttled = this.#throttledAt.get(request);
    const holdMs = this.#reserve(bucket, bucketKindOf(request.method));
    if (holdMs > 0) {
      this.stats.pacedRequests += 1;
      this.stats.pacedMs += holdMs;
      await sleep(holdMs, request);
    }
    if (throttled) {
      this.#recordThrottleRetry({ retryAfterMs: throttled.retryAfterMs, waitedMs: Date.now() - throttled.at });
      this.#throttledAt.delete(request);
    }

    this.stats.requests[kind] += 1;
    let response: PipelineResponse;
    try {
      response = await next(request);
    } catch (error) {
      if (isConnectionFailure(error)) this.stats.connectionErrors += 1;
      throw error;
    }

    this.#observe(bucket, response, bucketKindOf(request.method));
    if (response.status === 429) {
      this.stats.throttled += 1;
      const retryAfterMs = retryAfterMsOf(response) ?? 0;
      this.#throttledAt.set(request, { at: Date.now(), retryAfterMs });
      bucket.blockedUntil = Math.max(bucket.blockedUntil, Date.now() + retryAfterMs);
    } else if (response.status >= 500) {
      this.stats.serverErrors += 1;
    }
    if (request.method !== 'GET') this.#rememberOperationUrls(response);
    return response;
  }

  #bucket(key: string): BucketState {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { largestSeen: 0, nextSlotAt: 0, blockedUntil: 0 };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Returns how long this request must wait, and books its slot. */
  #reserve(bucket: BucketState, kind: BucketKind): number {
    const now = Date.now();
    let earliest = Math.max(now, bucket.blockedUntil);
    if (bucket.remaining !== undefined && bucket.remaining < this.#lowWater(bucket, kind)) {
      earliest = Math.max(earliest, bucket.nextSlotAt);
      bucket.nextSlotAt = earliest + this.#refillIntervalMs(bucket, kind);
      // The slot is spent whether or not a response has told us yet: count it against the estimate.
      bucket.remaining = Math.max(0, bucket.remaining - 1);
    }
    return earliest - now;
  }

  #lowWater(bucket: BucketState, kind: BucketKind): number {
    const size = Math.min(DOCUMENTED_BUCKETS[kind].size, Math.max(bucket.largestSeen, 1));
    return Math.max(1, Math.ceil(size * this.#lowWaterFraction));
  }

  /** The documented refill rate, scaled down when the endpoint's bucket is smaller than ARM's. */
  #refillIntervalMs(bucket: BucketState, kind: BucketKind): number {
    const documented = DOCUMENTED_BUCKETS[kind];
    const scale = Math.min(1, Math.max(bucket.largestSeen, 1) / documented.size);
    return 1000 / (documented.refillPerSecond * scale);
  }

  #observe(bucket: BucketState, response: PipelineResponse, kind: BucketKind): void {
    const header = response.headers.get(`x-ms-ratelimit-remaining-subscription-${kind}`);
    if (header === undefined) return;
    const remaining = Number(header);
    if (!Number.isFinite(remaining) || remaining < 0) return;
    bucket.remaining = remaining;
    // The header counts what is left after this request took its token: the bucket holds at least one more.
    bucket.largestSeen = Math.max(bucket.largestSeen, remaining + 1);
  }

  #kindOf(request: PipelineRequest): ArmRequestKind {
    switch (request.method) {
      case 'GET':
      case 'HEAD':
        return this.#operationUrls.has(withoutQuery(request.url)) || OPERATION_PATH.test(new URL(request.url).pathname) ? 'lro-poll' : 'read';
      case 'DELETE':
        return 'delete';
      default:
        return 'write';
    }
  }

  #rememberOperationUrls(response: PipelineResponse): void {
    for (const name of ['azure-asyncoperation', 'operation-location', 'location']) {
      const value = response.headers.get(name);
      if (value) this.#operationUrls.add(withoutQuery(new URL(value, response.request.url).href));
    }
    for (const oldest of this.#operationUrls) {
      if (this.#operationUrls.size <= MAX_OPERATION_URLS_KEPT) break;
      this.#operationUrls.delete(oldest);
    }
  }

  #recordThrottleRetry(entry: { retryAfterMs: number; waitedMs: number }): void {
    this.stats.throttleRetries.push(entry);
    if (this.stats.throttleRetries.length > MAX_THROTTLE_RETRIES_KEPT) this.stats.throttleRetries.shift();
  }
}

/** Operation status and result endpoints, for LRO URLs we did not see handed out (e.g. a restored poller). */
const OPERATION_PATH = /\/(operations|operationStatuses|operationResults|asyncOperations)\//i;

function bucketKindOf(method: string): BucketKind {
  if (method === 'GET' || method === 'HEAD') return 'reads';
  if (method === 'DELETE') return 'deletes';
  return 'writes';
}

function subscriptionOf(url: string): string {
  const match = /\/subscriptions\/([^/?#]+)/i.exec(url);
  return match?.[1]?.toLowerCase() ?? 'tenant';
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`.toLowerCase();
}

function retryAfterMsOf(response: PipelineResponse): number | undefined {
  const ms = response.headers.get('retry-after-ms') ?? response.headers.get('x-ms-retry-after-ms');
  if (ms !== undefined && Number.isFinite(Number(ms))) return Number(ms);
  const value = response.headers.get('retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function sleep(ms: number, request: PipelineRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const signal = request.abortSignal;
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort);
  });
}

function abortError(): Error {
  const error = new Error('The ARM request was cancelled while waiting for its turn.');
  error.name = 'AbortError';
  return error;
}
