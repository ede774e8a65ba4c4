import { z } from 'zod';
import {
  CircuitResource,
  CustomHeadersSchema,
  DeliveryBatchSchema,
  DisableAfterSchema,
  RetryScheduleSchema,
  ThrottleSchema,
  EVENT_TYPE_NAMES,
  EndpointVerificationSchema,
  HEADER_NAME_PATTERN,
  PAYLOAD_FORMATS,
  SIGNATURE_SCHEMES,
  knownSubscriptions,
} from '@hookline/contracts';

/**
 * An http(s) URL in printable ASCII (an IDN host as punycode, other characters percent-encoded).
 * Whether it may be used (https only in production, no private or metadata addresses, it
 * resolves) is the URL policy's call at request time: a 400 on `url`.
 */
const url = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^https?:\/\/[!-~]+$/, 'must be an http:// or https:// URL in printable ASCII');

/**
 * An event type or a wildcard covering at least one (`ignite.deployment.*`, `*`), checked against
 * the current catalog by EventTypesService (types are data); documented with the built-in ones.
 */
const subscription = z
  .string()
  .min(1)
  .max(200)
  .meta({ enum: knownSubscriptions(EVENT_TYPE_NAMES) });
const events = z.array(subscription).min(1).max(100);
const description = z.string().max(1000).nullable();
/** The signature header's own name for a single-signature scheme; null: the scheme's. */
const signatureHeader = z
  .string()
  .regex(HEADER_NAME_PATTERN, 'must be an HTTP header name (letters, digits, -, up to 100)')
  .nullable();
const format = z.enum(PAYLOAD_FORMATS);
/**
 * Your own signing secret (otherwise one is generated). Its length and entropy are checked
 * against the webhook's scheme by the service, a 400 on `secret`.
 */
const secret = z.string().min(1).max(512);

/**
 * Per-webhook delivery settings; null: the operator's (no throttle, no headers). The ranges of
 * `retry_schedule` and `disable_after_failed_deliveries` are the operator's (HOOKLINE_WEBHOOK_*),
 * checked by the service: a 400 naming the field.
 */
const endpointSettings = {
  /** Deliveries per second the endpoint receives at most. */
  throttle_per_second: ThrottleSchema.nullable().optional(),
  /** Delays of the retries in ms: retry n waits retry_schedule[n-1] (±20 %). */
  retry_schedule: RetryScheduleSchema.max(100).nullable().optional(),
  /** Consecutive failed deliveries that disable the webhook; 0: never. */
  disable_after_failed_deliveries: DisableAfterSchema.nullable().optional(),
  /** Request headers sent on every attempt (not hop-by-hop nor Hookline's own headers). */
  headers: CustomHeadersSchema.nullable().optional(),
};

export const CreateWebhookBody = z
  .object({
    url,
    events,
    description: description.optional(),
    active: z.boolean().optional(),
    signature_scheme: z.enum(SIGNATURE_SCHEMES).optional(),
    signature_header: signatureHeader.optional(),
    format: format.optional(),
    /** Up to max_events events, or what gathered in max_wait_ms, in one POST; null: one by one. */
    batch: DeliveryBatchSchema.nullable().optional(),
    ...endpointSettings,
    secret: secret.optional(),
    /** A handshake before any delivery; the webhook is pending_verification until it passes. */
    verification: EndpointVerificationSchema.nullable().optional(),
    /** Check the endpoint's addresses now (default true). */
    verify: z.boolean().optional(),
  })
  .strict();
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const UpdateWebhookBody = z
  .object({
    url: url.optional(),
    events: events.optional(),
    description: description.optional(),
    active: z.boolean().optional(),
    signature_header: signatureHeader.optional(),
    format: format.optional(),
    /** Up to max_events events, or what gathered in max_wait_ms, in one POST; null: one by one. */
    batch: DeliveryBatchSchema.nullable().optional(),
    ...endpointSettings,
  })
  .strict();
export type UpdateWebhookBody = z.infer<typeof UpdateWebhookBody>;

export const RotateSecretBody = z
  .object({
    transition_hours: z.number({ error: 'must be a number of hours from 0 to 24' }).min(0).max(24),
    secret: secret.optional(),
  })
  .strict();

export const ListWebhooksQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().startsWith('wh_').optional(),
  })
  .strict();

export const WebhookResponse = z.object({
  id: z.string(),
  project_id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  active: z.boolean(),
  signature_scheme: z.enum(SIGNATURE_SCHEMES),
  signature_header: z.string().nullable(),
  format,
  batch: DeliveryBatchSchema.nullable(),
  throttle_per_second: z.number().nullable(),
  retry_schedule: z.array(z.number().int()).nullable(),
  disable_after_failed_deliveries: z.number().int().nullable(),
  headers: z.record(z.string(), z.string()).nullable(),
  /** The circuit breaker of the webhook's endpoint URL (GET of one webhook only). */
  circuit: CircuitResource.optional(),
  verification: EndpointVerificationSchema.nullable(),
  secret: z.string().optional(),
  old_secret_expires_at: z.string().nullable(),
  disabled_reason: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  created_by: z.string().nullable(),
  updated_by: z.string().nullable(),
});
export type WebhookResponse = z.infer<typeof WebhookResponse>;

export const RotateSecretResponse = z.object({
  secret: z.string(),
  old_secret_expires_at: z.string().nullable(),
  webhook: WebhookResponse,
});

export const VerifyResponse = z.object({
  passed: z.boolean(),
  /** The endpoint's answer, null when no answer came. */
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  webhook: WebhookResponse,
});
