import { z } from 'zod';
import { RecoveryResource } from '@hookline/contracts';
import { utcInstant } from '../common/instant.schema';

/** The window of deliveries (by creation time): since inclusive, until exclusive (default now). */
const window = { since: utcInstant, until: utcInstant.optional() };

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
