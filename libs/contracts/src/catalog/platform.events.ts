import { z } from 'zod';
import { defineEventType } from './event-type';

export const PLATFORM_EVENT_TYPES = [
  defineEventType(
    'webhook.ping',
    'A test event sent on request to check an endpoint.',
    z.object({ message: z.string() }),
  ),
  defineEventType(
    'webhook.disabled',
    'A webhook was disabled, by a person or after failed deliveries.',
    z.object({ webhook_id: z.string(), reason: z.string() }),
  ),
  defineEventType(
    'webhook.enabled',
    'A disabled webhook was enabled again.',
    z.object({ webhook_id: z.string() }),
  ),
  defineEventType(
    'delivery.dead',
    'A delivery exhausted its retries and went to the dead-letter topic.',
    z.object({
      webhook_id: z.string(),
      delivery_id: z.string(),
      event_id: z.string(),
      event_type: z.string(),
      attempts: z.number().int(),
      last_error: z.string(),
    }),
  ),
] as const;
