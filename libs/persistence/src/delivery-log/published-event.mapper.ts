import { isStorableTime, type PublishedEventResource } from '@hookline/contracts';
import type { ArrayElement } from '../array-literal';
import type { AttemptRecord } from './delivery-log.repository';

/**
 * `published_events` rows, as DeliveryLogRepository writes them (in the same statement as the
 * attempts) and reads them back: one row per event, with the event's payload, which its
 * deliveries' rows leave out (see writeAttempts).
 */

/** An event as GET /v1/events lists it (its payload is read with a delivery of it). */
export interface PublishedEventRow {
  id: string;
  type: string;
  occurredAt: Date;
  createdAt: Date;
}

export const EVENT_COLUMNS = `e.id, e.type, e.occurred_at as "occurredAt", e.created_at as "createdAt"`;

/** What identifies an event's record: its project and its id. */
export function eventKey(projectId: string, eventId: string): string {
  return `${projectId}|${eventId}`;
}

/**
 * The event records of a batch: one per event, from the first automatic attempt of a delivery's
 * first chain, or its skipped row — later attempts, redeliveries and test pings add none — and
 * none for an event in `written` (recorded already); `keys` are the events the columns carry, and
 * `payloads` their envelopes as one JSON array.
 */
export function eventColumns(
  rows: readonly AttemptRecord[],
  written: ReadonlySet<string>,
): { columns: ArrayElement[][]; keys: string[]; payloads: string } {
  const events = new Map<string, AttemptRecord>();
  for (const r of rows) {
    if (r.chain !== 0 || r.trigger !== 'automatic' || r.attempt !== 1) continue;
    const key = eventKey(r.projectId, r.event.id);
    if (!written.has(key)) events.set(key, r);
  }
  const e = [...events.values()];
  return {
    columns: [
      e.map((r) => r.projectId),
      e.map((r) => r.event.id),
      e.map((r) => r.event.event),
      e.map((r) => storableTime(r.event.occurred_at) ?? r.startedAt.toISOString()),
      e.map((r) => r.startedAt.toISOString()),
    ],
    keys: [...events.keys()],
    payloads: JSON.stringify(e.map((r) => r.event)),
  };
}

/**
 * An envelope's `occurred_at` as Postgres takes it (in UTC), or undefined when Postgres would
 * refuse it, and with it the whole log row.
 */
function storableTime(text: string): string | undefined {
  const ms = Date.parse(text);
  return isStorableTime(ms) ? new Date(ms).toISOString() : undefined;
}

export function toPublishedEventResource(e: PublishedEventRow): PublishedEventResource {
  return {
    id: e.id,
    type: e.type,
    occurred_at: e.occurredAt.toISOString(),
    recorded_at: e.createdAt.toISOString(),
  };
}
