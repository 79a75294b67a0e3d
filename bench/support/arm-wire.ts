// Counts the app's ARM requests as they leave the process, every attempt on the wire (the SDK's retries
// included), per subscription and per ARM throttling bucket, with the HTTP status. It listens on Node's
// `http.client.response.finish` diagnostics channel, so nothing in the app is wrapped or replaced, and it works
// whether the emulator runs in this process or in another one.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

export type Bucket = 'reads' | 'writes' | 'deletes';
export const BUCKETS: readonly Bucket[] = ['reads', 'writes', 'deletes'];

/** What a request was for, to report where the requests of a run went. */
export type RequestPurpose =
  | 'subscription-list'
  | 'cluster-list-page'
  | 'cluster-get'
  | 'extension-list-page'
  | 'extension-get'
  | 'lro-poll'
  | 'cluster-write'
  | 'extension-write'
  | 'delete'
  | 'other';

export interface BucketCounts {
  /** Requests ARM accepted (anything but 429): each took a token from the bucket. */
  accepted: number;
  /** Requests answered 429: they took no token. */
  throttled: number;
}

/** '' is tenant-level (GET /subscriptions). */
export type SubscriptionCounts = Record<Bucket, BucketCounts>;

function emptySubscription(): SubscriptionCounts {
  return { reads: { accepted: 0, throttled: 0 }, writes: { accepted: 0, throttled: 0 }, deletes: { accepted: 0, throttled: 0 } };
}

const CHANNEL = 'http.client.response.finish';

export class ArmWireCounter {
  readonly bySubscription = new Map<string, SubscriptionCounts>();
  readonly byPurpose = new Map<RequestPurpose, number>();
  /** Status code -> count, over all ARM requests. */
  readonly byStatus = new Map<number, number>();
  /** GETs of one cluster (lower-cased id): how often its snapshot was read. */
  readonly clusterReads = new Map<string, number>();
  /** Writes ARM accepted (below 400), per resource (lower-cased path): more than one to a resource is a duplicate. */
  readonly writesByResource = new Map<string, number>();
  total = 0;
  readonly #host: string;
  readonly #listener = (message: unknown): void => this.#onResponse(message as { request: ClientRequest; response: IncomingMessage });

  /** endpoint: the ARM endpoint the app talks to (only requests to its host:port are counted). */
  constructor(endpoint: string) {
    this.#host = new URL(endpoint).host.toLowerCase();
    diagnosticsChannel.subscribe(CHANNEL, this.#listener);
  }

  stop(): void {
    diagnosticsChannel.unsubscribe(CHANNEL, this.#listener);
  }

  reset(): void {
    this.bySubscription.clear();
    this.byPurpose.clear();
    this.byStatus.clear();
    this.clusterReads.clear();
    this.writesByResource.clear();
    this.total = 0;
  }

  get throttled(): number {
    return this.byStatus.get(429) ?? 0;
  }

  #onResponse({ request, response }: { request: ClientRequest; response: IncomingMessage }): void {
    const host = String(request.getHeader('host') ?? request.host).toLowerCase();
    if (host !== this.#host) return;
    const method = request.method.toUpperCase();
    const path = request.path.split('?')[0] ?? '';
    const status = response.statusCode ?? 0;
    const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(path)?.[1]?.toLowerCase() ?? '';
    const bucket: Bucket = method === 'DELETE' ? 'deletes' : method === 'GET' || method === 'HEAD' ? 'reads' : 'writes';

    this.total += 1;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    let counts = this.bySubscription.get(subscriptionId);
    if (!counts) {
      counts = emptySubscription();
      this.bySubscription.set(subscriptionId, counts);
    }
    if (status === 429) counts[bucket].throttled += 1;
    else counts[bucket].accepted += 1;

    const purpose = purposeOf(method, path);
    this.byPurpose.set(purpose, (this.byPurpose.get(purpose) ?? 0) + 1);
    if (purpose === 'cluster-get' && status !== 429) {
      const key = path.toLowerCase();
      this.clusterReads.set(key, (this.clusterReads.get(key) ?? 0) + 1);
    }
    if ((purpose === 'cluster-write' || purpose === 'extension-write') && status < 400) {
      const key = path.toLowerCase();
      this.writesByResource.set(key, (this.writesByResource.get(key) ?? 0) + 1);
    }
  }
}

const CLUSTER = /\/providers\/microsoft\.containerservice\/managedclusters\/[^/]+$/i;
const CLUSTER_LIST = /\/providers\/microsoft\.containerservice\/managedclusters$/i;
const EXTENSION_LIST = /\/providers\/microsoft\.kubernetesconfiguration\/extensions$/i;
const EXTENSION = /\/providers\/microsoft\.kubernetesconfiguration\/extensions\/[^/]+$/i;
const OPERATION = /\/(operations|operationStatuses|operationResults|asyncOperations)\//i;

function purposeOf(method: string, path: string): RequestPurpose {
  if (method === 'DELETE') return 'delete';
  if (method !== 'GET' && method !== 'HEAD') return EXTENSION.test(path) ? 'extension-write' : CLUSTER.test(path) ? 'cluster-write' : 'other';
  if (OPERATION.test(path)) return 'lro-poll';
  if (/^\/subscriptions\/?$/i.test(path)) return 'subscription-list';
  if (CLUSTER_LIST.test(path)) return 'cluster-list-page';
  if (CLUSTER.test(path)) return 'cluster-get';
  if (EXTENSION_LIST.test(path)) return 'extension-list-page';
  if (EXTENSION.test(path)) return 'extension-get';
  return 'other';
}

/** A bucket's size and refill rate as the emulator runs it: ARM's numbers times the throttle factor. */
export interface BucketLimits {
  burst: number;
  perSecond: number;
}

/**
 * The least time ARM's buckets allow for the accepted requests: per subscription and bucket,
 * max(0, (accepted - burst) / refill) seconds, and the maximum over all of them, since the buckets of different
 * subscriptions (and kinds) fill in parallel. Returns milliseconds and which bucket bound it.
 */
export function throttleLowerBound(
  counts: ReadonlyMap<string, SubscriptionCounts>,
  limits: Record<Bucket, BucketLimits>,
): { lowerBoundMs: number; boundBy: { subscriptionId: string; bucket: Bucket; accepted: number } | undefined } {
  let lowerBoundMs = 0;
  let boundBy: { subscriptionId: string; bucket: Bucket; accepted: number } | undefined;
  for (const [subscriptionId, perBucket] of counts) {
    for (const bucket of BUCKETS) {
      const { burst, perSecond } = limits[bucket];
      const accepted = perBucket[bucket].accepted;
      const ms = (Math.max(0, accepted - burst) / perSecond) * 1000;
      if (ms > lowerBoundMs || (!boundBy && accepted > 0)) {
        lowerBoundMs = Math.max(lowerBoundMs, ms);
        boundBy = { subscriptionId, bucket, accepted };
      }
    }
  }
  return { lowerBoundMs, boundBy };
}

/** Counts every HTTP request the app sends to some hosts (Azurite's table and queue endpoints, say), by host. */
export class HostRequestCounter {
  readonly byHost = new Map<string, number>();
  readonly #hosts: Set<string>;
  readonly #listener = (message: unknown): void => {
    const { request } = message as { request: ClientRequest };
    const host = String(request.getHeader('host') ?? request.host).toLowerCase();
    if (this.#hosts.has(host)) this.byHost.set(host, (this.byHost.get(host) ?? 0) + 1);
  };

  constructor(endpoints: readonly string[]) {
    this.#hosts = new Set(endpoints.map((endpoint) => new URL(endpoint).host.toLowerCase()));
    diagnosticsChannel.subscribe(CHANNEL, this.#listener);
  }

  get total(): number {
    return [...this.byHost.values()].reduce((sum, count) => sum + count, 0);
  }

  count(endpoint: string): number {
    return this.byHost.get(new URL(endpoint).host.toLowerCase()) ?? 0;
  }

  stop(): void {
    diagnosticsChannel.unsubscribe(CHANNEL, this.#listener);
  }
}
