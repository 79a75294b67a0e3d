// ARM's token buckets, per (subscription, caller) and per kind of request, refilled continuously.
// Numbers: https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling

export type RequestKind = 'reads' | 'writes' | 'deletes';

export const ARM_THROTTLE_LIMITS = {
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
  deletes: { burst: 200, perSecond: 10 },
} as const;

export function requestKind(method: string): RequestKind {
  if (method === 'DELETE') return 'deletes';
  if (method === 'GET' || method === 'HEAD') return 'reads';
  return 'writes';
}

export interface ThrottleDecision {
  allowed: boolean;
  /** Whole tokens left after this request: the `x-ms-ratelimit-remaining-subscription-*` value. */
  remaining: number;
  /** Seconds until one token is back (only when refused). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class Throttle {
  private readonly buckets = new Map<string, Bucket>();
  readonly enabled: boolean;

  /** factor scales burst and refill rate; 0 or Infinity turns throttling off. */
  constructor(private readonly factor: number) {
    this.enabled = Number.isFinite(factor) && factor > 0;
  }

  take(subscriptionId: string, callerObjectId: string, kind: RequestKind, now = Date.now()): ThrottleDecision {
    const limits = ARM_THROTTLE_LIMITS[kind];
    if (!this.enabled) return { allowed: true, remaining: limits.burst - 1, retryAfterSeconds: 0 };
    const capacity = Math.max(1, limits.burst * this.factor);
    const rate = limits.perSecond * this.factor;
    const key = `${subscriptionId}|${callerObjectId}|${kind}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: capacity, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    // ARM's Retry-After is whole seconds; round up so a client that waits it out finds a token.
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)) };
  }
}
