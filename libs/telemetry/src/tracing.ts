import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOnSampler, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry for a service. Spans are always created so `traceparent` flows from the
 * producer through fan-out and dispatcher to the endpoint; they are exported only when the
 * standard OTEL_* variables ask for it (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, …).
 */
export function startTracing(serviceName: string): void {
  if (sdk) return;
  process.env.OTEL_SERVICE_NAME ??= serviceName;
  const exporting = !!(
    process.env.OTEL_TRACES_EXPORTER ||
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT ||
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  );
  if (!exporting) process.env.OTEL_TRACES_EXPORTER = 'none';
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  sdk = new NodeSDK({
    serviceName,
    sampler: new AlwaysOnSampler(),
    textMapPropagator: new W3CTraceContextPropagator(),
    // Without a span processor the SDK registers no tracer provider, and a span started here would
    // have no trace id to propagate; a no-op processor keeps spans real without exporting them.
    spanProcessors: exporting ? undefined : [new NoopSpanProcessor()],
    // Auto-instrumentation is left out on purpose: the hot paths create their own spans.
    instrumentations: [],
  });
  sdk.start();
}

export async function stopTracing(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
  sdk = undefined;
}

export function tracer(name = 'hookline'): Tracer {
  return trace.getTracer(name);
}

/** The `traceparent` of the active span, to put on an outgoing HTTP request. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}
