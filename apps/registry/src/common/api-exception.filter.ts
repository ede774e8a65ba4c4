import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import { ApiError } from './api-error';

/** An error Fastify raised itself (body too large, bad URL, bad Content-Length, …). */
interface FastifyError extends Error {
  code?: string;
  statusCode?: number;
}

/** Writes every error as `{error: {code, message, details[]}}`; bad input never becomes a 500. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.write(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception);
  }

  write(req: FastifyRequest, reply: FastifyReply, exception: unknown): void {
    const error = this.toApiError(exception);
    if (error.status >= 500)
      this.log.error({ err: exception, requestId: req.id, path: req.url }, 'request failed');
    if (reply.sent) return;
    void reply.code(error.status).headers(error.headers).send(error.toBody());
  }

  toApiError(exception: unknown): ApiError {
    if (exception instanceof ApiError) return exception;
    if (exception instanceof ZodError) return ApiError.fromZod(exception);
    // Every credentialed route reads or writes Postgres; while it is unreachable the request can
    // succeed later, so the client is told when to try again instead of getting a 500.
    if (isDatabaseUnavailable(exception))
      return ApiError.unavailable('the database is unavailable; try again shortly');
    // Fastify's own refusals (body too large, unsupported type, bad URL or Content-Length) reach
    // here as HttpExceptions made by Nest of their status and message.
    const status =
      exception instanceof HttpException
        ? exception.getStatus()
        : (exception as FastifyError)?.code?.startsWith('FST_')
          ? (exception as FastifyError).statusCode
          : undefined;
    if (status === 413)
      return new ApiError(413, 'payload_too_large', 'the body is larger than 256 KiB');
    if (status === 415)
      return new ApiError(
        415,
        'unsupported_media_type',
        'the body must be sent as application/json',
        [{ field: 'content-type', message: 'must be application/json' }],
      );
    if (status !== undefined) {
      const code =
        status === 404
          ? 'not_found'
          : status === 405
            ? 'method_not_allowed'
            : status < 500
              ? 'invalid_request'
              : 'internal';
      const message = status === 404 ? 'route not found' : (exception as Error).message;
      return new ApiError(status, code, message);
    }
    return new ApiError(500, 'internal', 'internal error');
  }
}
