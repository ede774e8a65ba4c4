import type {
  ApiKeyScope,
  AttemptResource,
  CircuitResource,
  DeliveryBatch,
  DeliveryResource,
  DeliveryStatus as ContractDeliveryStatus,
  PublishedEventResource,
  RecoveryResource,
  EndpointVerification,
  EventData,
  EventType,
  EventTypeState,
  PayloadFormat,
  SignatureScheme,
} from '@hookline/contracts';

export interface Webhook {
  id: string;
  project_id: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  signature_scheme: SignatureScheme;
  /** The signature header's own name (single-signature schemes); null: the scheme's. */
  signature_header: string | null;
  format: PayloadFormat;
  /** Events gathered into one POST of `{type: "messages", messages}`; null: one by one. */
  batch: DeliveryBatch | null;
  /** Deliveries per second the endpoint receives at most; null: no limit. */
  throttle_per_second: number | null;
  /** The webhook's own retry delays in ms; null: the platform's schedule. */
  retry_schedule: number[] | null;
  /** Consecutive failed deliveries that disable the webhook (0: never); null: the platform's. */
  disable_after_failed_deliveries: number | null;
  /** Request headers sent on every attempt. */
  headers: Record<string, string> | null;
  /** The circuit breaker of the webhook's endpoint URL; in the answer of get only. */
  circuit?: CircuitResource;
  /** The endpoint's handshake; until it passes the webhook is inactive (`pending_verification`). */
  verification: EndpointVerification | null;
  /** Only in the answers of create and rotate. */
  secret?: string;
  old_secret_expires_at: string | null;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  updated_by: string | null;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface CreateWebhookOptions {
  description?: string | null;
  active?: boolean;
  signature_scheme?: SignatureScheme;
  signature_header?: string | null;
  format?: PayloadFormat;
  batch?: DeliveryBatch | null;
  throttle_per_second?: number | null;
  retry_schedule?: number[] | null;
  disable_after_failed_deliveries?: number | null;
  headers?: Record<string, string> | null;
  /** Your own secret (length and entropy checked); otherwise one is generated. */
  secret?: string;
  verification?: EndpointVerification | null;
  verify?: boolean;
}

export interface UpdateWebhookInput {
  url?: string;
  events?: string[];
  description?: string | null;
  active?: boolean;
  signature_header?: string | null;
  format?: PayloadFormat;
  batch?: DeliveryBatch | null;
  throttle_per_second?: number | null;
  retry_schedule?: number[] | null;
  disable_after_failed_deliveries?: number | null;
  headers?: Record<string, string> | null;
}

export interface RotatedSecret {
  secret: string;
  old_secret_expires_at: string | null;
  webhook: Webhook;
}

/** An event type as the API lists it: its catalog state, and whether only Hookline emits it. */
export type EventTypeInfo = EventTypeState & {
  /** Emitted by Hookline only: subscribable, never publishable. */
  platform: boolean;
};

export interface CreateEventTypeInput {
  name: string;
  description: string;
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
}

export interface UpdateEventTypeInput {
  description?: string;
  schema?: Record<string, unknown>;
  example?: Record<string, unknown>;
  deprecated?: boolean;
}

export interface ApiKey {
  id: string;
  project_id: string;
  name: string | null;
  key_prefix: string;
  /** `full`: every route; `read`: GET routes only (writes answer 403). */
  scope: ApiKeyScope;
  /** Refused (401) from then on; null: never expires. */
  expires_at: string | null;
  created_at: string;
  created_by: string | null;
  revoked_at: string | null;
  /** Only in the answer of create. */
  key?: string;
}

/** A new key: its name, scope (default `full`) and expiry (default never). */
export interface CreateApiKeyOptions {
  name?: string;
  scope?: ApiKeyScope;
  /** An ISO 8601 time or a Date, in the future. */
  expiresAt?: string | Date;
}

export interface Project {
  id: string;
  name: string;
  created_at: string;
  api_key: string;
  api_key_id: string;
}

/** The delivery log's shapes are the API's contract, declared once in @hookline/contracts. */
export type DeliveryStatus = ContractDeliveryStatus;
export type Delivery = DeliveryResource;
export type DeliveryAttempt = AttemptResource;

export interface DeliveryWithAttempts extends Delivery {
  attempts_log: DeliveryAttempt[];
  event?: Record<string, unknown>;
}

/** The answer of `webhooks.test`: the ping's attempt, or `pending` if it had not finished in time. */
export interface TestResult {
  delivery_id: string;
  event_id: string;
  status: DeliveryStatus;
  response_status: number | null;
  response_body: string | null;
  duration_ms: number | null;
  error_class: string | null;
  error: string | null;
}

/** A console link for one project (`POST /v1/portal-sessions`). */
export interface PortalSession {
  id: string;
  project_id: string;
  read_only: boolean;
  expires_at: string;
}

export interface CreatePortalSessionInput {
  /** 1 h by default, 24 h at most. */
  ttl_seconds?: number;
  read_only?: boolean;
  /** With the admin token: the project the link opens. */
  project_id?: string;
}

export interface Redelivery {
  delivery_id: string;
  attempt: number;
  status: 'queued';
}

export interface DeliveryFilters {
  status?: DeliveryStatus;
  /** An event type, or one event's id (`evt_…`). */
  event?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export type PublishableEvent<T extends EventType> = { type: T; data: EventData<T> };

/** Charts' data: `stats.webhook`, `stats.project` (see `STATS_WINDOWS` in @hookline/contracts). */
export type {
  ProjectStatsResource as ProjectStats,
  StatsResource as Stats,
  StatsWindow,
} from '@hookline/contracts';

/** A project as the operator lists it (no key). */
export interface ProjectSummary {
  id: string;
  name: string;
  created_at: string;
}

export interface VerificationResult {
  passed: boolean;
  /** The endpoint's answer, null when none came. */
  status: number | null;
  error: string | null;
  webhook: Webhook;
}

/** Who is mailed about the project's webhooks: `notifications.get`, `notifications.set`. */
export interface NotificationSettings {
  emails: string[];
  /** Operational event types that mail them (`delivery.dead` as an hourly digest). */
  events: string[];
  /** False when the deployment has no SMTP server configured: nothing is mailed. */
  mail_enabled: boolean;
}

/** A recovery or bulk redelivery and its progress (see RecoveryResource in @hookline/contracts). */
export type Recovery = RecoveryResource;
/** An event as `GET /v1/events` lists it (no payload). */
export type PublishedEvent = PublishedEventResource;

/** `POST /v1/webhooks/{id}/recover`: the window of deliveries; `until` defaults to now. */
export interface RecoverWindow {
  since: string;
  until?: string;
}

/** `POST /v1/deliveries/redeliver`: which deliveries to send again. */
export interface BulkRedeliverFilter extends RecoverWindow {
  status: 'failed' | 'skipped' | 'succeeded';
  webhook_id?: string;
  event_type?: string;
}

export interface EventFilters {
  /** An exact event type. */
  type?: string;
  /** Occurred at or after / before (ISO). */
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}
