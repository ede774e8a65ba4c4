import type { z } from 'zod';
import {
  EventEnvelopeSchema,
  EventTypeCatalog,
  PRODUCER_EVENT_TYPE_NAMES,
  newId,
  type EventEnvelope,
} from '@hookline/contracts';
import { InvalidEventDataError, UnknownEventTypeError, type FieldIssue } from './publish-errors';

/** The largest event accepted, as serialized JSON (the HTTP ingest answers 413 above it). */
export const MAX_EVENT_BYTES = 256 * 1024;

export interface PublishOptions {
  /** The Hookline project (`prj_…`): the Kafka key, so one project's events stay in order. */
  projectId: string;
  /** `evt_…`; given, it makes a retry recognisable (consumers and the ingest deduplicate on it). */
  id?: string;
  /** When it happened (default: now). */
  occurredAt?: Date | string;
}

/**
 * Validates an event against the catalog and builds its envelope; throws UnknownEventTypeError
 * or InvalidEventDataError (every bad field, with its path). The one validation of the producer
 * library and the HTTP ingest.
 */
export function buildEnvelope(type: string, data: unknown, options: PublishOptions): EventEnvelope {
  return prepareEvent(type, data, options).envelope;
}

/** A validated event and its JSON, serialized once for the size check and the Kafka message. */
export interface ValidatedEvent {
  envelope: EventEnvelope;
  json: string;
}

const BUILT_IN = new EventTypeCatalog();

/**
 * `buildEnvelope`, keeping the serialized form. `catalog` is the set checked against: the built-in
 * types by default; the registry's ingest passes the current one (types added as data).
 */
export function prepareEvent(
  type: string,
  data: unknown,
  options: PublishOptions,
  catalog: EventTypeCatalog = BUILT_IN,
): ValidatedEvent {
  const check = catalog.check(type, data);
  if (!check.ok && check.reason !== 'invalid_data') {
    throw new UnknownEventTypeError(
      type,
      catalog.publishableNames(PRODUCER_EVENT_TYPE_NAMES),
      check.reason === 'platform_type',
    );
  }
  const issues: FieldIssue[] = [];
  if (!check.ok) {
    for (const issue of check.issues)
      issues.push({ field: ['data', ...issue.path].join('.'), message: issue.message });
  }

  const occurredAt = options.occurredAt ?? new Date();
  const candidate = {
    id: options.id ?? newId('event'),
    project_id: options.projectId,
    event: type,
    occurred_at: occurredAt instanceof Date ? occurredAt.toISOString() : occurredAt,
    data: check.ok ? check.data : {},
  };
  const envelope = EventEnvelopeSchema.safeParse(candidate);
  if (!envelope.success) {
    // Paths are the envelope's field names (`id`, `occurred_at`, `project_id`).
    issues.push(...toFieldIssues(envelope.error.issues, ''));
  }
  if (issues.length > 0 || !envelope.success) throw new InvalidEventDataError(type, issues);

  const json = JSON.stringify(envelope.data);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    throw new InvalidEventDataError(type, [
      {
        field: 'data',
        message: `the event is ${bytes} bytes; at most ${MAX_EVENT_BYTES} are accepted`,
      },
    ]);
  }
  return { envelope: envelope.data, json };
}

/** zod issues as field paths; an unknown key is reported at its own path. */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[], root: string): FieldIssue[] {
  const join = (path: readonly PropertyKey[]) =>
    [root, ...path.map(String)].filter((p) => p !== '').join('.') || root;
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: join([...issue.path, key]), message: 'unknown field' }))
      : [{ field: join(issue.path), message: issue.message }],
  );
}
