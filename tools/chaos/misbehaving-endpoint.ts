import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How a bad endpoint treats a delivery once it misbehaves. */
export type Misbehaviour = 'hang' | 'drip' | 'huge' | 'reset' | 'retry-after';

/** The 10 MB answer, made once: every request is sent the same bytes. */
const HUGE = Buffer.alloc(10 * 1024 * 1024, 'x');

/**
 * An endpoint on an origin of its own (its own port), so the dispatcher's per-origin pool and
 * limits hold it apart from the healthy endpoints, as they would a tenant's own host. Answers 200
 * until `on`, then misbehaves: never answers (`hang`), answers headers then one byte a second
 * (`drip`), answers 10 MB (`huge`), resets the connection (`reset`), or answers 429 with
 * `Retry-After: 2` (`retry-after`). Counts the requests it misbehaved to.
 */
export class MisbehavingEndpoint {
  on = false;
  requests = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    readonly behaviour: Misbehaviour,
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(behaviour: Misbehaviour): Promise<MisbehavingEndpoint> {
    const server = createServer();
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const endpoint = new MisbehavingEndpoint(behaviour, server, `http://127.0.0.1:${port}/hook`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => endpoint.serve(req, res));
    server.on('connection', (socket: Socket) => {
      endpoint.sockets.add(socket);
      socket.on('close', () => endpoint.sockets.delete(socket));
      // The client closes what it gave up on; a write to it then fails, which is expected here.
      socket.on('error', () => undefined);
    });
    return endpoint;
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    res.on('error', () => undefined);
    req.resume();
    req.on('end', () => {
      if (!this.on) return void res.writeHead(200).end('ok');
      this.requests++;
      switch (this.behaviour) {
        case 'hang':
          return; // the request is read, never answered
        case 'drip': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.flushHeaders();
          const timer = setInterval(() => res.write('.'), 1000);
          this.timers.add(timer);
          res.on('close', () => {
            clearInterval(timer);
            this.timers.delete(timer);
          });
          return;
        }
        case 'huge':
          return void res
            .writeHead(200, { 'content-type': 'text/plain', 'content-length': HUGE.length })
            .end(HUGE);
        case 'reset':
          return void req.socket.resetAndDestroy();
        case 'retry-after':
          return void res.writeHead(429, { 'retry-after': '2' }).end('slow down');
      }
    });
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
