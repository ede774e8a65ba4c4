import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** What a process saw once it had called startTracing, with only `env`'s OTEL_* variables set. */
interface Started {
  /** The SDK's and the instrumentations' packages it loaded. */
  loaded: string[];
  /** The headers a span made active by `context.with` puts on an outgoing request. */
  headers: Record<string, string>;
  /** Whether `context.with` made the span active inside its callback (a context manager). */
  activeInside: boolean;
}

/**
 * Runs startTracing in a process of its own: what a module load leaves behind is per process, and
 * a service calls it first thing, before anything else loaded the SDK.
 */
function startedWith(env: Record<string, string>): Started {
  const script = `
    const { context, propagation, trace, ROOT_CONTEXT } = require('@opentelemetry/api');
    const { startTracing, tracer } = require(${JSON.stringify(join(ROOT, 'libs/telemetry/src/tracing.ts'))});
    startTracing('tracing-spec');
    const parent = propagation.extract(ROOT_CONTEXT, {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const span = tracer('t').startSpan('deliver', {}, parent);
    const headers = {};
    let activeInside = false;
    context.with(trace.setSpan(parent, span), () => {
      activeInside = trace.getActiveSpan() === span;
      propagation.inject(context.active(), headers);
    });
    const loaded = [...new Set(Object.keys(require.cache)
      .map((f) => /node_modules\\/(@opentelemetry\\/(sdk-node|instrumentation-[^/]+|exporter-[^/]+))\\//.exec(f)?.[1])
      .filter(Boolean))].sort();
    process.stdout.write(JSON.stringify({ loaded, headers, activeInside }));
  `;
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')),
  );
  const out = execFileSync(
    process.execPath,
    ['-r', join(ROOT, 'tools', 'register.js'), '-e', script],
    { cwd: ROOT, env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 },
  );
  return JSON.parse(out) as Started;
}

const TRACEPARENT = /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/;

describe('startTracing', () => {
  it('loads neither the SDK nor an instrumentation when nothing is exported, and the trace still flows', () => {
    const started = startedWith({});
    expect(started.loaded).toEqual([]);
    expect(started.activeInside).toBe(true);
    expect(started.headers.traceparent).toMatch(TRACEPARENT);
    expect(started.headers.traceparent).not.toContain('b7ad6b7169203331');
  });

  it('registers no propagator under OTEL_PROPAGATORS=none, still without the SDK', () => {
    const started = startedWith({ OTEL_PROPAGATORS: 'none' });
    expect(started.loaded).toEqual([]);
    expect(started.headers).toEqual({});
  });

  it('takes the SDK for a propagator only it provides (b3)', () => {
    const started = startedWith({ OTEL_PROPAGATORS: 'b3, tracecontext' });
    expect(started.loaded).toContain('@opentelemetry/sdk-node');
    expect(started.headers.b3).toMatch(/^0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-1$/);
    expect(started.headers.traceparent).toMatch(TRACEPARENT);
  });

  it('loads the SDK and the instrumentations when spans are exported', () => {
    const started = startedWith({ OTEL_TRACES_EXPORTER: 'console' });
    expect(started.loaded).toEqual(
      expect.arrayContaining([
        '@opentelemetry/sdk-node',
        '@opentelemetry/instrumentation-http',
        '@opentelemetry/instrumentation-pg',
        '@opentelemetry/instrumentation-kafkajs',
      ]),
    );
    expect(started.activeInside).toBe(true);
    expect(started.headers.traceparent).toMatch(TRACEPARENT);
  });
});
