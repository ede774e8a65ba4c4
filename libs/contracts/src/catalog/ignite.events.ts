import { z } from 'zod';
import { defineEventType } from './event-type';

// Hop's own documented payload (metrics_update) carries neither id, so neither is required.
const deployment = {
  deployment_id: z.string().min(1).optional(),
  project_id: z.string().min(1).optional(),
};

/** A number, or the decimal string Hop sends for percentages (`"0.07"`), delivered as sent. */
const decimal = (n: z.ZodNumber) => z.union([n, z.templateLiteral([z.number()])]);

const Deployment = z.looseObject({
  ...deployment,
  name: z.string().min(1),
  image: z.string().min(1),
  region: z.string().min(1),
  replicas: z.number().int().min(0),
  cpu_cores: z.number().positive(),
  memory_mb: z.number().int().positive(),
});

const Build = z.looseObject({
  ...deployment,
  build_id: z.string().min(1),
  status: z.enum(['pending', 'building', 'succeeded', 'failed', 'cancelled']),
  git_sha: z.string().optional(),
  duration_ms: z.number().int().min(0).optional(),
});

const Rollout = z.looseObject({
  ...deployment,
  rollout_id: z.string().min(1),
  version: z.number().int().min(1),
  state: z.enum(['pending', 'in_progress', 'finished', 'failed', 'rolled_back']),
  reason: z.string().optional(),
});

const Container = z.looseObject({
  ...deployment,
  container_id: z.string().min(1),
  state: z.enum(['pending', 'running', 'stopped', 'exited', 'crashed']),
  region: z.string().min(1),
  exit_code: z.number().int().optional(),
});

const ContainerMetrics = z.looseObject({
  ...deployment,
  container_id: z.string().min(1),
  metrics: z.looseObject({
    memory_usage_percent: decimal(z.number().min(0).max(100)),
    memory_usage_bytes: z.number().int().min(0),
    // Summed over cores, so a busy multi-core container goes past 100.
    cpu_usage_percent: decimal(z.number().min(0)),
    network_rx_bytes: z.number().int().min(0).optional(),
    network_tx_bytes: z.number().int().min(0).optional(),
  }),
});

const Healthcheck = z.looseObject({
  ...deployment,
  healthcheck_id: z.string().min(1),
  protocol: z.enum(['http', 'tcp']),
  path: z.string().optional(),
  port: z.number().int().min(1).max(65535),
  interval_s: z.number().int().min(1),
  timeout_s: z.number().int().min(1),
});

const HealthcheckResult = z.looseObject({
  ...deployment,
  healthcheck_id: z.string().min(1),
  container_id: z.string().min(1),
  status_code: z.number().int().optional(),
  latency_ms: z.number().min(0),
  message: z.string().optional(),
});

const Gateway = z.looseObject({
  ...deployment,
  gateway_id: z.string().min(1),
  protocol: z.enum(['http', 'tcp', 'udp']),
  target_port: z.number().int().min(1).max(65535),
  hostname: z.string().optional(),
});

export const IGNITE_EVENT_TYPES = [
  defineEventType('ignite.deployment.created', 'A deployment was created.', Deployment),
  defineEventType(
    'ignite.deployment.updated',
    'A deployment changed its configuration.',
    Deployment,
  ),
  defineEventType(
    'ignite.deployment.deleted',
    'A deployment was deleted.',
    z.looseObject(deployment),
  ),
  defineEventType('ignite.deployment.build.created', 'A build of a deployment was queued.', Build),
  defineEventType('ignite.deployment.build.started', 'A build of a deployment started.', Build),
  defineEventType('ignite.deployment.build.updated', 'A build changed status.', Build),
  defineEventType(
    'ignite.deployment.rollout.created',
    'A rollout of a new version began.',
    Rollout,
  ),
  defineEventType('ignite.deployment.rollout.updated', 'A rollout changed state.', Rollout),
  defineEventType('ignite.deployment.container.created', 'A container was scheduled.', Container),
  defineEventType('ignite.deployment.container.updated', 'A container changed state.', Container),
  defineEventType(
    'ignite.deployment.container.metrics_update',
    "A container's resource usage was sampled.",
    ContainerMetrics,
  ),
  defineEventType('ignite.deployment.container.deleted', 'A container was removed.', Container),
  defineEventType(
    'ignite.deployment.healthcheck.created',
    'A health check was added.',
    Healthcheck,
  ),
  defineEventType('ignite.deployment.healthcheck.updated', 'A health check changed.', Healthcheck),
  defineEventType(
    'ignite.deployment.healthcheck.deleted',
    'A health check was removed.',
    Healthcheck.pick({ deployment_id: true, project_id: true, healthcheck_id: true }),
  ),
  defineEventType(
    'ignite.deployment.healthcheck.events.failed',
    'A health check probe failed.',
    HealthcheckResult,
  ),
  defineEventType(
    'ignite.deployment.healthcheck.events.succeeded',
    'A health check probe succeeded.',
    HealthcheckResult,
  ),
  defineEventType('ignite.deployment.gateway.created', 'A gateway was exposed.', Gateway),
  defineEventType('ignite.deployment.gateway.updated', 'A gateway changed.', Gateway),
  defineEventType(
    'ignite.deployment.gateway.deleted',
    'A gateway was removed.',
    Gateway.pick({ deployment_id: true, project_id: true, gateway_id: true }),
  ),
] as const;
