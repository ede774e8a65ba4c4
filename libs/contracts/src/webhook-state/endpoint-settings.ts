import { z } from 'zod';

/**
 * Per-webhook delivery settings (DESIGN.md "Webhook fields"): a rate limit, the webhook's own
 * retry schedule and disable threshold, and headers sent on every attempt. The shapes are fixed
 * here; the ranges an operator allows for the schedule and the threshold are configuration
 * (HOOKLINE_WEBHOOK_*), checked by the registry.
 */

/** The highest rate a webhook may be throttled to (deliveries per second). */
export const MAX_THROTTLE_PER_SECOND = 10_000;
export const ThrottleSchema = z.number().positive().max(MAX_THROTTLE_PER_SECOND);

/** Delays of the retries in ms: retry n waits schedule[n - 1] (±jitter). */
export const RetryScheduleSchema = z.array(z.number().int().min(1)).min(1);

/** Consecutive failed deliveries that disable the webhook; 0: never. */
export const DisableAfterSchema = z.number().int().min(0);

export const CUSTOM_HEADER_LIMITS = { count: 20, valueLength: 1000, totalBytes: 8192 } as const;

/**
 * Header names a webhook may not set, lower case: hop-by-hop and framing headers (the HTTP client
 * owns the connection and the body's length), and every header the dispatcher itself sends (the
 * signature schemes' headers, the body's type, the agent, trace context). The webhook's own
 * `signature_header` is refused too, by the registry, which knows it.
 */
export const RESERVED_HEADER_NAMES: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'expect',
  'user-agent',
  'traceparent',
  'tracestate',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-hop-hooks-signature',
  'x-hostwares-signature',
  'x-hostwares-timestamp',
  'x-hub-signature',
  'x-hub-signature-256',
]);

/** Why a custom header name may not be used, or undefined when it may. */
export function reservedHeaderProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.startsWith('proxy-')) return `${name} is a proxy header`;
  // A signature's `-next` twin carries the new secret's signature during a rotation.
  const base = lower.endsWith('-next') ? lower.slice(0, -'-next'.length) : lower;
  if (RESERVED_HEADER_NAMES.has(lower) || (base !== lower && RESERVED_HEADER_NAMES.has(base)))
    return `${name} is set by Hookline or by HTTP itself`;
  return undefined;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Visible ASCII, spaces and tabs inside; no NUL, CR, LF or other controls (RFC 9110 field-value). */
const FIELD_VALUE = /^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$/;

/** Custom request headers: a small map of name → value, refused names and characters listed above. */
export const CustomHeadersSchema = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  const names = Object.keys(headers);
  if (names.length > CUSTOM_HEADER_LIMITS.count)
    ctx.addIssue({
      code: 'custom',
      message: `at most ${CUSTOM_HEADER_LIMITS.count} headers`,
    });
  const seen = new Set<string>();
  let bytes = 0;
  for (const name of names) {
    const value = headers[name]!;
    bytes += name.length + value.length;
    const lower = name.toLowerCase();
    if (!TOKEN.test(name))
      ctx.addIssue({ code: 'custom', path: [name], message: 'is not an HTTP header name' });
    else if (seen.has(lower))
      ctx.addIssue({ code: 'custom', path: [name], message: 'is given twice (names ignore case)' });
    else {
      const reserved = reservedHeaderProblem(name);
      if (reserved) ctx.addIssue({ code: 'custom', path: [name], message: reserved });
    }
    seen.add(lower);
    if (value.length > CUSTOM_HEADER_LIMITS.valueLength)
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `value longer than ${CUSTOM_HEADER_LIMITS.valueLength} characters`,
      });
    else if (!FIELD_VALUE.test(value))
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'value must be printable ASCII (no NUL, CR, LF or control characters)',
      });
  }
  if (bytes > CUSTOM_HEADER_LIMITS.totalBytes)
    ctx.addIssue({
      code: 'custom',
      message: `names and values longer than ${CUSTOM_HEADER_LIMITS.totalBytes} bytes in all`,
    });
});
export type CustomHeaders = z.infer<typeof CustomHeadersSchema>;
