import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';

/** How a bad endpoint treats a delivery once it misbehaves. */
export type Misbehaviour = 'hang' | 'drip' | 'huge' | 'reset' | 'retry-after';

/** What MisbehavingEndpoints asks of the process that hosts the endpoints. */
export type ChildRequest = { kind: 'misbehave' } | { kind: 'close' };
/** What that process answers: its endpoints' URLs once listening, their request counts when closed. */
export type ChildReply = { kind: 'ready'; urls: string[] } | { kind: 'closed'; requests: number[] };

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

/**
 * The misbehaving endpoints in a process of their own, as a tenant's servers are: what they spend
 * (writing 10 MB answers costs the kernel about a millisecond each) is not spent on the event loop
 * of the healthy receivers, whose receipt times are the latencies measured. A tenant's servers do
 * not run on the dispatcher's machine either, so the process lowers its own priority (nice 10, in
 * misbehaving-endpoints.child.ts): it has the cores the pipeline leaves idle, and no longer takes
 * them from it. At equal priority, its 10 MB answers (150 a second, 15–20 % of this two-core
 * machine) made the fault's first half second cost the healthy endpoints 50–96 ms receipts, where
 * the same answers alone, or the other four misbehaviours alone, cost nothing measurable at the
 * start.
 */
export class MisbehavingEndpoints {
  private constructor(
    readonly urls: readonly string[],
    private readonly child: ChildProcess,
  ) {}

  static async start(behaviours: readonly Misbehaviour[]): Promise<MisbehavingEndpoints> {
    const child = fork(join(__dirname, 'misbehaving-endpoints.child.ts'), [...behaviours], {
      execArgv: ['-r', join(__dirname, '..', 'register.js')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const reply = await MisbehavingEndpoints.reply(child, 'ready');
    return new MisbehavingEndpoints(reply.urls, child);
  }

  misbehave(): void {
    this.child.send({ kind: 'misbehave' } satisfies ChildRequest);
  }

  /** Closes the endpoints and their process; answers how many requests each misbehaved to. */
  async close(): Promise<number[]> {
    const closed = MisbehavingEndpoints.reply(this.child, 'closed');
    this.child.send({ kind: 'close' } satisfies ChildRequest);
    const { requests } = await closed;
    return requests;
  }

  private static reply<K extends ChildReply['kind']>(
    child: ChildProcess,
    kind: K,
  ): Promise<Extract<ChildReply, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: ChildReply) => {
        if (reply.kind !== kind) return;
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve(reply as Extract<ChildReply, { kind: K }>);
      };
      const onExit = (code: number | null) =>
        reject(new Error(`the misbehaving endpoints' process exited (${code}) before "${kind}"`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }
}
