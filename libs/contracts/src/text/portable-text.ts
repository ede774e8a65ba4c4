import type { z } from 'zod';

/**
 * Text that Postgres or JSON cannot carry: Postgres refuses U+0000 in `text` and `jsonb`, and an
 * unpaired UTF-16 surrogate has no UTF-8 form (it is written as U+FFFD or refused, depending on
 * the writer). Accepting either at the edge means a later write fails far from its cause, so
 * every input is checked here, once, with the path of each bad string.
 */
export interface TextIssue {
  path: (string | number)[];
  message: string;
}

/** Deeper JSON is refused: no contract nests this far, and a walk must stay bounded. */
export const MAX_JSON_DEPTH = 64;

// With the `u` flag a surrogate range matches only unpaired halves; a pair reads as one code point.
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNPORTABLE = /[\u0000\uD800-\uDFFF]/u;
const UNPORTABLE_ALL = new RegExp(UNPORTABLE.source, 'gu');

/** The text with NUL and every unpaired surrogate replaced (U+FFFD by default). */
export function replaceUnportableText(text: string, by = '\ufffd'): string {
  return text.replace(UNPORTABLE_ALL, by);
}

/**
 * The text cut to at most `max` UTF-16 units (`ending` included, when cut), never between the
 * two halves of a surrogate pair: a half left at the cut would make the text unportable.
 */
export function clipText(text: string, max: number, ending = ''): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ending.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + ending;
}

/** Why a string cannot be stored, or undefined when it can. */
export function unportableTextReason(text: string): string | undefined {
  const match = UNPORTABLE.exec(text);
  if (!match) return undefined;
  return match[0] === '\u0000'
    ? 'must not contain the NUL character (U+0000)'
    : 'must not contain an unpaired UTF-16 surrogate';
}

/**
 * Every string (object keys included) that cannot be stored, and any value nested deeper than
 * MAX_JSON_DEPTH. Iterative, so a hostile depth cannot overflow the stack; O(size of the value).
 */
export function findUnportableText(value: unknown, root: (string | number)[] = []): TextIssue[] {
  // Nearly every value is clean: that is answered without building a path for each node, which
  // on the dispatcher's path (every task's payload) was a few kilobytes of garbage per delivery.
  if (isPortable(value)) return [];
  const issues: TextIssue[] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: root }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const reason = unportableTextReason(current);
      if (reason) issues.push({ path, message: reason });
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (path.length - root.length >= MAX_JSON_DEPTH) {
      issues.push({ path, message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    const children = Array.isArray(current)
      ? current.map((item: unknown, i) => ({ value: item, path: [...path, i] }))
      : Object.entries(current).flatMap(([key, item]) => {
          const reason = unportableTextReason(key);
          if (!reason) return [{ value: item, path: [...path, key] }];
          // The answer naming the key must itself be storable: the key is shown made safe.
          issues.push({
            path: [...path, key.replace(UNPORTABLE_ALL, '\uFFFD')],
            message: `key ${reason}`,
          });
          return [];
        });
    // Reversed so that values are reported in document order (an object's bad keys come first).
    stack.push(...children.reverse());
  }
  return issues;
}

/** Whether findUnportableText would find nothing: the same walk, keeping only depths. */
function isPortable(value: unknown): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop()!;
    if (typeof current === 'string') {
      if (UNPORTABLE.test(current)) return false;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return false;
    if (Array.isArray(current)) {
      for (const item of current as unknown[]) {
        values.push(item);
        depths.push(depth + 1);
      }
      continue;
    }
    for (const key in current) {
      if (!Object.hasOwn(current, key)) continue;
      if (UNPORTABLE.test(key)) return false;
      values.push((current as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return true;
}

/**
 * A zod refinement refusing unportable text anywhere in the value:
 * `z.object({...}).superRefine(refuseUnportableText)`.
 */
export function refuseUnportableText(value: unknown, ctx: z.RefinementCtx): void {
  for (const issue of findUnportableText(value))
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: value });
}
