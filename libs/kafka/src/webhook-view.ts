import { WebhookStateSchema, type WebhookState } from '@hookline/contracts';

export type WebhookChangeListener = (previous: WebhookState | undefined, next: WebhookState | undefined) => void;

/**
 * The current state of every webhook, applied from changelog records. A record with a version
 * older than the one held is ignored (a replayed or reordered publish); a tombstone removes the
 * webhook. Listeners see every effective change (fan-out keeps its subscription index with one).
 */
export class WebhookView {
  private readonly webhooks = new Map<string, WebhookState>();
  private readonly listeners: WebhookChangeListener[] = [];
  /** Records that failed the schema (a newer producer, a bug): counted, never applied. */
  invalidRecords = 0;

  onChange(listener: WebhookChangeListener): void {
    this.listeners.push(listener);
  }

  get(id: string): WebhookState | undefined {
    return this.webhooks.get(id);
  }

  get size(): number {
    return this.webhooks.size;
  }

  values(): IterableIterator<WebhookState> {
    return this.webhooks.values();
  }

  /** Applies one changelog record (key = webhook id, value = state JSON or null). */
  apply(key: string, value: Buffer | string | null): void {
    const previous = this.webhooks.get(key);
    if (value === null) {
      if (!previous) return;
      this.webhooks.delete(key);
      this.emit(previous, undefined);
      return;
    }
    let next: WebhookState;
    try {
      next = WebhookStateSchema.parse(JSON.parse(value.toString()));
    } catch {
      this.invalidRecords++;
      return;
    }
    if (next.id !== key || (previous && previous.version >= next.version)) return;
    this.webhooks.set(key, next);
    this.emit(previous, next);
  }

  private emit(previous: WebhookState | undefined, next: WebhookState | undefined) {
    for (const listener of this.listeners) listener(previous, next);
  }
}
