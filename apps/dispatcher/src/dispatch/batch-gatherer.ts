import type { DeliveryBatch } from '@hookline/contracts';

interface OpenBatch<T> {
  items: T[];
  timer: NodeJS.Timeout;
  done: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * Holds the tasks of a batching webhook until `max_events` of them arrived or `max_wait_ms` passed
 * since the first, then sends them together. Each task's promise settles with its batch: the
 * consumer commits a task's offset only once the whole batch is done, so at-least-once holds.
 */
export class BatchGatherer<T> {
  private readonly open = new Map<string, OpenBatch<T>>();

  constructor(private readonly send: (items: T[]) => Promise<void>) {}

  add(key: string, limits: DeliveryBatch, item: T): Promise<void> {
    let batch = this.open.get(key);
    if (!batch) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const opened: OpenBatch<T> = {
        items: [],
        timer: setTimeout(() => this.flush(key, opened), limits.max_wait_ms),
        done,
        resolve,
        reject,
      };
      batch = opened;
      this.open.set(key, batch);
    }
    batch.items.push(item);
    if (batch.items.length >= limits.max_events) this.flush(key, batch);
    return batch.done;
  }

  private flush(key: string, batch: OpenBatch<T>): void {
    if (this.open.get(key) !== batch) return;
    this.open.delete(key);
    clearTimeout(batch.timer);
    this.send(batch.items).then(batch.resolve, batch.reject);
  }
}
