import { Controller, HttpStatus, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { METRICS } from '../infra/tokens';
import { ApiRoute } from '../openapi/api-route.decorator';
import { HealthService } from './health.service';

const tag = 'Operations';
const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.boolean()),
});

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthService,
    @Inject(METRICS) private readonly metrics: Registry,
  ) {}

  @ApiRoute('get', '/healthz', {
    summary: 'Liveness: the process answers',
    tag,
    auth: 'none',
    response: z.object({ status: z.literal('ok') }),
  })
  healthz() {
    return { status: 'ok' };
  }

  @ApiRoute('get', '/readyz', {
    summary:
      'Readiness: Postgres, Kafka and (when started) the gRPC server answer (503 when one does not)',
    tag,
    auth: 'none',
    response: Readiness,
    status: [200, 503],
  })
  async readyz(@Res({ passthrough: true }) res: FastifyReply) {
    const checks = await this.health.readiness();
    const ready = Object.values(checks).every(Boolean);
    void res.code(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ready' : 'not_ready', checks };
  }

  @ApiRoute('get', '/metrics', {
    summary: 'Prometheus metrics',
    tag,
    auth: 'none',
    contentType: 'text/plain; version=0.0.4',
  })
  metricsText() {
    return this.metrics.metrics();
  }
}
