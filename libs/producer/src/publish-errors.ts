/** One bad field: its path in the request (`data.metrics.cpu_usage_percent`, `id`) and why. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** Base of the errors `publish` throws; `code` is stable and machine-readable. */
export abstract class EventPublishError extends Error {
  abstract readonly code: string;
}

/** The type is not in the catalog, or is one only the platform emits. */
export class UnknownEventTypeError extends EventPublishError {
  readonly code = 'unknown_event_type';

  constructor(
    readonly eventType: string,
    /** The types a producer may publish. */
    readonly validTypes: readonly string[],
    /** True for a platform type (known, but not publishable). */
    readonly reserved = false,
  ) {
    super(
      reserved
        ? `event type "${eventType}" is emitted by the platform only and cannot be published`
        : `unknown event type "${eventType}"; valid types: ${validTypes.join(', ')}`,
    );
    this.name = 'UnknownEventTypeError';
  }
}

/** The data does not match the type's schema, or the id / occurred_at / project id is malformed. */
export class InvalidEventDataError extends EventPublishError {
  readonly code = 'invalid_event_data';

  constructor(
    readonly eventType: string,
    readonly issues: FieldIssue[],
  ) {
    super(
      `invalid ${eventType} event: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    );
    this.name = 'InvalidEventDataError';
  }
}

/**
 * Kafka did not acknowledge in time (unreachable, no leader, timed out). The event may or may not
 * have been written: publishing it again with the same id is safe, consumers deduplicate on it.
 */
export class BrokerUnavailableError extends EventPublishError {
  readonly code = 'broker_unavailable';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BrokerUnavailableError';
  }
}
