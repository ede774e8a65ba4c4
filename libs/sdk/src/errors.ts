export interface ApiErrorBody {
  error: { code: string; message: string; details: { field: string; message: string }[] };
}

/** An answer other than 2xx, carrying the API's error body. */
export class HooklineApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
  ) {
    super(body?.error ? `${status} ${body.error.code}: ${body.error.message}` : `HTTP ${status}`);
    this.name = 'HooklineApiError';
  }

  get code(): string | undefined {
    return this.body?.error.code;
  }

  get details(): { field: string; message: string }[] {
    return this.body?.error.details ?? [];
  }
}

/** The API could not be reached at all. */
export class HooklineConnectionError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach ${url}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'HooklineConnectionError';
  }
}
