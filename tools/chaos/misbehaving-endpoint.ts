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
/** The 10 MB answer leaves at 64 KiB a millisecond (~0.5 Gbit/s), as it would cross a network. */
const PACE_BYTES = 64 * 1024;
const PACE_MS = 1;

/**
 * Sends HUGE a slice at a time until it is all sent or the client hangs up. Written at once, the
 * whole answer goes into the loopback socket's buffers at memory speed: megabytes copied by this
 * machine's kernel for every answer the dispatcher cuts after 64 KiB, work that a tenant's server
 * does on its own machine, not on the dispatcher's.
 */
function sendPaced(res: ServerResponse, offset = 0): void {
  if (res.destroyed) return;
  const end = Math.min(offset + PACE_BYTES, HUGE.length);
  if (end === HUGE.length) return void res.end(HUGE.subarray(offset));
  res.write(HUGE.subarray(offset, end));
  setTimeout(() => sendPaced(res, end), PACE_MS);
}

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
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': HUGE.length });
          return sendPaced(res);
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
 * is not spent on the event loop of the healthy receivers, whose receipt times are the latencies
 * measured. A tenant's servers do not run on the dispatcher's machine either, so the process keeps
 * what it costs this one small: it lowers its own priority (nice 10), has rehearsed every
 * misbehaviour before it is offered (both in misbehaving-endpoints.child.ts), and sends its 10 MB
 * answers at a network's pace (sendPaced). At equal priority, its 10 MB answers (150 a second,
 * 15–20 % of this two-core machine) made the fault's first half second cost the healthy endpoints
 * 50–96 ms receipts. Niced but cold and unpaced, it still took 25–40 % of a core in the fault's
 * first 250 ms, when the machine had ~30 % to spare (docs/chaos.md).
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
