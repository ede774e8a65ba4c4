import { createServer, type Server } from 'node:http';
import { verify } from '@hookline/signing';

/** What the endpoints saw of one delivery (one `webhook-id`). */
/** The status an endpoint answers a delivery's request with, given how many came before it. */
export type EndpointAnswer = (earlierAttempts: number) => number;

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
 * counts; a request that does not verify (or names no known endpoint) counts as invalid, but for
 * one that comes before its endpoint has its secret (see `expect`).
 * Answers 200 unless a scenario gave the endpoint other answers (`answerWith`); only requests
 * answered 2xx are receipts (a refused one is an attempt the dispatcher must make again).
 */
export class ChaosReceiver {
  readonly receipts = new Map<string, Receipt>();
  invalid = 0;
  /** Requests refused because their endpoint did not have its secret yet (see `expect`). */
  early = 0;
  private readonly secrets = new Map<string, string>();
  /** Endpoints whose webhook is being created: their secret comes with the create's answer. */
  private readonly pending = new Set<string>();
  private readonly answers = new Map<string, EndpointAnswer>();
  /** Requests per `webhook-id`, refused ones included. */
  private readonly attempts = new Map<string, number>();
  private server?: Server;
  private port = 0;

  static async start(): Promise<ChaosReceiver> {
    const receiver = new ChaosReceiver();
    receiver.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const now = Date.now();
        if (receiver.pending.has(endpointOf(req.url ?? ''))) {
          receiver.early++;
          res.writeHead(503, { 'content-type': 'text/plain' }).end('not ready');
          return;
        }
        const status = receiver.answer(req.url ?? '', req.headers['webhook-id']);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
        void receiver.record(req.url ?? '', req.headers, Buffer.concat(chunks), now, status < 300);
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

  /**
   * An endpoint whose webhook is about to be created. A registry that could not wait for its
   * changelog relay publishes the new webhook itself and then answers, so the first deliveries can
   * come before the create's answer, and the secret with it, reaches the client. Until `accept`,
   * each is refused with 503, as a receiver that cannot check a signature yet would, and the
   * dispatcher makes it again; it is counted as early, not as invalid.
   */
  expect(endpoint: string): void {
    this.pending.add(endpoint);
  }

  accept(endpoint: string, secret: string): void {
    this.secrets.set(endpoint, secret);
    this.pending.delete(endpoint);
  }

  answerWith(endpoint: string, answer: EndpointAnswer): void {
    this.answers.set(endpoint, answer);
  }

  private answer(url: string, deliveryId: string | string[] | undefined): number {
    const answer = this.answers.get(endpointOf(url));
    if (!answer || typeof deliveryId !== 'string') return 200;
    const earlier = this.attempts.get(deliveryId) ?? 0;
    this.attempts.set(deliveryId, earlier + 1);
    return answer(earlier);
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
    accepted: boolean,
  ): Promise<void> {
    const endpoint = endpointOf(url);
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
    if (!accepted) return;
    const known = this.receipts.get(deliveryId);
    if (known) known.count++;
    else this.receipts.set(deliveryId, { deliveryId, eventId, endpoint, count: 1, firstAt: at });
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

function endpointOf(url: string): string {
  return url.split('/')[2] ?? '';
}
