import { z } from 'zod';

const MESSAGE =
  'must be an ISO 8601 date-time with an offset of at most ±15:59, in the years 0001 to 9999 (UTC), e.g. 2026-11-22T15:46:13Z';

// Not Date.UTC(1, 0, 1): Date.UTC reads the years 0 to 99 as 1900 to 1999.
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');
/** The hours of the offset at the end of a date-time (`±hh:mm`; none for `Z`). */
const OFFSET_HOURS = /[+-](\d{2}):\d{2}$/;

/**
 * Whether Postgres's timestamptz holds this instant (ms since the epoch) as `toISOString` writes
 * it: in the years 0001 to 9999 (UTC). Postgres has no year 0, and writes beyond 9999 as
 * `+010000-…`, which Postgres does not read.
 */
export function isStorableTime(ms: number): boolean {
  return ms >= EARLIEST && ms <= LATEST;
}

/**
 * Whether Postgres's timestamptz (and a JavaScript Date written back as ISO) holds this instant as
 * written: ISO 8601 allows offsets up to ±23:59 and, once an offset is applied, the year 0 or
 * 10000, which Postgres refuses ("time zone displacement out of range", "date/time field value
 * out of range") and `toISOString` writes in a form Postgres does not read.
 */
export function isStorableInstant(value: string): boolean {
  const offset = OFFSET_HOURS.exec(value);
  if (offset && Number(offset[1]) > 15) return false;
  return isStorableTime(Date.parse(value));
}

/**
 * An ISO 8601 date-time with an offset, as every time in Hookline's messages is written, that names
 * an instant Postgres can store. Such a time is checked where it enters (the API, a topic), so
 * that one record's time cannot fail a statement that carries other tenants' rows with it.
 */
export function instant() {
  return z.iso.datetime({ offset: true, error: MESSAGE }).refine(isStorableInstant, MESSAGE);
}
