import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** OTLP span kinds as numbered on the wire. */
export const OtlpSpanKind = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
} as const;

export interface ReceivedSpan {
  /** `service.name` of the resource that exported it. */
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}

function attributes(list: OtlpAttribute[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list) out[key] = Object.values(value)[0];
  return out;
}

/**
 * An OpenTelemetry collector's OTLP/HTTP traces endpoint, JSON encoding
 * (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), that keeps every span it receives.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private server?: Server;
  /** The value for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter adds /v1/traces). */
  url = '';

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await receiver.listen();
    return receiver;
  }

  /** Spans of one trace, in the order received. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(body: OtlpTraces): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = String(attributes(resourceSpans.resource?.attributes)['service.name'] ?? '');
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            service,
            scope: scopeSpans.scope?.name ?? '',
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind,
            attributes: attributes(span.attributes),
          });
        }
      }
    }
  }

  private listen(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        try {
          const raw = Buffer.concat(chunks);
          const text = (
            req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw
          ).toString('utf8');
          this.accept(JSON.parse(text) as OtlpTraces);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (e) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(String(e));
        }
      });
    });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => {
        const address = this.server!.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        this.url = `http://127.0.0.1:${port}`;
        resolve();
      });
    });
  }
}
