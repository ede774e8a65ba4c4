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
  defineEventType(
    'webhook.circuit_opened',
    "The circuit breaker of a webhook's endpoint (its URL) opened, after `failures` failed attempts in a row or because it stalled (every connection to it hung, `reason`): no attempt goes to that endpoint until retry_at; other endpoints on the same origin are not concerned.",
    z.object({
      webhook_id: z.string(),
      origin: z.string(),
      reason: z.enum(['failures', 'stalled']),
      failures: z.number().int(),
      opened_at: z.string(),
      retry_at: z.string(),
    }),
  ),
  defineEventType(
    'webhook.circuit_closed',
    "The circuit breaker of a webhook's endpoint (its URL) closed: a probe succeeded and attempts go again.",
    z.object({ webhook_id: z.string(), origin: z.string(), opened_at: z.string().nullable() }),
  ),
  defineEventType(
    'webhook.throttled',
    "A webhook's throttle_per_second began holding a backlog: deliveries over the rate wait for their send slot.",
    z.object({
      webhook_id: z.string(),
      throttle_per_second: z.number(),
      held_until: z.string(),
    }),
  ),
  defineEventType(
    'webhook.verification_failed',
    "A webhook's endpoint verification handshake failed: a pending webhook stays pending, an active one stays active.",
    z.object({
      webhook_id: z.string(),
      url: z.string(),
      status: z.number().int().nullable(),
      error: z.string(),
    }),
  ),
] as const;
