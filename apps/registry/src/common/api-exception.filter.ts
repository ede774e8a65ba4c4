import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '@hookline/telemetry';
import { ApiError } from './api-error';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** Writes every error as `{error: {code, message, details[]}}`; bad input never becomes a 500. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request & { id?: string }>();
    this.write(req, res, exception);
  }

  write(req: Request & { id?: string }, res: Response, exception: unknown): void {
    const error = this.toApiError(exception);
    if (error.status >= 500)
      this.log.error({ err: exception, requestId: req.id, path: req.path }, 'request failed');
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.status(error.status).json(error.toBody());
  }

  toApiError(exception: unknown): ApiError {
    if (exception instanceof ApiError) return exception;
    if (exception instanceof ZodError) return ApiError.fromZod(exception);
    const parserError = exception as BodyParserError;
    if (parserError?.type === 'entity.parse.failed')
      return ApiError.badRequest('the body is not valid JSON', [
        { field: 'body', message: 'not valid JSON' },
      ]);
    if (parserError?.type === 'entity.too.large')
      return new ApiError(413, 'payload_too_large', 'the body is larger than 256 KiB');
    if (
      parserError?.type === 'encoding.unsupported' ||
      parserError?.type === 'charset.unsupported'
    ) {
      return new ApiError(415, 'unsupported_media_type', parserError.message);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code =
        status === 404
          ? 'not_found'
          : status === 405
            ? 'method_not_allowed'
            : status < 500
              ? 'invalid_request'
              : 'internal';
      return new ApiError(status, code, status === 404 ? 'route not found' : exception.message);
    }
    return new ApiError(500, 'internal', 'internal error');
  }
}
