import type { Server, ServerResponse } from 'node:http';

/**
 * Stops an HTTP server on SIGTERM without cutting a request and without serving new ones.
 * `server.close()` alone stops the listener and ends the connections idle at that instant, but a
 * keep-alive connection busy then stays open: its client sends the next request on it, so under a
 * steady stream the server goes on accepting until the drain bound cuts every connection, requests
 * in flight included. Here every answer given once the drain began carries `Connection: close`, so
 * each connection ends with the request it is serving, and the client's next request meets the
 * closed listener (a connection error it can retry elsewhere) instead.
 */
export class HttpDrain {
  /** Answers not yet sent: the drain marks them `Connection: close` when it begins. */
  private readonly pending = new Set<ServerResponse>();
  private draining = false;

  constructor(private readonly server: Server) {
    // Before the application's own listener, which may answer at once.
    server.prependListener('request', (_req, res: ServerResponse) => {
      if (this.draining) return void res.setHeader('connection', 'close');
      this.pending.add(res);
      res.once('finish', () => this.pending.delete(res));
      res.once('close', () => this.pending.delete(res));
    });
  }

  /**
   * Closes the listener, lets the requests in flight be answered, each ending its connection, and
   * resolves once every connection has ended; past `cutAfterMs` the ones left are cut.
   */
  async close(cutAfterMs: number): Promise<void> {
    this.draining = true;
    for (const res of this.pending) if (!res.headersSent) res.setHeader('connection', 'close');
    this.pending.clear();
    const cut = setTimeout(() => this.server.closeAllConnections(), cutAfterMs);
    await new Promise((resolve) => this.server.close(resolve));
    clearTimeout(cut);
  }
}
