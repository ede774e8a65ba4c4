import { z } from 'zod';

export const SIGNATURE_SCHEMES = ['standard', 'hop', 'sha256-timestamped', 'hub-sha512'] as const;
export const SignatureSchemeSchema = z.enum(SIGNATURE_SCHEMES);
export type SignatureScheme = z.infer<typeof SignatureSchemeSchema>;

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
    /** Current secret first; during a rotation's transition the old one follows with its expiry. */
    secrets: z.array(EncryptedSecretSchema).min(1),
    /** Version of the aggregate in the event store; consumers ignore a state older than one seen. */
    version: z.number().int().min(1),
    created_at: z.iso.datetime({ offset: true }),
    updated_at: z.iso.datetime({ offset: true }),
  })
  .strict();
export type WebhookState = z.infer<typeof WebhookStateSchema>;
