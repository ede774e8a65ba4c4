import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { PropagatingTracer } from './propagating-tracer';
import { startTracing, stopTracing, tracer as serviceTracer } from './tracing';

const PARENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN = 'b7ad6b7169203331';

function remoteParent(flags: string, tracestate?: string): Context {
  const carrier: Record<string, string> = {
    traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-${flags}`,
  };
  if (tracestate) carrier.tracestate = tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

function traceparentOf(span: Span): string {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier.traceparent!;
}

const OTEL_ENV = ['OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER'];

/** A service's tracing for the enclosing describe, with nothing exported and the sampler given. */
function tracingWithoutExporter(sampler?: string): void {
  const saved = OTEL_ENV.map((k) => process.env[k]);
  beforeAll(() => {
    for (const k of OTEL_ENV) delete process.env[k];
    if (sampler) process.env.OTEL_TRACES_SAMPLER = sampler;
    startTracing('propagating-tracer-test');
  });
  afterAll(async () => {
    await stopTracing();
    OTEL_ENV.forEach((k, i) =>
      saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i]),
    );
  });
}

describe('PropagatingTracer', () => {
  // The context manager and the propagator are those startTracing registers, as in a service.
  tracingWithoutExporter();
  const tracer = new PropagatingTracer();

  it("is the services' tracer when nothing is exported under the default sampler", () => {
    expect(serviceTracer('any')).toBeInstanceOf(PropagatingTracer);
  });

  it("makes a span of the parent's trace with a span id of its own and the parent's decision", () => {
    const sampled = tracer.startSpan('deliver', {}, remoteParent('01'));
    expect(traceparentOf(sampled)).toMatch(new RegExp(`^00-${PARENT_TRACE}-[0-9a-f]{16}-01$`));
    expect(sampled.spanContext().spanId).not.toBe(PARENT_SPAN);
    expect(sampled.isRecording()).toBe(false);

    const unsampled = tracer.startSpan('deliver', {}, remoteParent('00'));
    expect(traceparentOf(unsampled)).toMatch(new RegExp(`^00-${PARENT_TRACE}-[0-9a-f]{16}-00$`));
  });

  it('keeps only the sampled bit of the flags and carries the tracestate on', () => {
    const span = tracer.startSpan('deliver', {}, remoteParent('03', 'vendor=a'));
    expect(span.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
    expect(span.spanContext().traceState?.serialize()).toBe('vendor=a');
  });

  it('starts a sampled trace of its own without a parent, or when asked for a root', () => {
    const orphan = tracer.startSpan('deliver', {}, ROOT_CONTEXT);
    expect(orphan.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
    expect(orphan.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(orphan.spanContext().traceId).not.toBe(PARENT_TRACE);

    const root = tracer.startSpan('deliver', { root: true }, remoteParent('00'));
    expect(root.spanContext().traceId).not.toBe(PARENT_TRACE);
    expect(root.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
  });

  it.each([
    ['an all-zero trace id', '00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    ['a NUL in the trace id', `00-0af7651916cd43dd8448eb211c8031\u00009c-b7ad6b7169203331-01`],
    ['upper-case hex', '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01'],
    ['a lone surrogate', `00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033\ud800-01`],
    ['a huge value', `00-${'a'.repeat(100_000)}-b7ad6b7169203331-01`],
  ])('starts a trace of its own under a traceparent with %s', (_, traceparent) => {
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent });
    const span = tracer.startSpan('deliver', {}, parent);
    expect(isSpanContextValid(span.spanContext())).toBe(true);
    expect(span.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
    expect(traceparentOf(span)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('makes a span of no trace where tracing is suppressed, as the SDK does', () => {
    const span = tracer.startSpan('deliver', {}, suppressTracing(remoteParent('01')));
    expect(isSpanContextValid(span.spanContext())).toBe(false);
  });

  it('gives every span a different id', () => {
    const parent = remoteParent('01');
    const ids = new Set(
      Array.from({ length: 1000 }, () => tracer.startSpan('x', {}, parent).spanContext().spanId),
    );
    expect(ids.size).toBe(1000);
  });

  it('makes the span active inside startActiveSpan, under the given context or the active one', async () => {
    const parent = remoteParent('01');
    const seen = await tracer.startActiveSpan('POST', {}, parent, async (span) => {
      await new Promise((resolve) => setImmediate(resolve));
      return { span, active: trace.getActiveSpan() };
    });
    expect(seen.active).toBe(seen.span);
    expect(seen.span.spanContext().traceId).toBe(PARENT_TRACE);

    const nested = context.with(parent, () =>
      tracer.startActiveSpan('consume', (outer) =>
        tracer.startActiveSpan('POST', { attributes: { a: 1 } }, (inner) => ({ outer, inner })),
      ),
    );
    expect(nested.inner.spanContext().traceId).toBe(PARENT_TRACE);
    expect(nested.inner.spanContext().spanId).not.toBe(nested.outer.spanContext().spanId);
  });
});

describe('tracing under another sampler', () => {
  tracingWithoutExporter('always_off');

  it("keeps the SDK's spans, so the traceparent sent on says what that sampler decided", () => {
    expect(serviceTracer('any')).not.toBeInstanceOf(PropagatingTracer);
    const span = serviceTracer('any').startSpan('deliver', {}, remoteParent('01'));
    expect(span.spanContext().traceId).toBe(PARENT_TRACE);
    expect(span.spanContext().traceFlags).toBe(TraceFlags.NONE);
  });
});
