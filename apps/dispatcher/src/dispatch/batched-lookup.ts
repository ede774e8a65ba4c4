interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(e: unknown): void;
}

export interface BatchedLookupOptions {
  /** How long lookups gather before one query answers them all. */
  windowMs: number;
  /** Keys per query at most; a full batch is sent at once. */
  maxBatch: number;
}

/**
 * Lookups by key that concurrent callers share: the keys asked for within a few milliseconds go
 * to one query (`where id = any($1)`), so a check made right before every attempt costs a
 * fraction of a round trip per attempt. A failed query rejects every waiter of its batch.
 */
export class BatchedLookup<K, V> {
  private readonly pending = new Map<K, Waiter<V>[]>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly query: (keys: K[]) => Promise<Map<K, V>>,
    private readonly options: BatchedLookupOptions,
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (this.pending.size >= this.options.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = new Map(this.pending);
    this.pending.clear();
    if (batch.size === 0) return;
    this.query([...batch.keys()]).then(
      (found) => {
        for (const [key, waiters] of batch) for (const w of waiters) w.resolve(found.get(key));
      },
      (e: unknown) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(e);
      },
    );
  }
}
