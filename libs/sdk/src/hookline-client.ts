import type { EventData, EventType } from '@hookline/contracts';
import { HooklineApiError, HooklineConnectionError, type ApiErrorBody } from './errors';
import type {
  ApiKey,
  CreateWebhookOptions,
  Delivery,
  DeliveryFilters,
  DeliveryWithAttempts,
  EventTypeInfo,
  Page,
  Project,
  RotatedSecret,
  UpdateWebhookInput,
  Webhook,
} from './types';

export interface HooklineClientOptions {
  /** e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  /** A project API key (hlk_…); the admin token for `projects.create`. */
  apiKey?: string;
  adminToken?: string;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

type Query = Record<string, string | number | undefined>;

/** Typed client of the Hookline HTTP API. Errors are HooklineApiError (with the API's error body). */
export class HooklineClient {
  private readonly baseUrl: string;

  constructor(private readonly options: HooklineClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  readonly projects = {
    create: (name: string): Promise<Project> => this.request('POST', '/v1/projects', { body: { name }, token: this.options.adminToken }),
  };

  readonly apiKeys = {
    create: (name?: string): Promise<ApiKey & { key: string }> => this.request('POST', '/v1/api-keys', { body: name ? { name } : {} }),
    list: async (): Promise<ApiKey[]> => (await this.request<{ data: ApiKey[] }>('GET', '/v1/api-keys')).data,
    revoke: (id: string): Promise<void> => this.request('DELETE', `/v1/api-keys/${encodeURIComponent(id)}`),
  };

  readonly webhooks = {
    create: (url: string, events: string[], opts: CreateWebhookOptions = {}): Promise<Webhook & { secret: string }> =>
      this.request('POST', '/v1/webhooks', { body: { url, events, ...opts } }),
    get: (id: string): Promise<Webhook> => this.request('GET', `/v1/webhooks/${encodeURIComponent(id)}`),
    update: (id: string, patch: UpdateWebhookInput): Promise<Webhook> =>
      this.request('PATCH', `/v1/webhooks/${encodeURIComponent(id)}`, { body: patch }),
    delete: (id: string): Promise<void> => this.request('DELETE', `/v1/webhooks/${encodeURIComponent(id)}`),
    rotateSecret: (id: string, transitionHours = 24): Promise<RotatedSecret> =>
      this.request('POST', `/v1/webhooks/${encodeURIComponent(id)}/secret/rotate`, { body: { transition_hours: transitionHours } }),
    test: (id: string): Promise<Record<string, unknown>> => this.request('POST', `/v1/webhooks/${encodeURIComponent(id)}/test`, { body: {} }),
    page: (opts: { limit?: number; cursor?: string } = {}): Promise<Page<Webhook>> => this.request('GET', '/v1/webhooks', { query: opts }),
    /** Every webhook of the project, page by page: `for await (const w of client.webhooks.list())`. */
    list: (opts: { pageSize?: number } = {}): AsyncIterable<Webhook> => this.paginate((cursor) => this.webhooks.page({ limit: opts.pageSize, cursor })),
  };

  readonly eventTypes = {
    list: async (): Promise<EventTypeInfo[]> => (await this.request<{ data: EventTypeInfo[] }>('GET', '/v1/event-types')).data,
  };

  readonly events = {
    publish: <T extends EventType>(type: T, data: EventData<T>, opts: { id?: string; occurredAt?: string } = {}): Promise<{ id: string }> =>
      this.request('POST', '/v1/events', { body: { event: type, data, ...(opts.id ? { id: opts.id } : {}), ...(opts.occurredAt ? { occurred_at: opts.occurredAt } : {}) } }),
  };

  readonly deliveries = {
    page: (webhookId: string, filters: DeliveryFilters = {}): Promise<Page<Delivery>> =>
      this.request('GET', `/v1/webhooks/${encodeURIComponent(webhookId)}/deliveries`, { query: { ...filters } }),
    list: (webhookId: string, filters: Omit<DeliveryFilters, 'cursor'> = {}): AsyncIterable<Delivery> =>
      this.paginate((cursor) => this.deliveries.page(webhookId, { ...filters, cursor })),
    get: (id: string): Promise<DeliveryWithAttempts> => this.request('GET', `/v1/deliveries/${encodeURIComponent(id)}`),
    redeliver: (id: string): Promise<Record<string, unknown>> => this.request('POST', `/v1/deliveries/${encodeURIComponent(id)}/redeliver`, { body: {} }),
  };

  private async *paginate<T>(fetchPage: (cursor?: string) => Promise<Page<T>>): AsyncIterable<T> {
    let cursor: string | undefined;
    do {
      const page = await fetchPage(cursor);
      yield* page.data;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  private async request<T>(method: string, path: string, opts: { body?: unknown; query?: Query; token?: string } = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = opts.token ?? this.options.apiKey;
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (e) {
      throw new HooklineConnectionError(this.baseUrl, e);
    }
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) throw new HooklineApiError(res.status, parsed as ApiErrorBody | undefined);
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
