import { randomBytes } from 'node:crypto';
import { topicNames } from '@hookline/contracts';
import { HooklineClient } from '@hookline/sdk';
import {
  LoopbackReceiver,
  OtlpReceiver,
  OtlpSpanKind,
  pollUntil,
  startHooklineProcesses,
  type HooklineProcesses,
  type ReceivedSpan,
} from '@hookline/testing';

const SERVICES = ['registry', 'fanout', 'dispatcher'] as const;
const member = { project_id: 'p', user_id: 'u_1', email: 'ada@example.com', role: 'developer' };
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The spans from `leaf` up to the caller's span, or undefined while a link is missing. */
function chain(spans: ReceivedSpan[], leafId: string, rootParentId: string) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const path: ReceivedSpan[] = [];
  for (let id = leafId; id !== rootParentId;) {
    const span = byId.get(id);
    if (!span || path.length > 50) return undefined;
    path.unshift(span);
    id = span.parentSpanId;
  }
  return path;
}

/**
 * The services as processes exporting to a real OTLP/HTTP receiver. The batch processor's delay is
 * longer than the test: spans arrive only because each service flushes them when it stops.
 */
describe('tracing end to end', () => {
  let hl: HooklineProcesses;
  let otlp: OtlpReceiver;
  let endpoint: LoopbackReceiver;
  let client: HooklineClient;
  let apiKey: string;

  const ingest = async (traceparent: string) => {
    const res = await fetch(`${hl.apiUrl}/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        traceparent,
      },
      // An id makes the ingest idempotent, through Postgres: the trace has a query in it.
      body: JSON.stringify({ id: `evt_${hex(8)}`, event: 'project.member.created', data: member }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const [delivered] = await pollUntil(
      () => endpoint.forEvent(id).length > 0 && endpoint.forEvent(id),
      {
        timeoutMs: 30_000,
        message: `the delivery of ${id}`,
      },
    );
    return String(delivered!.headers.traceparent);
  };
  const restartAll = async () => {
    await Promise.all(SERVICES.map((name) => hl.restart(name, 'SIGTERM')));
  };

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    endpoint = await LoopbackReceiver.start();
    hl = await startHooklineProcesses({
      logPrefix: 'tracing',
      extraEnv: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
    });
    const admin = new HooklineClient({ baseUrl: hl.apiUrl, adminToken: hl.adminToken });
    const project = await admin.projects.create('Tracing');
    apiKey = project.api_key;
    client = new HooklineClient({ baseUrl: hl.apiUrl, apiKey });
    await client.webhooks.create(endpoint.url, ['project.member.*']);
  }, 180_000);
  afterAll(async () => {
    await hl?.stop();
    await endpoint?.close();
    await otlp?.close();
  }, 60_000);

  it('should export one trace from the ingest request through fan-out and dispatcher to the traceparent the endpoint received', async () => {
    const [traceId, callerSpan] = [hex(16), hex(8)];
    const received = await ingest(`00-${traceId}-${callerSpan}-01`);
    const [, receivedTrace, receivedSpan, flags] = received.split('-');
    expect({ trace: receivedTrace, flags }).toEqual({ trace: traceId, flags: '01' });

    // Stopping flushes: nothing was exported before (the batch delay is 10 min).
    expect(otlp.trace(traceId)).toEqual([]);
    await restartAll();

    const spans = otlp.trace(traceId);
    const path = chain(spans, receivedSpan!, callerSpan);
    expect(path?.map((s) => `${s.service} ${s.kind}`)).toEqual(
      expect.arrayContaining([
        `hookline-registry ${OtlpSpanKind.server}`,
        `hookline-registry ${OtlpSpanKind.producer}`,
        `hookline-fanout ${OtlpSpanKind.consumer}`,
        `hookline-fanout ${OtlpSpanKind.producer}`,
        `hookline-dispatcher ${OtlpSpanKind.consumer}`,
        `hookline-dispatcher ${OtlpSpanKind.client}`,
      ]),
    );
    expect(path![0]).toMatchObject({ service: 'hookline-registry', kind: OtlpSpanKind.server });
    expect(path!.at(-1)).toMatchObject({ service: 'hookline-dispatcher', name: 'POST' });
    // One PRODUCER span per message sent: no second span from a hand-made one.
    const topics = topicNames(hl.topics.prefix);
    const sends = spans.filter((s) => s.kind === OtlpSpanKind.producer);
    expect(sends.map((s) => s.attributes['messaging.destination.name']).sort()).toEqual(
      [topics.deliveries, topics.events].sort(),
    );
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
    const queries = spans.filter((s) => s.attributes['db.system'] === 'postgresql');
    expect(queries.some((s) => s.service === 'hookline-registry')).toBe(true);
    expect(new Set(spans.map((s) => s.service))).toEqual(
      new Set(['hookline-registry', 'hookline-fanout', 'hookline-dispatcher']),
    );
  }, 180_000);

  it('should export nothing with OTEL_TRACES_SAMPLER=always_off, and still carry traceparent to the endpoint', async () => {
    // The processes take their environment from hl.env at each start.
    hl.env.OTEL_TRACES_SAMPLER = 'always_off';
    await restartAll();
    const exportedBefore = otlp.spans.length;

    const [traceId, callerSpan] = [hex(16), hex(8)];
    const received = await ingest(`00-${traceId}-${callerSpan}-01`);
    // The trace goes on, unsampled, so whatever is downstream of the endpoint records nothing either.
    expect(received).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));

    await Promise.all(SERVICES.map((name) => hl.kill(name, 'SIGTERM')));
    expect(otlp.spans.slice(exportedBefore)).toEqual([]);
  }, 180_000);
});
