import { createServer, type Server } from 'node:http';
import { verify } from '@hookline/signing';

/** What the endpoints saw of one delivery (one `webhook-id`). */
export interface Receipt {
  deliveryId: string;
  eventId: string;
  endpoint: string;
  count: number;
  firstAt: number;
}

/**
 * The chaos run's endpoints: one loopback server, a path per webhook (/w/<name>), each with the
 * secret its webhook was created with. Every request is verified with @hookline/signing before it
 * counts; a request that does not verify (or names no known endpoint) counts as invalid.
 * Always answers 200, so the ledger measures the pipeline, not endpoint faults.
 */
export class ChaosReceiver {
  readonly receipts = new Map<string, Receipt>();
  invalid = 0;
  private readonly secrets = new Map<string, string>();
  private server?: Server;
  private port = 0;

  static async start(): Promise<ChaosReceiver> {
    const receiver = new ChaosReceiver();
    receiver.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const now = Date.now();
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        void receiver.record(req.url ?? '', req.headers, Buffer.concat(chunks), now);
      });
    });
    receiver.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => receiver.server!.listen(0, '127.0.0.1', resolve));
    receiver.port = (receiver.server.address() as { port: number }).port;
    return receiver;
  }

  /** The URL of a new endpoint; `accept` gives it the secret its webhook answered with. */
  url(endpoint: string): string {
    return `http://127.0.0.1:${this.port}/w/${endpoint}`;
  }

  accept(endpoint: string, secret: string): void {
    this.secrets.set(endpoint, secret);
  }

  /** Receipts of these endpoints. */
  receiptsOf(endpoints: readonly string[]): Receipt[] {
    const wanted = new Set(endpoints);
    return [...this.receipts.values()].filter((r) => wanted.has(r.endpoint));
  }

  private async record(
    url: string,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
    at: number,
  ): Promise<void> {
    const endpoint = url.split('/')[2] ?? '';
    const secret = this.secrets.get(endpoint);
    const deliveryId = headers['webhook-id'];
    let eventId: string | undefined;
    try {
      if (!secret || typeof deliveryId !== 'string') throw new Error('unknown endpoint');
      await verify(body, headers, secret);
      eventId = (JSON.parse(body.toString('utf8')) as { id?: string }).id;
    } catch {
      eventId = undefined;
    }
    if (!eventId || typeof deliveryId !== 'string') {
      this.invalid++;
      return;
    }
    const known = this.receipts.get(deliveryId);
    if (known) known.count++;
    else this.receipts.set(deliveryId, { deliveryId, eventId, endpoint, count: 1, firstAt: at });
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
