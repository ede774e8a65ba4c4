import { z } from 'zod';
import { API_KEY_SCOPES } from '@hookline/contracts';
import type { NewApiKey } from './api-keys.service';

/** A new key's body, the same for a project's own keys and for the admin's mint. */
export const CreateApiKeyBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    /** `full` (default): every route; `read`: GET routes only. */
    scope: z.enum(API_KEY_SCOPES).optional(),
    /** Refused from then on (401); must be in the future. Default: never expires. */
    expires_at: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-11-22T15:46:13Z' })
      .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
      .optional(),
  })
  .strict();
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>;

export function newApiKey(body: CreateApiKeyBody): NewApiKey {
  return {
    name: body.name ?? null,
    scope: body.scope ?? 'full',
    expiresAt: body.expires_at ? new Date(body.expires_at) : null,
  };
}
