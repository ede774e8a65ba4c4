import { z } from 'zod';
import { RecoveryResource } from '@hookline/contracts';

const instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time, e.g. 2026-11-22T15:46:13Z',
});

/** The window of deliveries (by creation time): since inclusive, until exclusive (default now). */
const window = { since: instant, until: instant.optional() };

export const RecoverBody = z.object(window).strict();
export type RecoverBody = z.infer<typeof RecoverBody>;

export const BulkRedeliverBody = z
  .object({
    /** Absent: every webhook of the project (disabled ones are passed over). */
    webhook_id: z.string().startsWith('wh_').max(128).optional(),
    status: z.enum(['failed', 'skipped', 'succeeded']),
    event_type: z.string().min(1).max(200).optional(),
    ...window,
  })
  .strict();
export type BulkRedeliverBody = z.infer<typeof BulkRedeliverBody>;

export const RecoveryResponse = RecoveryResource;
export type RecoveryResponse = RecoveryResource;
