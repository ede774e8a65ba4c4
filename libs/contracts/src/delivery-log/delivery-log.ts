import { z } from 'zod';

/**
 * The delivery log as the API shows it (`GET /v1/webhooks/{id}/deliveries`, `GET
 * /v1/deliveries/{id}`): one shape, read by the registry, the SDK's types and the console, and
 * produced from the database rows by the delivery-log repository alone.
 */
/**
 * `skipped`: the event matched the webhook while it was disabled; nothing was sent (no attempt),
 * and it is recoverable (`POST /v1/webhooks/{id}/recover`) like a failed delivery.
 */
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const ATTEMPT_TRIGGERS = ['automatic', 'redeliver', 'test'] as const;
export type AttemptTrigger = (typeof ATTEMPT_TRIGGERS)[number];

/** Why an attempt failed, as the dispatcher classifies it; null for an answer within the deadline. */
export type AttemptErrorClass =
  | 'timeout'
  | 'connection_refused'
  | 'connection_error'
  | 'dns'
  | 'tls'
  | 'http_status'
  | 'redirect'
  | 'blocked_address'
  | 'invalid_url'
  /** The webhook's secret does not open with any configured key: no request was made. */
  | 'secret_unreadable'
  /** Every connection to the endpoint's origin stayed busy past a bound (it hangs): no request was made. */
  | 'endpoint_busy';

export const DeliveryResource = z.object({
  id: z.string(),
  webhook_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  next_attempt_at: z.string().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type DeliveryResource = z.infer<typeof DeliveryResource>;

export const AttemptResource = z.object({
  attempt: z.number().int(),
  trigger: z.enum(ATTEMPT_TRIGGERS),
  url: z.string(),
  request_headers: z.record(z.string(), z.string()),
  response_status: z.number().int().nullable(),
  /** The first 4 KiB of the response body. */
  response_body: z.string().nullable(),
  duration_ms: z.number().int(),
  error_class: z.string().nullable(),
  error: z.string().nullable(),
  started_at: z.string(),
});
export type AttemptResource = z.infer<typeof AttemptResource>;
