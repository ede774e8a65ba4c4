import { createServer, type Server } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process, with the Node runtime metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay is sampled by a timer; at prom-client's default (every 10 ms) its 100
  // wake-ups a second were ~3.5 CPU ms/s of an idle service, more than its idle consumers cost.
  // A stall worth an alert is hundreds of milliseconds long, and 100 ms sampling still sees it.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return registry;
}

export type ReadinessCheck = () => Promise<Record<string, boolean>>;

/**
 * /healthz, /readyz and /metrics for services without an HTTP API of their own (fanout,
 * dispatcher). /readyz answers 503 until every check passes; /healthz answers 503 once a `live`
 * check fails (the process is stuck and should be restarted).
 */
export function startOpsServer(options: {
  port: number;
  host?: string;
  registry: Registry;
  ready: ReadinessCheck;
  live?: ReadinessCheck;
}): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const answer = (check: ReadinessCheck, ok: string, notOk: string) =>
      check().then(
        (checks) => {
          const pass = Object.values(checks).every(Boolean);
          send(pass ? 200 : 503, JSON.stringify({ status: pass ? ok : notOk, checks }));
        },
        (e) => send(503, JSON.stringify({ status: notOk, error: String(e) })),
      );
    if (path === '/healthz') {
      if (!options.live) return send(200, JSON.stringify({ status: 'ok' }));
      return void answer(options.live, 'ok', 'unhealthy');
    }
    if (path === '/readyz') return void answer(options.ready, 'ready', 'not_ready');
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => send(200, text, options.registry.contentType),
        (e) => send(500, String(e), 'text/plain'),
      );
      return;
    }
    send(404, JSON.stringify({ error: { code: 'not_found', message: 'not found', details: [] } }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve(server));
  });
}
