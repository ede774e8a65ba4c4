import { context, propagation, type Context } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

/** Writes the active trace context (`traceparent`, `tracestate`) into Kafka message headers. */
export function injectTraceHeaders(
  headers: IHeaders = {},
  ctx: Context = context.active(),
): IHeaders {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return { ...headers, ...carrier };
}

/** Reads a trace context from Kafka message headers, to continue the producer's trace. */
export function extractTraceContext(
  headers: IHeaders | undefined,
  ctx: Context = context.active(),
): Context {
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) carrier[key] = first.toString();
  }
  return propagation.extract(ctx, carrier);
}

export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
