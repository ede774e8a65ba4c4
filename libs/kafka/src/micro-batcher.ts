export interface MicroBatcherLimits {
  /** Send when this many items wait. */
  maxItems: number;
  /** Send when their size reaches this many bytes. */
  maxBytes: number;
  /** Otherwise send this long after the first item arrived. */
  lingerMs: number;
  /**
   * Whether every batch waits out the linger from its first item, as Kafka's own producer does
   * (`linger.ms`), instead of leaving as soon as the one before it is sent. For items that may
   * wait: a steady flow then goes in a request per linger rather than one per round trip.
   */
  lingerEveryBatch?: boolean;
}

interface Pending<T> {
  item: T;
  bytes: number;
  /** When it was queued (performance.now()), for lingerEveryBatch. */
  at: number;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * Gathers concurrent sends into batches: one request carries many items, which is what makes a
 * Kafka producer fast. One batch is in flight at a time, so batches leave in the order their items
 * arrived (per-key order holds across batches); whatever queues meanwhile goes in the next one at
 * once, without waiting for the linger again.
 */
export class MicroBatcher<T> {
  private queue: Pending<T>[] = [];
  private queuedBytes = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** Ends the wait of a lingering batch (lingerEveryBatch): when it fills, or on drain. */
  private endLinger?: () => void;
  private draining = false;

  /**
   * `send` resolves once the batch is sent; or, when some items are refused for good and the
   * rest sent, with one entry per item: the error to reject it with, or undefined.
   */
  constructor(
    private readonly send: (items: T[]) => Promise<void | readonly unknown[]>,
    private readonly limits: MicroBatcherLimits,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  /** Queues items next to each other; resolves once their batch is sent, rejects if it failed. */
  add(items: { item: T; bytes: number }[]): Promise<void> {
    const done = items.map(
      ({ item, bytes }) =>
        new Promise<void>((resolve, reject) => {
          this.queue.push({ item, bytes, at: performance.now(), resolve, reject });
          this.queuedBytes += bytes;
        }),
    );
    if (this.endLinger && this.full()) this.endLinger();
    this.schedule();
    return Promise.all(done).then(() => undefined);
  }

  /** Sends what is queued now and resolves when the queue is empty. */
  async drain(): Promise<void> {
    this.draining = true;
    this.endLinger?.();
    try {
      while (this.queue.length > 0 || this.flushing) {
        if (!this.flushing) this.startFlush();
        await this.flushing;
      }
    } finally {
      this.draining = false;
    }
  }

  private full(): boolean {
    return this.queue.length >= this.limits.maxItems || this.queuedBytes >= this.limits.maxBytes;
  }

  private schedule(): void {
    if (this.flushing) return; // the running flush takes the new items next
    if (this.full()) {
      this.startFlush();
    } else {
      this.timer ??= setTimeout(() => this.startFlush(), this.limits.lingerMs);
    }
  }

  private startFlush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = this.flushAll().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async flushAll(): Promise<void> {
    while (this.queue.length > 0) {
      // A batch that left on the linger's timer has waited it out (within the timer's ms) already.
      if (this.limits.lingerEveryBatch) await this.lingered();
      const batch = this.take();
      try {
        const refused = await this.send(batch.map((p) => p.item));
        batch.forEach((p, i) => (refused?.[i] === undefined ? p.resolve() : p.reject(refused[i])));
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
  }

  /** Resolves once the oldest queued item has waited the linger, the queue is full, or drained. */
  private lingered(): Promise<void> {
    const wait = this.queue[0]!.at + this.limits.lingerMs - performance.now();
    if (wait <= 0 || this.draining || this.full()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.endLinger?.(), wait);
      this.endLinger = () => {
        clearTimeout(timer);
        this.endLinger = undefined;
        resolve();
      };
    });
  }

  private take(): Pending<T>[] {
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < this.limits.maxItems) {
      const next = this.queue[count]!.bytes;
      if (count > 0 && bytes + next > this.limits.maxBytes) break;
      bytes += next;
      count++;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, count);
  }
}
