export interface ApiErrorDetail {
  field: string;
  message: string;
}

/** The body of every error answer of the API. */
export interface ApiErrorBody {
  error: { code: string; message: string; details: ApiErrorDetail[] };
}

/** An answer other than 2xx, carrying the API's error body (`code`, `message`, `details` naming each bad field). */
export class HooklineApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
    /** The answer's `x-request-id`, to find the request in the registry's logs. */
    readonly requestId?: string,
  ) {
    super(body?.error ? `${status} ${body.error.code}: ${body.error.message}` : `HTTP ${status}`);
    this.name = 'HooklineApiError';
  }

  get code(): string | undefined {
    return this.body?.error.code;
  }

  get details(): ApiErrorDetail[] {
    return this.body?.error.details ?? [];
  }
}

/** The API could not be reached at all (refused, timed out, cut off). */
export class HooklineConnectionError extends Error {
  constructor(
    readonly url: string,
    override readonly cause: unknown,
  ) {
    super(`cannot reach ${url}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'HooklineConnectionError';
  }
}
