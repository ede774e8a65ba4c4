const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `10s`, `5m`, `2h`, `7d` into milliseconds; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration (use e.g. 500ms, 10s, 5m, 2h, 7d)`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
}

/** Parses a comma-separated list of durations, such as the retry schedule. */
export function parseDurationList(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new Error(`"${text}" is not a comma-separated list of durations`);
  }
  return parts.map(parseDuration);
}
