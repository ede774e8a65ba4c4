import { z } from 'zod';
import {
  CustomHeadersSchema,
  DisableAfterSchema,
  RetryScheduleSchema,
  ThrottleSchema,
} from './endpoint-settings';

/** As libs/signing's SCHEMES (`sha256-timestamped` is the old name of `hostwares`). */
export const SIGNATURE_SCHEMES = [
  'standard',
  'hop',
  'hostwares',
  'hub-sha512',
  'github',
  'sha256-timestamped',
] as const;
export const SignatureSchemeSchema = z.enum(SIGNATURE_SCHEMES);
export type SignatureScheme = z.infer<typeof SignatureSchemeSchema>;

/** The body POSTed: the Hookline envelope, or a Slack or Discord incoming-webhook message. */
export const PAYLOAD_FORMATS = ['envelope', 'slack', 'discord'] as const;
export const PayloadFormatSchema = z.enum(PAYLOAD_FORMATS);
export type PayloadFormat = z.infer<typeof PayloadFormatSchema>;

/**
 * A handshake the endpoint must pass before any delivery (Cryptohopper's): it answers a signed
 * `{"type":"validate","messages":[]}` with 200 and the code as its body.
 */
export const EndpointVerificationSchema = z
  .object({ type: z.literal('echo'), code: z.string().min(1).max(200) })
  .strict();
export type EndpointVerification = z.infer<typeof EndpointVerificationSchema>;

/** `disabled_reason` of a webhook whose endpoint has not passed its handshake yet. */
export const PENDING_VERIFICATION = 'pending_verification';

/**
 * Batched delivery: up to `max_events` events, or what gathered within `max_wait_ms`, go in one
 * POST of `{"type":"messages","messages":[…]}`, retried as a unit.
 */
export const BATCH_LIMITS = { maxEvents: 1000, maxWaitMs: 10_000 } as const;
export const DeliveryBatchSchema = z
  .object({
    max_events: z.number().int().min(2).max(BATCH_LIMITS.maxEvents),
    max_wait_ms: z.number().int().min(1).max(BATCH_LIMITS.maxWaitMs),
  })
  .strict();
export type DeliveryBatch = z.infer<typeof DeliveryBatchSchema>;

/** An HTTP header name (RFC 9110 token), as a webhook's `signature_header`. */
export const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/** A secret as stored and carried on the changelog: AEAD ciphertext, never plaintext. */
export const EncryptedSecretSchema = z
  .object({
    /** `<key id>:` then base64 of iv(12) | ciphertext | tag(16), AES-256-GCM, webhook id as associated data (no key id: written before key ids, sealed under the single key) */
    ciphertext: z.string(),
    /** Set on a secret that was replaced by a rotation: it still signs until then. */
    expires_at: z.iso.datetime({ offset: true }).nullable(),
  })
  .strict();
export type EncryptedSecret = z.infer<typeof EncryptedSecretSchema>;

/**
 * The full state of a webhook after a change, published on `hookline.webhooks.changelog`
 * (key: webhook id, compacted). A delete is a tombstone (null value).
 */
export const WebhookStateSchema = z
  .object({
    id: z.string().startsWith('wh_'),
    project_id: z.string().startsWith('prj_'),
    url: z.string().url(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    disabled_reason: z.string().nullable(),
    signature_scheme: SignatureSchemeSchema,
    /** Replaces the signature header's name of a single-signature scheme (absent: its own). */
    signature_header: z.string().regex(HEADER_NAME_PATTERN).nullable().optional(),
    /** Absent in states written before formats existed: `envelope`. */
    format: PayloadFormatSchema.optional(),
    /** Absent or null: each event is POSTed alone. */
    batch: DeliveryBatchSchema.nullable().optional(),
    /** Deliveries per second the endpoint receives at most; absent or null: no limit. */
    throttle_per_second: ThrottleSchema.nullable().optional(),
    /** The webhook's own retry delays in ms; absent or null: the operator's schedule. */
    retry_schedule: RetryScheduleSchema.nullable().optional(),
    /** The webhook's own disable threshold; absent or null: the operator's. */
    disable_after_failed_deliveries: DisableAfterSchema.nullable().optional(),
    /** Sent on every attempt; absent or null: none. */
    headers: CustomHeadersSchema.nullable().optional(),
    /** Current secret first; during a rotation's transition the old one follows with its expiry. */
    secrets: z.array(EncryptedSecretSchema).min(1),
    /** Version of the aggregate in the event store; consumers ignore a state older than one seen. */
    version: z.number().int().min(1),
    created_at: z.iso.datetime({ offset: true }),
    updated_at: z.iso.datetime({ offset: true }),
  })
  .strict();
export type WebhookState = z.infer<typeof WebhookStateSchema>;
