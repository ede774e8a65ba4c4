import { z } from 'zod';
import { isStorableTime } from '@hookline/contracts';

const MESSAGE = 'must be an ISO 8601 date-time, e.g. 2026-11-22T15:46:13Z';

/**
 * A query's or body's ISO 8601 date-time, read as the UTC instant it names. ISO 8601 allows any
 * offset up to ±23:59, Postgres none beyond ±15:59, and Postgres has no year 0: passed on as
 * written, such an instant failed the query (500). In UTC it is any instant Postgres holds.
 * (`instant()` of @hookline/contracts keeps a message's time as written, so it refuses those offsets.)
 */
export const utcInstant = z.iso
  .datetime({ offset: true, error: MESSAGE })
  .transform((s) => new Date(s))
  .refine((d) => isStorableTime(d.getTime()), { error: MESSAGE })
  .transform((d) => d.toISOString());
