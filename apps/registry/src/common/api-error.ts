import { HttpStatus } from '@nestjs/common';
import type { ZodError } from 'zod';

export interface ErrorDetail {
  field: string;
  message: string;
}

/** Seconds a client is told to wait while a dependency (Postgres, Kafka) is unreachable. */
const DEPENDENCY_RETRY_AFTER_S = 5;

/**
 * An error answered as `{error: {code, message, details[]}}`. Services throw it; the global
 * filter writes it. `details` names each bad field.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The body every error is answered with. */
  toBody() {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }

  static badRequest(message: string, details: ErrorDetail[] = []) {
    return new ApiError(HttpStatus.BAD_REQUEST, 'invalid_request', message, details);
  }

  static notFound(what: string) {
    return new ApiError(HttpStatus.NOT_FOUND, 'not_found', `${what} not found`);
  }

  static unauthorized(message = 'missing or invalid API key') {
    return new ApiError(HttpStatus.UNAUTHORIZED, 'unauthorized', message);
  }

  static conflict(message: string) {
    return new ApiError(HttpStatus.CONFLICT, 'conflict', message);
  }

  /** 503: a dependency (Postgres, Kafka) is unreachable; the client may try again after a while. */
  static unavailable(message: string, retryAfterSeconds = DEPENDENCY_RETRY_AFTER_S) {
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'unavailable', message, [], {
      'retry-after': String(retryAfterSeconds),
    });
  }

  /** 429: a limit of the project or the client; `headers` carries Retry-After and RateLimit-*. */
  static tooManyRequests(message: string, headers: Record<string, string>) {
    return new ApiError(HttpStatus.TOO_MANY_REQUESTS, 'rate_limited', message, [], headers);
  }

  static fromZod(error: ZodError, where: 'body' | 'query' = 'body') {
    const details = error.issues.flatMap((issue) => {
      const path = fieldPath(issue.path);
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({
          field: path ? `${path}.${key}` : key,
          message: 'unknown field',
        }));
      }
      return [{ field: path || where, message: issue.message }];
    });
    return ApiError.badRequest(
      `invalid ${where}: ${details.map((d) => d.field).join(', ')}`,
      details,
    );
  }
}

/** `data.items[2].name` for `['data', 'items', 2, 'name']`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) =>
      typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
    '',
  );
}
