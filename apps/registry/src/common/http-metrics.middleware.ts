import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Request count and latency per route, recorded once the answer is sent. The label is the route
 * pattern (`/v1/webhooks/:id`), never the raw path, so ids do not explode the series; a request no
 * route matched counts as `unmatched`.
 */
export function httpMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'hookline_registry_http_requests_total',
    help: 'HTTP requests answered by the registry',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'hookline_registry_http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return (req: FastifyRequest, reply: FastifyReply): void => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  };
}
