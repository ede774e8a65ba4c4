import { replaceUnportableText } from '@hookline/contracts';

/**
 * What Postgres cannot store: `text` refuses the NUL character, and `jsonb` refuses the escapes
 * of NUL and of unpaired UTF-16 surrogates that JSON.stringify writes for them. The API refuses
 * such text at the door; this is for what arrives by other ways (a raw Kafka producer, an
 * endpoint's answer) and must still be logged.
 */

/** SQLSTATE classes of errors that repeat for the same row whatever the retry: data exceptions
 * (22, e.g. 22P05 untranslatable character), integrity violations (23), program limits (54). */
export function isDeterministicDataError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

/** The text with NUL and unpaired surrogates replaced by U+FFFD (the API's own rule). */
export function postgresSafeText(text: string): string {
  return replaceUnportableText(text);
}

/** A copy of a JSON-like value whose strings (keys included) Postgres can store. */
export function postgresSafe<T>(value: T): T {
  if (typeof value === 'string') return postgresSafeText(value) as T;
  if (Array.isArray(value)) return value.map(postgresSafe) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [postgresSafeText(k), postgresSafe(v)]),
    ) as T;
  }
  return value;
}
