/** The outcome of one take: whether it may go on, and what the RateLimit headers say. */
export interface BucketVerdict {
  allowed: boolean;
  /** The bucket's size: requests allowed at once. */
  limit: number;
  /** Whole tokens left after this take. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one token is back (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key (a project, a webhook): `burst` tokens, refilled at `perSecond`. A take costs
 * one Map lookup and a few multiplications, no timer and no I/O, so it sits on every request. Idle
 * buckets are dropped once `maxKeys` is passed (a full bucket is the same as none).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string, now: number): BucketVerdict {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.dropIdle(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = this.level(bucket, now);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return {
      allowed,
      limit: this.burst,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((this.burst - bucket.tokens) / this.perSecond),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)),
    };
  }

  /** Gives back a token taken for work that did not happen (the request failed). */
  refund(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
  }

  private level(bucket: Bucket, now: number): number {
    return Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
  }

  private dropIdle(now: number): void {
    for (const [key, bucket] of this.buckets)
      if (this.level(bucket, now) >= this.burst) this.buckets.delete(key);
    // Still full of busy keys: start over rather than grow without bound (a reset only forgives).
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }
}
