interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(e: unknown): void;
}

export interface BatchedLookupOptions {
  /** Keys per query at most; a full batch is sent at once. */
  maxBatch: number;
}

/**
 * Lookups by key that concurrent callers share: the keys asked for in one turn of the event loop
 * go to one query (`where id = any($1)`), so a check made right before every attempt costs a
 * fraction of a round trip per attempt. A failed query rejects every waiter of its batch.
 *
 * The batch closes at the end of the turn (setImmediate), not after a window of time: the tasks
 * of a fetched batch are handed out together and ask within one turn, so they share a query
 * anyway, while a task that comes alone (a trickle) asked and then waited out a window that
 * could gather nothing, on every attempt.
 */
export class BatchedLookup<K, V> {
  private readonly pending = new Map<K, Waiter<V>[]>();
  private flushing?: NodeJS.Immediate;

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
      else this.flushing ??= setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    clearImmediate(this.flushing);
    this.flushing = undefined;
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
