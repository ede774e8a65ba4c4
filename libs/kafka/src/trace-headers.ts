import { context, propagation, type Context } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';
import { KafkaHeaders, type TraceHeaders } from '@hookline/contracts';

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

/** The active trace context as the `traceparent`/`tracestate` pair a message factory takes. */
export function currentTraceHeaders(ctx: Context = context.active()): TraceHeaders {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return { traceparent: carrier.traceparent, tracestate: carrier.tracestate };
}

/** The trace context a consumed message carries, to pass on to the messages it causes. */
export function traceHeadersOf(headers: IHeaders | undefined): TraceHeaders {
  return {
    traceparent: headerString(headers, KafkaHeaders.traceparent),
    tracestate: headerString(headers, KafkaHeaders.tracestate),
  };
}
