import {
  ROOT_CONTEXT,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  type Context,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
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

const w3c = new W3CTraceContextPropagator();

/**
 * A caller's `traceparent` / `tracestate` (an HTTP request's headers, gRPC metadata) as W3C Trace
 * Context allows them, or nothing: a malformed `traceparent` is dropped, and so is a `tracestate`
 * past the standard's limits (512 characters, 32 members) or without a valid `traceparent`.
 * Parsed by OpenTelemetry's own propagator, not the global one, so it holds with tracing off too.
 * Answers only the headers present.
 */
export function callerTraceHeaders(
  carrier: Record<string, string | undefined>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  w3c.inject(
    w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
    headers,
    defaultTextMapSetter,
  );
  return headers;
}
