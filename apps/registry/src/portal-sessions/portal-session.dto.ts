import { z } from 'zod';

/** A portal link lives 1 h unless told otherwise, and never more than 24 h. */
export const DEFAULT_TTL_SECONDS = 3600;
export const MAX_TTL_SECONDS = 24 * 3600;

export const CreatePortalSessionBody = z
  .object({
    ttl_seconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
    read_only: z.boolean().optional(),
    /** Which project, when the admin token mints the link (a project key mints for its own). */
    project_id: z.string().startsWith('prj_').optional(),
  })
  .strict();
export type CreatePortalSessionBody = z.infer<typeof CreatePortalSessionBody>;

export const PortalSessionResponse = z.object({
  id: z.string(),
  project_id: z.string(),
  read_only: z.boolean(),
  expires_at: z.string(),
  /** The console, signed in by the token in the URL's fragment (never sent to a server). */
  url: z.string(),
});

export const CurrentPortalSessionResponse = PortalSessionResponse.omit({ url: true });
