import type { EventData, EventType } from '@hookline/contracts';
import { HttpTransport } from './http-transport';
import { PageIterator } from './page-iterator';
import type {
  ApiKey,
  BulkRedeliverFilter,
  CreateApiKeyOptions,
  CreateWebhookOptions,
  EventFilters,
  PublishedEvent,
  Recovery,
  RecoverWindow,
  Delivery,
  DeliveryFilters,
  DeliveryWithAttempts,
  CreateEventTypeInput,
  EventTypeInfo,
  UpdateEventTypeInput,
  NotificationSettings,
  Page,
  Project,
  ProjectStats,
  ProjectSummary,
  PortalSession,
  Stats,
  StatsWindow,
  CreatePortalSessionInput,
  Redelivery,
  RotatedSecret,
  TestResult,
  VerificationResult,
  UpdateWebhookInput,
  Webhook,
} from './types';
import { ingestRequest, type PublishOptions } from './ingest-request';

export interface HooklineClientOptions {
  /** e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  /** A project API key (hlk_…). */
  apiKey?: string;
  /** HOOKLINE_ADMIN_TOKEN, for `projects.create` (or pass it to that call). */
  adminToken?: string;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** The fetch to use (default: the platform's global fetch, i.e. undici on Node). */
  fetch?: typeof fetch;
}

const seg = encodeURIComponent;

/** The body of a new key: only the fields given (the API refuses unknown ones). */
function apiKeyBody(opts: CreateApiKeyOptions): Record<string, string> {
  const body: Record<string, string> = {};
  if (opts.name) body.name = opts.name;
  if (opts.scope) body.scope = opts.scope;
  if (opts.expiresAt)
    body.expires_at =
      opts.expiresAt instanceof Date ? opts.expiresAt.toISOString() : opts.expiresAt;
  return body;
}

/**
 * Typed client of the Hookline HTTP API. A non-2xx answer throws HooklineApiError (status and the
 * API's error body); an unreachable API throws HooklineConnectionError. Lists are PageIterators:
 * `for await (const w of client.webhooks.list())` walks every page.
 */
export class HooklineClient {
  private readonly http: HttpTransport;

  constructor(private readonly options: HooklineClientOptions) {
    this.http = new HttpTransport(options);
  }

  readonly projects = {
    /** A project and its first API key (`api_key`, shown once). Needs the admin token. */
    create: (name: string, opts: { adminToken?: string } = {}): Promise<Project> =>
      this.http.request('POST', '/v1/projects', {
        body: { name },
        token: opts.adminToken ?? this.options.adminToken,
      }),
    /** One page of every project (admin token). */
    page: (
      opts: { limit?: number; cursor?: string; adminToken?: string } = {},
    ): Promise<Page<ProjectSummary>> =>
      this.http.request('GET', '/v1/projects', {
        query: { limit: opts.limit, cursor: opts.cursor },
        token: opts.adminToken ?? this.options.adminToken,
      }),
    /** Every project, page by page (admin token). */
    list: (opts: { pageSize?: number; adminToken?: string } = {}): PageIterator<ProjectSummary> =>
      new PageIterator((cursor) =>
        this.projects.page({ limit: opts.pageSize, cursor, adminToken: opts.adminToken }),
      ),
    /** A new API key of a project (admin token); the answer's `key` is shown once. */
    createKey: (
      projectId: string,
      opts: CreateApiKeyOptions & { adminToken?: string } = {},
    ): Promise<ApiKey & { key: string }> =>
      this.http.request('POST', `/v1/projects/${seg(projectId)}/api-keys`, {
        body: apiKeyBody(opts),
        token: opts.adminToken ?? this.options.adminToken,
      }),
  };

  readonly stats = {
    /** A webhook's attempts per step by outcome and latency p50/p99 (window `1h` or `24h`). */
    webhook: (webhookId: string, window: StatsWindow = '1h'): Promise<Stats> =>
      this.http.request('GET', `/v1/webhooks/${seg(webhookId)}/stats`, { query: { window } }),
    /** The project's, with each webhook's totals (last attempt, success rate). */
    project: (window: StatsWindow = '1h'): Promise<ProjectStats> =>
      this.http.request('GET', '/v1/stats', { query: { window } }),
  };

  readonly apiKeys = {
    /**
     * The answer's `key` is the only time the secret is shown. A name, or options: `scope` (`read`
     * keys may only read) and `expiresAt`.
     */
    create: (opts: string | CreateApiKeyOptions = {}): Promise<ApiKey & { key: string }> =>
      this.http.request('POST', '/v1/api-keys', {
        body: apiKeyBody(typeof opts === 'string' ? { name: opts } : opts),
      }),
    list: async (): Promise<ApiKey[]> =>
      (await this.http.request<{ data: ApiKey[] }>('GET', '/v1/api-keys')).data,
    /** Refused at once by the API from then on. */
    revoke: (id: string): Promise<void> => this.http.request('DELETE', `/v1/api-keys/${seg(id)}`),
  };

  readonly webhooks = {
    /** The answer carries `secret` (whsec_…): keep it, it is not shown again. */
    create: (
      url: string,
      events: string[],
      opts: CreateWebhookOptions = {},
    ): Promise<Webhook & { secret: string }> =>
      this.http.request('POST', '/v1/webhooks', { body: { url, events, ...opts } }),
    get: (id: string): Promise<Webhook> => this.http.request('GET', `/v1/webhooks/${seg(id)}`),
    /** Re-enable a disabled webhook with `{ active: true }`. */
    update: (id: string, patch: UpdateWebhookInput): Promise<Webhook> =>
      this.http.request('PATCH', `/v1/webhooks/${seg(id)}`, { body: patch }),
    delete: (id: string): Promise<void> => this.http.request('DELETE', `/v1/webhooks/${seg(id)}`),
    /**
     * A new secret (generated, or `secret` when given); the old one keeps signing for
     * `transitionHours` (0 to 24).
     */
    rotateSecret: (id: string, transitionHours = 24, secret?: string): Promise<RotatedSecret> =>
      this.http.request('POST', `/v1/webhooks/${seg(id)}/secret/rotate`, {
        body: { transition_hours: transitionHours, ...(secret === undefined ? {} : { secret }) },
      }),
    /** Runs the endpoint's verification handshake again; a pass activates a pending webhook. */
    verify: (id: string): Promise<VerificationResult> =>
      this.http.request('POST', `/v1/webhooks/${seg(id)}/verify`, { body: {} }),
    /** Sends `webhook.ping` now and answers with the attempt's result. */
    test: (id: string): Promise<TestResult> =>
      this.http.request('POST', `/v1/webhooks/${seg(id)}/test`, { body: {} }),
    /** One page. */
    page: (opts: { limit?: number; cursor?: string } = {}): Promise<Page<Webhook>> =>
      this.http.request('GET', '/v1/webhooks', { query: opts }),
    /** Every webhook of the project, page by page. */
    list: (opts: { pageSize?: number } = {}): PageIterator<Webhook> =>
      new PageIterator((cursor) => this.webhooks.page({ limit: opts.pageSize, cursor })),
  };

  readonly eventTypes = {
    list: async (): Promise<EventTypeInfo[]> =>
      (await this.http.request<{ data: EventTypeInfo[] }>('GET', '/v1/event-types')).data,
    get: (name: string): Promise<EventTypeInfo> =>
      this.http.request('GET', `/v1/event-types/${seg(name)}`),
    /** Needs the admin token; the example must fit the schema. */
    create: (
      input: CreateEventTypeInput,
      opts: { adminToken?: string } = {},
    ): Promise<EventTypeInfo> =>
      this.http.request('POST', '/v1/event-types', {
        body: input,
        token: opts.adminToken ?? this.options.adminToken,
      }),
    /** Needs the admin token; `{ deprecated: true }` deprecates. Raises the version. */
    update: (
      name: string,
      patch: UpdateEventTypeInput,
      opts: { adminToken?: string } = {},
    ): Promise<EventTypeInfo> =>
      this.http.request('PATCH', `/v1/event-types/${seg(name)}`, {
        body: patch,
        token: opts.adminToken ?? this.options.adminToken,
      }),
  };

  readonly events = {
    /** 202 once Kafka has it; the same `id` again is accepted and published once. */
    publish: <T extends EventType>(
      type: T,
      data: EventData<T>,
      opts: PublishOptions = {},
    ): Promise<{ id: string }> =>
      this.http.request('POST', '/v1/events', { body: ingestRequest(type, data, opts) }),
    /** One page of the project's published events (those that matched a webhook), newest first. */
    page: (filters: EventFilters = {}): Promise<Page<PublishedEvent>> =>
      this.http.request('GET', '/v1/events', { query: { ...filters } }),
    list: (filters: Omit<EventFilters, 'cursor'> = {}): PageIterator<PublishedEvent> =>
      new PageIterator((cursor) => this.events.page({ ...filters, cursor })),
    /** Which webhooks got the event, and how each delivery went. */
    deliveries: (
      eventId: string,
      opts: { limit?: number; cursor?: string } = {},
    ): Promise<Page<Delivery>> =>
      this.http.request('GET', `/v1/events/${seg(eventId)}/deliveries`, { query: { ...opts } }),
  };

  readonly recoveries = {
    /**
     * Re-sends the webhook's failed and skipped deliveries of the window, in event order, each
     * once; asking again with the same window answers the same recovery.
     */
    recover: (webhookId: string, window: RecoverWindow): Promise<Recovery> =>
      this.http.request('POST', `/v1/webhooks/${seg(webhookId)}/recover`, { body: window }),
    /** Re-sends the deliveries a filter selects, as a recovery. */
    redeliver: (filter: BulkRedeliverFilter): Promise<Recovery> =>
      this.http.request('POST', '/v1/deliveries/redeliver', { body: filter }),
    /** A recovery's progress. */
    get: (id: string): Promise<Recovery> => this.http.request('GET', `/v1/recoveries/${seg(id)}`),
  };

  readonly portalSessions = {
    /**
     * A link that opens the console signed in to one project; its token is in `url` only, shown
     * once. Made with a project key, or with the admin token and `project_id`.
     */
    create: (
      input: CreatePortalSessionInput = {},
      opts: { adminToken?: string } = {},
    ): Promise<PortalSession & { url: string }> =>
      this.http.request('POST', '/v1/portal-sessions', {
        body: input,
        token: opts.adminToken ?? (input.project_id ? this.options.adminToken : undefined),
      }),
    /** The link the client's token belongs to (a client made with a portal token). */
    current: (): Promise<PortalSession> => this.http.request('GET', '/v1/portal-sessions/current'),
    /** Refused at once from then on. */
    revoke: (id: string, opts: { adminToken?: string } = {}): Promise<void> =>
      this.http.request('DELETE', `/v1/portal-sessions/${seg(id)}`, {
        token: opts.adminToken,
      }),
  };

  readonly notifications = {
    /** The project's notification addresses and the events that mail them. */
    get: (): Promise<NotificationSettings> => this.http.request('GET', '/v1/notifications'),
    /** Replaces the addresses; `events` defaults to webhook.disabled and the delivery.dead digest. */
    set: (emails: string[], events?: string[]): Promise<NotificationSettings> =>
      this.http.request('PUT', '/v1/notifications', {
        body: events === undefined ? { emails } : { emails, events },
      }),
  };

  readonly deliveries = {
    /** One page of a webhook's deliveries, newest first. */
    page: (webhookId: string, filters: DeliveryFilters = {}): Promise<Page<Delivery>> =>
      this.http.request('GET', `/v1/webhooks/${seg(webhookId)}/deliveries`, {
        query: { ...filters },
      }),
    list: (
      webhookId: string,
      filters: Omit<DeliveryFilters, 'cursor'> = {},
    ): PageIterator<Delivery> =>
      new PageIterator((cursor) => this.deliveries.page(webhookId, { ...filters, cursor })),
    /** One page of the project's deliveries (every webhook), newest first. */
    projectPage: (filters: DeliveryFilters = {}): Promise<Page<Delivery>> =>
      this.http.request('GET', '/v1/deliveries', { query: { ...filters } }),
    projectList: (filters: Omit<DeliveryFilters, 'cursor'> = {}): PageIterator<Delivery> =>
      new PageIterator((cursor) => this.deliveries.projectPage({ ...filters, cursor })),
    /** The delivery with every attempt. */
    get: (id: string): Promise<DeliveryWithAttempts> =>
      this.http.request('GET', `/v1/deliveries/${seg(id)}`),
    /** A new attempt now, whatever the delivery's state. */
    redeliver: (id: string): Promise<Redelivery> =>
      this.http.request('POST', `/v1/deliveries/${seg(id)}/redeliver`, { body: {} }),
  };
}
