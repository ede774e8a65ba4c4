import { WebhookStateSchema, type WebhookState } from '@hookline/contracts';

/** `id` is the webhook's; `previous` undefined = created, `next` undefined = deleted. */
export type WebhookChangeListener<T = WebhookState> = (
  previous: T | undefined,
  next: T | undefined,
  id: string,
) => void;

export interface WebhookViewOptions<T> {
  /**
   * Keeps only what the holder needs of each state (fan-out keeps the project and the event list,
   * not URLs and secrets), which bounds the memory of a view of many webhooks. Must keep `version`.
   */
  select?: (state: WebhookState) => T;
}

/**
 * The current state of every webhook, applied from changelog records (feed it from a
 * ChangelogReader: `onRecord: (key, value) => view.apply(key, value)`). A record with a version
 * older than the one held is ignored (a replayed or reordered publish); a tombstone removes the
 * webhook. Listeners see every effective change (fan-out keeps its subscription index with one;
 * the dispatcher reads URL, secrets, active and scheme with `get`).
 */
export class WebhookView<T extends { version: number } = WebhookState> {
  private readonly webhooks = new Map<string, T>();
  private readonly listeners: WebhookChangeListener<T>[] = [];
  private readonly select: (state: WebhookState) => T;
  /** Records that failed the schema (a newer producer, a bug): counted, never applied. */
  invalidRecords = 0;

  constructor(options: WebhookViewOptions<T> = {}) {
    this.select = options.select ?? ((state) => state as unknown as T);
  }

  onChange(listener: WebhookChangeListener<T>): void {
    this.listeners.push(listener);
  }

  get(id: string): T | undefined {
    return this.webhooks.get(id);
  }

  get size(): number {
    return this.webhooks.size;
  }

  values(): IterableIterator<T> {
    return this.webhooks.values();
  }

  /** Applies one changelog record (key = webhook id, value = state JSON or null). */
  apply(key: string, value: Buffer | string | null): void {
    const previous = this.webhooks.get(key);
    if (value === null) {
      if (!previous) return;
      this.webhooks.delete(key);
      this.emit(previous, undefined, key);
      return;
    }
    let state: WebhookState;
    try {
      state = WebhookStateSchema.parse(JSON.parse(value.toString()));
    } catch {
      this.invalidRecords++;
      return;
    }
    if (state.id !== key || (previous && previous.version >= state.version)) return;
    const next = this.select(state);
    this.webhooks.set(key, next);
    this.emit(previous, next, key);
  }

  private emit(previous: T | undefined, next: T | undefined, id: string) {
    for (const listener of this.listeners) listener(previous, next, id);
  }
}
