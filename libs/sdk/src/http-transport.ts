import { HooklineApiError, HooklineConnectionError, type ApiErrorBody } from './errors';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  /** Bearer token of this call instead of the client's API key (the admin token of projects.create). */
  token?: string;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  timeoutMs?: number;
  /** The fetch to use (default: the platform's global fetch). */
  fetch?: typeof fetch;
}

/** JSON over HTTP with a bearer token; any non-2xx answer becomes a HooklineApiError. */
export class HttpTransport {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = opts.token ?? this.options.apiKey;
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await this.fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      text = await res.text();
    } catch (e) {
      throw new HooklineConnectionError(this.baseUrl, e);
    }
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok)
      throw new HooklineApiError(
        res.status,
        asErrorBody(parsed),
        res.headers.get('x-request-id') ?? undefined,
      );
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

/** The answer's error body when it has the API's shape (a proxy in between may answer HTML). */
function asErrorBody(value: unknown): ApiErrorBody | undefined {
  const error = (value as ApiErrorBody | undefined)?.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string')
    return undefined;
  return {
    error: {
      code: error.code,
      message: error.message,
      details: Array.isArray(error.details) ? error.details : [],
    },
  };
}
