import { z } from 'zod';
import { PublishedEventResource } from '@hookline/contracts';
import { utcInstant } from '../common/instant.schema';

export const ListEventsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(200).optional(),
    /** An exact event type. */
    type: z.string().min(1).max(200).optional(),
    /** Events that occurred at or after this instant. */
    since: utcInstant.optional(),
    /** Events that occurred before this instant. */
    until: utcInstant.optional(),
  })
  .strict();
export type ListEventsQuery = z.infer<typeof ListEventsQuery>;

export const EventDeliveriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type EventDeliveriesQuery = z.infer<typeof EventDeliveriesQuery>;

export const PublishedEventResponse = PublishedEventResource;
