import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerTenMegabytes } from './huge-answer';

/**
 * A loopback endpoint whose path chooses how it answers, each the way some endpoint does: /ok,
 * /nul (a NUL in the body), /empty (204), /redirect, /error (500), /slow-down (429 with
 * Retry-After: 7), /hang (never), /drip (headers, then a byte every 100 ms), /huge (10 MB),
 * /reset (the connection reset). It records what it received.
 */
export class AnsweringEndpoint {
  readonly received: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
  /** Answers to /huge that ended before all of their bytes were written. */
  hugeCutOff = 0;
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  base = '';

  static async start(): Promise<AnsweringEndpoint> {
    const endpoint = new AnsweringEndpoint();
    endpoint.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const body = Buffer.concat(chunks).toString();
        endpoint.received.push({ path, headers: req.headers, body });
        switch (path.split('?')[0]) {
          case '/ok':
            return res.writeHead(200, { 'content-type': 'text/plain' }).end('fine, thanks');
          case '/nul':
            return res.writeHead(200).end('a\u0000b');
          case '/empty':
            return res.writeHead(204).end();
          case '/redirect':
            return res.writeHead(302, { location: 'https://elsewhere.test/' }).end();
          case '/error':
            return res.writeHead(500).end('boom');
          case '/slow-down':
            return res.writeHead(429, { 'retry-after': '7' }).end();
          case '/hang':
            return; // never answered
          case '/drip': {
            res.writeHead(200);
            res.flushHeaders();
            const timer = setInterval(() => res.write('.'), 100);
            return void res.on('close', () => clearInterval(timer));
          }
          case '/huge':
            return answerTenMegabytes(res, 'y', () => endpoint.hugeCutOff++);
          case '/reset':
            return void req.socket.resetAndDestroy();
        }
      });
    });
    endpoint.server.on('connection', (s: Socket) => {
      endpoint.sockets.add(s);
      s.on('close', () => endpoint.sockets.delete(s));
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
    endpoint.base = `http://127.0.0.1:${(endpoint.server.address() as AddressInfo).port}`;
    return endpoint;
  }

  /** Connections open now. */
  get connections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
