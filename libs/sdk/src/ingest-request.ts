import type { EventData, EventType } from '@hookline/contracts';

export interface PublishOptions {
  /** `evt_…`: makes the publish idempotent for 24 h. */
  id?: string;
  occurredAt?: string;
}

/** The ingest request of POST /v1/events and of gRPC PublishEvent (which sends `data` as JSON text). */
export function ingestRequest<T extends EventType>(
  type: T,
  data: EventData<T>,
  opts: PublishOptions,
): { event: T; data: EventData<T>; id?: string; occurred_at?: string } {
  return {
    event: type,
    data,
    ...(opts.id ? { id: opts.id } : {}),
    ...(opts.occurredAt ? { occurred_at: opts.occurredAt } : {}),
  };
}
