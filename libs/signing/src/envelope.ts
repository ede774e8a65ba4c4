import { EVENT_TYPES, type EventDataMap, type EventType } from './event-types.generated';

/** The body Hookline POSTs to an endpoint (DESIGN.md "Event envelope"). */
export interface WebhookEnvelope<TEvent extends string = string, TData = Record<string, unknown>> {
  id: string;
  webhook_id: string;
  project_id: string;
  event: TEvent;
  occurred_at: string;
  data: TData;
}

/**
 * A delivered event of one of the types T, discriminated by `event`: a `switch (event.event)`
 * narrows `data` to that type's fields.
 */
export type WebhookEvent<T extends EventType = EventType> = {
  [K in T]: WebhookEnvelope<K, EventDataMap[K]>;
}[T];

const known = new Set<string>(EVENT_TYPES);

/** Whether this SDK version knows the type; newer platform versions may send types it does not. */
export function isKnownEventType(name: string): name is EventType {
  return known.has(name);
}
