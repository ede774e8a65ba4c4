import { BRIEF_PAYLOADS } from './brief-payloads';
import type { EventType } from './catalog';

const deployment = { deployment_id: 'deployment_MTkzMDU5', project_id: 'project_MTY1MjU5' };
const build = { ...deployment, build_id: 'build_MTkzMzkw', status: 'building', git_sha: 'abc1234' };
const rollout = { ...deployment, rollout_id: 'rollout_MTkzMzkx', version: 2, state: 'in_progress' };
const container = {
  ...deployment,
  container_id: 'container_MTkzMDc3MjExODczMDc5MzAx',
  state: 'running',
  region: 'us-east-1',
};
const healthcheck = {
  ...deployment,
  healthcheck_id: 'healthcheck_MTkz',
  protocol: 'http',
  path: '/healthz',
  port: 8080,
  interval_s: 30,
  timeout_s: 5,
};
const probe = {
  ...deployment,
  healthcheck_id: 'healthcheck_MTkz',
  container_id: container.container_id,
  status_code: 200,
  latency_ms: 12,
};
const gateway = {
  ...deployment,
  gateway_id: 'gateway_MTkz',
  protocol: 'http',
  target_port: 8080,
  hostname: 'web.example.com',
};
const member = {
  project_id: deployment.project_id,
  user_id: 'user_MTkz',
  email: 'ada@example.com',
  role: 'developer',
};
const token = {
  project_id: deployment.project_id,
  token_id: 'ptk_MTkz',
  name: 'CI',
  created_by: 'user_MTkz',
  expires_at: null,
};
const secret = {
  project_id: deployment.project_id,
  secret_id: 'secret_MTkz',
  name: 'DATABASE_URL',
  deployment_ids: [deployment.deployment_id],
};
const ignite = {
  ...deployment,
  name: 'web',
  image: 'registry.example.com/web:1',
  region: 'us-east-1',
  replicas: 2,
  cpu_cores: 0.5,
  memory_mb: 512,
};
const hopMetrics = BRIEF_PAYLOADS.find((p) => p.event.endsWith('.metrics_update'))!.data;

/**
 * One example `data` per built-in type, listed with the type by GET /v1/event-types. Hop's
 * documented payload is the metrics example as the brief shows it; the others use its id style.
 */
export const BUILT_IN_EXAMPLES: Record<EventType, Record<string, unknown>> = {
  'ignite.deployment.created': ignite,
  'ignite.deployment.updated': { ...ignite, replicas: 3 },
  'ignite.deployment.deleted': deployment,
  'ignite.deployment.build.created': { ...build, status: 'pending' },
  'ignite.deployment.build.started': build,
  'ignite.deployment.build.updated': { ...build, status: 'succeeded', duration_ms: 42_000 },
  'ignite.deployment.rollout.created': { ...rollout, state: 'pending' },
  'ignite.deployment.rollout.updated': rollout,
  'ignite.deployment.container.created': { ...container, state: 'pending' },
  'ignite.deployment.container.updated': container,
  'ignite.deployment.container.metrics_update': hopMetrics,
  'ignite.deployment.container.deleted': { ...container, state: 'exited', exit_code: 0 },
  'ignite.deployment.healthcheck.created': healthcheck,
  'ignite.deployment.healthcheck.updated': { ...healthcheck, interval_s: 60 },
  'ignite.deployment.healthcheck.deleted': { ...deployment, healthcheck_id: 'healthcheck_MTkz' },
  'ignite.deployment.healthcheck.events.failed': {
    ...probe,
    status_code: 503,
    message: 'Service Unavailable',
  },
  'ignite.deployment.healthcheck.events.succeeded': probe,
  'ignite.deployment.gateway.created': gateway,
  'ignite.deployment.gateway.updated': { ...gateway, target_port: 3000 },
  'ignite.deployment.gateway.deleted': { ...deployment, gateway_id: 'gateway_MTkz' },
  'project.updated': {
    project_id: deployment.project_id,
    name: 'Acme',
    tier: 'pro',
    region: 'us-east-1',
  },
  'project.member.created': member,
  'project.member.updated': { ...member, role: 'admin' },
  'project.member.deleted': member,
  'project.tokens.created': token,
  'project.tokens.deleted': token,
  'project.secrets.created': secret,
  'project.secrets.updated': secret,
  'project.secrets.deleted': secret,
  'project.finance.transaction': {
    project_id: deployment.project_id,
    id: 'txn_MTkz',
    amount: 1999,
    currency: 'USD',
    kind: 'charge',
  },
  'webhook.ping': { message: 'ping' },
  'webhook.disabled': { webhook_id: 'wh_MTkz', reason: 'deliveries failed' },
  'webhook.enabled': { webhook_id: 'wh_MTkz' },
  'delivery.dead': {
    webhook_id: 'wh_MTkz',
    delivery_id: 'dlv_MTkz',
    event_id: 'evt_MTkz',
    event_type: 'ignite.deployment.created',
    attempts: 6,
    last_error: 'HTTP 503',
  },
  'webhook.circuit_opened': {
    webhook_id: 'wh_MTkz',
    origin: 'https://hooks.example.com',
    reason: 'failures',
    failures: 5,
    opened_at: '2025-01-01T12:00:00.000Z',
    retry_at: '2025-01-01T12:00:30.000Z',
  },
  'webhook.circuit_closed': {
    webhook_id: 'wh_MTkz',
    origin: 'https://hooks.example.com',
    opened_at: '2025-01-01T12:00:00.000Z',
  },
  'webhook.throttled': {
    webhook_id: 'wh_MTkz',
    throttle_per_second: 10,
    held_until: '2025-01-01T12:00:02.300Z',
  },
  'webhook.verification_failed': {
    webhook_id: 'wh_MTkz',
    url: 'https://hooks.example.com/hookline',
    status: 200,
    error: 'the body did not echo the verification code',
  },
};
