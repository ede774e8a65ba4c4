import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@hookline/telemetry';
import { ApiError } from './api-error';

/**
 * A request id on every request and response, one JSON log line per request, and the
 * content-type rule: a body must be JSON.
 */
export function requestContext(log: Logger) {
  return (req: Request & { id?: string }, res: Response, next: NextFunction) => {
    req.id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 100) || randomUUID();
    res.setHeader('x-request-id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      if (req.path === '/healthz' || req.path === '/readyz' || req.path === '/metrics') return;
      log.info(
        {
          requestId: req.id,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    const hasBody =
      Number(req.headers['content-length'] ?? 0) > 0 ||
      req.headers['transfer-encoding'] !== undefined;
    if (hasBody && ['POST', 'PATCH', 'PUT'].includes(req.method) && !req.is('application/json')) {
      const error = new ApiError(
        415,
        'unsupported_media_type',
        'the body must be sent as application/json',
        [{ field: 'content-type', message: 'must be application/json' }],
      );
      res.status(415).json(error.toBody());
      return;
    }
    next();
  };
}
