import { InvalidArgumentError } from 'commander';

export function integerIn(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}.`);
    return n;
  };
}

export function numberIn(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || Number.isNaN(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}.`);
    return n;
  };
}

/** `a,b` or repeated flags, accumulated. */
export function list(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list.');
  return [...(previous ?? []), ...items];
}

export function isoTime(value: string): string {
  if (Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('expected an ISO 8601 time such as 2026-11-22T15:46:13Z.');
  return value;
}

export function oneOf<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!values.includes(value as T))
      throw new InvalidArgumentError(`expected one of ${values.join(', ')}.`);
    return value as T;
  };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `10s,1m,5m` (units ms, s, m, h; a bare number is ms) as milliseconds. */
export function durationList(value: string): number[] {
  return value.split(',').map((item) => {
    const m = /^\s*(\d+)(ms|s|m|h)?\s*$/.exec(item);
    if (!m) throw new InvalidArgumentError('expected delays such as 10s,1m,5m (ms, s, m or h).');
    return Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
  });
}

/** `Name: value`, repeated, accumulated into a map. */
export function header(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError('expected "Name: value".');
  return { ...previous, [value.slice(0, colon).trim()]: value.slice(colon + 1).trim() };
}

/** The parser's value, or null for `word` (a setting cleared back to the default). */
export function orNull<T>(word: string, parse: (value: string) => T) {
  return (value: string): T | null => (value === word ? null : parse(value));
}
