import { z } from 'zod';

/** Platform events on `hookline.operational` (key: project id). */
export const OperationalEventSchema = z
  .object({
    id: z.string().startsWith('evt_'),
    project_id: z.string().startsWith('prj_'),
    event: z.enum(['webhook.disabled', 'webhook.enabled', 'delivery.dead']),
    occurred_at: z.iso.datetime({ offset: true }),
    data: z.record(z.string(), z.unknown()),
  })
  .strict();
export type OperationalEvent = z.infer<typeof OperationalEventSchema>;
