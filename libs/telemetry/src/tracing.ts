import {
  context,
  diag,
  DiagConsoleLogger,
  propagation,
  trace,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  diagLogLevelFromString,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { PropagatingTracerProvider } from './propagating-tracer';

let sdk: NodeSDK | undefined;
/** The context manager and the propagator were registered by startTracing, not by the SDK. */
let registeredHere = false;
let propagatingOnly = false;

/** Paths the orchestrator polls: a span per probe would drown the traces that matter. */
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * What each service traces when exporting: HTTP and gRPC server spans, Nest handler spans,
 * Postgres and Kafka spans. Outgoing webhook POSTs go through undici and carry the dispatcher's
 * own CLIENT span.
 *
 * With nothing exported, no instrumentation at all: a span per request, message or query that
 * nobody sees is CPU spent on the delivery path for nothing (the HTTP server's span and its
 * attributes were ~9 % of the registry's CPU while ingesting, a PRODUCER span per task a few %
 * of the fan-out's). The trace still flows, because every hop writes it itself: the ingest
 * handlers copy the caller's `traceparent` onto the event, the fan-out and the dispatcher make
 * their CONSUMER span per message from its headers and put it on the tasks they produce, and the
 * dispatcher's CLIENT span goes on the POST.
 */
function instrumentations(exported: boolean): Instrumentation[] {
  if (!exported) return [];
  // Loaded only here: a service that exports nothing never loads them (see startTracing).
  const { GrpcInstrumentation } =
    require('@opentelemetry/instrumentation-grpc') as typeof import('@opentelemetry/instrumentation-grpc');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { NestInstrumentation } =
    require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { HooklineKafkaJsInstrumentation } =
    require('./kafkajs.instrumentation') as typeof import('./kafkajs.instrumentation');
  return [
    new HooklineKafkaJsInstrumentation(),
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => PROBE_PATHS.has((req.url ?? '/').split('?')[0]!),
    }),
    new NestInstrumentation(),
    new GrpcInstrumentation(),
    // Background work (relays, purges, the delivery-log writer's flushes) queries on a timer: only
    // queries made inside a trace get a span. Parameters are never recorded (they carry secrets).
    new PgInstrumentation({ requireParentSpan: true }),
  ];
}

function exporting(env: NodeJS.ProcessEnv): boolean {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((e) => e.trim());
  if (exporters.some((e) => e !== '' && e !== 'none')) return true;
  return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Whether spans that nobody exports may be made by the propagating tracer: only under the default
 * sampler, whose decisions it repeats. Another sampler keeps the SDK's spans, so that the
 * `traceparent` sent on says what that sampler decided.
 */
function defaultSampler(env: NodeJS.ProcessEnv): boolean {
  const sampler = (env.OTEL_TRACES_SAMPLER ?? '').trim();
  return sampler === '' || sampler === 'parentbased_always_on';
}

/** The default name unless OTEL_SERVICE_NAME or `service.name` in OTEL_RESOURCE_ATTRIBUTES names it. */
function defaultServiceName(env: NodeJS.ProcessEnv, serviceName: string): string | undefined {
  if (env.OTEL_SERVICE_NAME) return undefined;
  if (/(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '')) return undefined;
  return serviceName;
}

/**
 * The propagator OTEL_PROPAGATORS asks for, when the W3C ones it names are all it asks for (unset:
 * both, as the SDK's default; `none`: null, no propagator). Undefined when it names one that only
 * the SDK provides (b3, jaeger) or one unknown, which the SDK then resolves or warns of.
 */
function w3cPropagator(
  env: NodeJS.ProcessEnv,
): { propagator: TextMapPropagator | null } | undefined {
  const names = [...new Set((env.OTEL_PROPAGATORS ?? '').split(',').map((n) => n.trim()))].filter(
    (n) => n !== '',
  );
  if (names.length === 0) names.push('tracecontext', 'baggage');
  if (names.includes('none')) return { propagator: null };
  const propagators: TextMapPropagator[] = [];
  for (const name of names) {
    if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    else if (name === 'baggage') propagators.push(new W3CBaggagePropagator());
    else return undefined;
  }
  return { propagator: new CompositePropagator({ propagators }) };
}

/**
 * Starts OpenTelemetry for a service, configured by the standard OTEL_* variables, which the SDK
 * reads itself: OTEL_SDK_DISABLED, OTEL_TRACES_SAMPLER / _ARG (default parentbased_always_on),
 * OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT / _PROTOCOL / _HEADERS,
 * OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_PROPAGATORS, OTEL_BSP_*, OTEL_LOG_LEVEL.
 *
 * With no exporter configured, each hop's spans are still spans of the trace, so `traceparent`
 * flows from the producer through fan-out and dispatcher to the endpoint; under the default
 * sampler they record nothing (`PropagatingTracer`). Call it before the modules it instruments
 * (http, express, @nestjs/core, pg, kafkajs, @grpc/grpc-js) are loaded.
 *
 * The SDK, its exporters and the instrumentations are loaded only when they have work: with
 * nothing exported under the default sampler and the W3C propagators, all the SDK would do is
 * register a context manager and a propagator, which is done here without it. Loaded, they held
 * 3.5–3.9 MB of every service's heap for good (of the fan-out's ~23 MB at rest) and took ~100 ms of
 * its start.
 */
export function startTracing(serviceName: string): void {
  if (sdk || registeredHere) return;
  const env = process.env;
  // Hookline's metrics are Prometheus and its logs pino: the SDK exports neither unless asked.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  if (/^true$/i.test(env.OTEL_SDK_DISABLED?.trim() ?? '')) {
    // No spans, but the caller's `traceparent` still passes through untouched: without a tracer
    // provider a span is the parent's context, and this propagator writes it back out.
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    return;
  }
  const exported = exporting(env);
  propagatingOnly = !exported && defaultSampler(env);
  const w3c = propagatingOnly ? w3cPropagator(env) : undefined;
  if (w3c) {
    // As the SDK does for OTEL_LOG_LEVEL: the API's own warnings, at that level, on the console.
    const level = env.OTEL_LOG_LEVEL?.trim();
    if (level) diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(level) });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    if (w3c.propagator) propagation.setGlobalPropagator(w3c.propagator);
    trace.setGlobalTracerProvider(new PropagatingTracerProvider());
    registeredHere = true;
    return;
  }
  const { NodeSDK } =
    require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { NoopSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  sdk = new NodeSDK({
    serviceName: defaultServiceName(env, serviceName),
    // Without a span processor the SDK registers no tracer provider (its context manager and
    // propagator it still does), and a span started here would have no trace id to propagate:
    // the propagating tracer, or the SDK's spans with a no-op processor, give it one.
    spanProcessors: exported ? undefined : propagatingOnly ? [] : [new NoopSpanProcessor()],
    instrumentations: instrumentations(exported),
  });
  sdk.start();
  if (propagatingOnly) trace.setGlobalTracerProvider(new PropagatingTracerProvider());
}

/** Ends tracing, exporting the spans still buffered (call it last on shutdown). */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
  sdk = undefined;
  if (propagatingOnly) trace.disable();
  if (registeredHere) {
    context.disable();
    propagation.disable();
  }
  registeredHere = propagatingOnly = false;
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
