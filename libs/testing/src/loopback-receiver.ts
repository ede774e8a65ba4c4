import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent (signatures are computed over these bytes). */
  body: string;
  receivedAt: number;
}

export interface ReceiverResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (a slow endpoint). */
  delayMs?: number;
}

/**
 * A webhook endpoint on 127.0.0.1 that records every request; its answer can be changed mid-test
 * (e.g. fail with 500, then recover with 200).
 */
export class LoopbackReceiver {
  readonly requests: ReceivedRequest[] = [];
  private respond: (req: ReceivedRequest) => ReceiverResponse = () => ({ status: 200, body: 'ok' });
  private server?: Server;
  url = '';

  static async start(path = '/hook'): Promise<LoopbackReceiver> {
    const receiver = new LoopbackReceiver();
    await receiver.listen(path);
    return receiver;
  }

  answer(fn: ReceiverResponse | ((req: ReceivedRequest) => ReceiverResponse)): void {
    this.respond = typeof fn === 'function' ? fn : () => fn;
  }

  private listen(path: string): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received: ReceivedRequest = {
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        };
        this.requests.push(received);
        const answer = this.respond(received);
        const send = () => {
          res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
          res.end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
        else send();
      });
    });
    this.server.keepAliveTimeout = 30_000;
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => {
        const address = this.server!.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        this.url = `http://127.0.0.1:${port}${path}`;
        resolve();
      });
    });
  }

  /** Requests whose JSON body has this event id. */
  forEvent(eventId: string): ReceivedRequest[] {
    return this.requests.filter((r) => {
      try {
        return (JSON.parse(r.body) as { id?: string }).id === eventId;
      } catch {
        return false;
      }
    });
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
