// Generated from the event catalog of libs/contracts by
// libs/signing/scripts/generate-event-types.ts; do not edit by hand.

/** Every event type Hookline delivers. */
export const EVENT_TYPES = [
  'ignite.deployment.created',
  'ignite.deployment.updated',
  'ignite.deployment.deleted',
  'ignite.deployment.build.created',
  'ignite.deployment.build.started',
  'ignite.deployment.build.updated',
  'ignite.deployment.rollout.created',
  'ignite.deployment.rollout.updated',
  'ignite.deployment.container.created',
  'ignite.deployment.container.updated',
  'ignite.deployment.container.metrics_update',
  'ignite.deployment.container.deleted',
  'ignite.deployment.healthcheck.created',
  'ignite.deployment.healthcheck.updated',
  'ignite.deployment.healthcheck.deleted',
  'ignite.deployment.healthcheck.events.failed',
  'ignite.deployment.healthcheck.events.succeeded',
  'ignite.deployment.gateway.created',
  'ignite.deployment.gateway.updated',
  'ignite.deployment.gateway.deleted',
  'project.updated',
  'project.member.created',
  'project.member.updated',
  'project.member.deleted',
  'project.tokens.created',
  'project.tokens.deleted',
  'project.secrets.created',
  'project.secrets.updated',
  'project.secrets.deleted',
  'project.finance.transaction',
  'webhook.ping',
  'webhook.disabled',
  'webhook.enabled',
  'delivery.dead',
  'webhook.circuit_opened',
  'webhook.circuit_closed',
  'webhook.throttled',
  'webhook.verification_failed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** The `data` of each event type. */
export interface EventDataMap {
  /** A deployment was created. */
  'ignite.deployment.created': {
    deployment_id?: string;
    project_id?: string;
    name: string;
    image: string;
    region: string;
    replicas: number;
    cpu_cores: number;
    memory_mb: number;
  };
  /** A deployment changed its configuration. */
  'ignite.deployment.updated': {
    deployment_id?: string;
    project_id?: string;
    name: string;
    image: string;
    region: string;
    replicas: number;
    cpu_cores: number;
    memory_mb: number;
  };
  /** A deployment was deleted. */
  'ignite.deployment.deleted': {
    deployment_id?: string;
    project_id?: string;
  };
  /** A build of a deployment was queued. */
  'ignite.deployment.build.created': {
    deployment_id?: string;
    project_id?: string;
    build_id: string;
    status: 'pending' | 'building' | 'succeeded' | 'failed' | 'cancelled';
    git_sha?: string;
    duration_ms?: number;
  };
  /** A build of a deployment started. */
  'ignite.deployment.build.started': {
    deployment_id?: string;
    project_id?: string;
    build_id: string;
    status: 'pending' | 'building' | 'succeeded' | 'failed' | 'cancelled';
    git_sha?: string;
    duration_ms?: number;
  };
  /** A build changed status. */
  'ignite.deployment.build.updated': {
    deployment_id?: string;
    project_id?: string;
    build_id: string;
    status: 'pending' | 'building' | 'succeeded' | 'failed' | 'cancelled';
    git_sha?: string;
    duration_ms?: number;
  };
  /** A rollout of a new version began. */
  'ignite.deployment.rollout.created': {
    deployment_id?: string;
    project_id?: string;
    rollout_id: string;
    version: number;
    state: 'pending' | 'in_progress' | 'finished' | 'failed' | 'rolled_back';
    reason?: string;
  };
  /** A rollout changed state. */
  'ignite.deployment.rollout.updated': {
    deployment_id?: string;
    project_id?: string;
    rollout_id: string;
    version: number;
    state: 'pending' | 'in_progress' | 'finished' | 'failed' | 'rolled_back';
    reason?: string;
  };
  /** A container was scheduled. */
  'ignite.deployment.container.created': {
    deployment_id?: string;
    project_id?: string;
    container_id: string;
    state: 'pending' | 'running' | 'stopped' | 'exited' | 'crashed';
    region: string;
    exit_code?: number;
  };
  /** A container changed state. */
  'ignite.deployment.container.updated': {
    deployment_id?: string;
    project_id?: string;
    container_id: string;
    state: 'pending' | 'running' | 'stopped' | 'exited' | 'crashed';
    region: string;
    exit_code?: number;
  };
  /** A container's resource usage was sampled. */
  'ignite.deployment.container.metrics_update': {
    deployment_id?: string;
    project_id?: string;
    container_id: string;
    metrics: {
      memory_usage_percent: number | string;
      memory_usage_bytes: number;
      cpu_usage_percent: number | string;
      network_rx_bytes?: number;
      network_tx_bytes?: number;
    };
  };
  /** A container was removed. */
  'ignite.deployment.container.deleted': {
    deployment_id?: string;
    project_id?: string;
    container_id: string;
    state: 'pending' | 'running' | 'stopped' | 'exited' | 'crashed';
    region: string;
    exit_code?: number;
  };
  /** A health check was added. */
  'ignite.deployment.healthcheck.created': {
    deployment_id?: string;
    project_id?: string;
    healthcheck_id: string;
    protocol: 'http' | 'tcp';
    path?: string;
    port: number;
    interval_s: number;
    timeout_s: number;
  };
  /** A health check changed. */
  'ignite.deployment.healthcheck.updated': {
    deployment_id?: string;
    project_id?: string;
    healthcheck_id: string;
    protocol: 'http' | 'tcp';
    path?: string;
    port: number;
    interval_s: number;
    timeout_s: number;
  };
  /** A health check was removed. */
  'ignite.deployment.healthcheck.deleted': {
    deployment_id?: string;
    project_id?: string;
    healthcheck_id: string;
  };
  /** A health check probe failed. */
  'ignite.deployment.healthcheck.events.failed': {
    deployment_id?: string;
    project_id?: string;
    healthcheck_id: string;
    container_id: string;
    status_code?: number;
    latency_ms: number;
    message?: string;
  };
  /** A health check probe succeeded. */
  'ignite.deployment.healthcheck.events.succeeded': {
    deployment_id?: string;
    project_id?: string;
    healthcheck_id: string;
    container_id: string;
    status_code?: number;
    latency_ms: number;
    message?: string;
  };
  /** A gateway was exposed. */
  'ignite.deployment.gateway.created': {
    deployment_id?: string;
    project_id?: string;
    gateway_id: string;
    protocol: 'http' | 'tcp' | 'udp';
    target_port: number;
    hostname?: string;
  };
  /** A gateway changed. */
  'ignite.deployment.gateway.updated': {
    deployment_id?: string;
    project_id?: string;
    gateway_id: string;
    protocol: 'http' | 'tcp' | 'udp';
    target_port: number;
    hostname?: string;
  };
  /** A gateway was removed. */
  'ignite.deployment.gateway.deleted': {
    deployment_id?: string;
    project_id?: string;
    gateway_id: string;
  };
  /** A project's settings changed. */
  'project.updated': {
    project_id: string;
    name: string;
    tier: 'free' | 'hobby' | 'pro' | 'enterprise';
    region: string;
  };
  /** A member joined the project. */
  'project.member.created': {
    project_id: string;
    user_id: string;
    email: string;
    role: 'owner' | 'admin' | 'developer' | 'viewer';
  };
  /** A member's role changed. */
  'project.member.updated': {
    project_id: string;
    user_id: string;
    email: string;
    role: 'owner' | 'admin' | 'developer' | 'viewer';
  };
  /** A member left the project. */
  'project.member.deleted': {
    project_id: string;
    user_id: string;
    email: string;
    role: 'owner' | 'admin' | 'developer' | 'viewer';
  };
  /** An access token was created. */
  'project.tokens.created': {
    project_id: string;
    token_id: string;
    name: string;
    created_by: string;
    expires_at?: string | null;
  };
  /** An access token was revoked. */
  'project.tokens.deleted': {
    project_id: string;
    token_id: string;
    name: string;
    created_by: string;
    expires_at?: string | null;
  };
  /** A secret was added. */
  'project.secrets.created': {
    project_id: string;
    secret_id: string;
    name: string;
    deployment_ids?: string[];
  };
  /** A secret was changed. */
  'project.secrets.updated': {
    project_id: string;
    secret_id: string;
    name: string;
    deployment_ids?: string[];
  };
  /** A secret was removed. */
  'project.secrets.deleted': {
    project_id: string;
    secret_id: string;
    name: string;
    deployment_ids?: string[];
  };
  /** A financial transaction (charge, refund, credit or payout) was recorded. */
  'project.finance.transaction': {
    project_id: string;
    id: string;
    amount: number;
    currency: string;
    kind: 'charge' | 'refund' | 'credit' | 'payout';
    description?: string;
  };
  /** A test event sent on request to check an endpoint. */
  'webhook.ping': {
    message: string;
  };
  /** A webhook was disabled, by a person or after failed deliveries. */
  'webhook.disabled': {
    webhook_id: string;
    reason: string;
  };
  /** A disabled webhook was enabled again. */
  'webhook.enabled': {
    webhook_id: string;
  };
  /** A delivery exhausted its retries and went to the dead-letter topic. */
  'delivery.dead': {
    webhook_id: string;
    delivery_id: string;
    event_id: string;
    event_type: string;
    attempts: number;
    last_error: string;
  };
  /** The circuit breaker of a webhook's endpoint (its URL) opened, after `failures` failed attempts in a row or because it stalled (every connection to it hung, `reason`): no attempt goes to that endpoint until retry_at; other endpoints on the same origin are not concerned. */
  'webhook.circuit_opened': {
    webhook_id: string;
    origin: string;
    reason: 'failures' | 'stalled';
    failures: number;
    opened_at: string;
    retry_at: string;
  };
  /** The circuit breaker of a webhook's endpoint (its URL) closed: a probe succeeded and attempts go again. */
  'webhook.circuit_closed': {
    webhook_id: string;
    origin: string;
    opened_at: string | null;
  };
  /** A webhook's throttle_per_second began holding a backlog: deliveries over the rate wait for their send slot. */
  'webhook.throttled': {
    webhook_id: string;
    throttle_per_second: number;
    held_until: string;
  };
  /** A webhook's endpoint verification handshake failed: a pending webhook stays pending, an active one stays active. */
  'webhook.verification_failed': {
    webhook_id: string;
    url: string;
    status: number | null;
    error: string;
  };
}

export type EventData<T extends EventType> = EventDataMap[T];
