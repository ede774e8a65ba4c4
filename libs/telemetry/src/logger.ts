import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * What a logged error keeps: what it is and where it came from, never what it carried. TypeORM's
 * QueryFailedError holds the SQL, its parameters and pg's `detail` (which repeats values), a pg
 * error its `where` and `internalQuery`, a kafkajs error sometimes the messages it could not
 * send; any of those can hold a tenant's event data or a webhook secret.
 */
const ERROR_FIELDS = [
  'type',
  'message',
  'stack',
  'code',
  'errno',
  'syscall',
  'address',
  'port',
  'retriable',
  'retryCount',
  'status',
  'statusCode',
  'severity',
  'routine',
  'constraint',
  'table',
  'column',
  'schema',
] as const;
/** Nested errors worth following, serialized the same way. */
const NESTED_ERRORS = ['cause', 'originalError'] as const;
const MAX_DEPTH = 5;

function serializeError(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  // Plain objects thrown or passed as errors are cleaned like errors.
  const full = (value instanceof Error
    ? pino.stdSerializers.err(value)
    : value) as unknown as Record<string, unknown>;
  const safe: Record<string, unknown> = {};
  for (const field of ERROR_FIELDS) if (full[field] !== undefined) safe[field] = full[field];
  if (depth < MAX_DEPTH) {
    for (const field of NESTED_ERRORS) {
      const nested = (value as unknown as Record<string, unknown>)[field];
      if (nested !== undefined) safe[field] = serializeError(nested, depth + 1);
    }
    if (value instanceof AggregateError && Array.isArray(value.errors)) {
      safe.errors = value.errors.map((e: unknown) => serializeError(e, depth + 1));
    }
  }
  return safe;
}

// Fields that carry payloads, wherever a log call puts them (top level or one object down).
const PAYLOAD_FIELDS = [
  'data',
  'body',
  'response_body',
  'responseBody',
  'parameters',
  'driverError',
  'signature',
  'secret',
  'secrets',
  'api_key',
  'headers.authorization',
  'headers["webhook-signature"]',
  'headers["x-hub-signature-256"]',
];

/**
 * Structured JSON logs, one line per record, with the service name on each. Errors (under `err`
 * or `error`) keep their type, message, stack and codes only; payload fields are redacted.
 */
export function createLogger(
  service: string,
  level = process.env.HOOKLINE_LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError, error: serializeError },
      redact: {
        paths: [
          'req.headers.authorization',
          ...PAYLOAD_FIELDS,
          ...PAYLOAD_FIELDS.map((f) => `*.${f}`),
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
