import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error';

/**
 * Reads a JSON body (Fastify's content-type parser for `application/json`, handed the whole body
 * as text once within the size limit). Any JSON value is accepted here, the route's schema says
 * which it wants; an empty body reads as `{}` (as no field given). Only UTF-8 is read, as JSON requires (RFC 8259).
 */
export function jsonBodyParser(
  req: FastifyRequest,
  body: string | Buffer,
  done: (err: Error | null, body?: unknown) => void,
): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset && !/^utf-?8$/i.test(charset)) {
    done(
      new ApiError(
        415,
        'unsupported_media_type',
        `unsupported charset "${charset.toUpperCase()}"`,
        [{ field: 'content-type', message: 'the charset must be utf-8' }],
      ),
    );
    return;
  }
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text === '') return done(null, {});
  try {
    done(null, JSON.parse(text));
  } catch {
    done(
      ApiError.badRequest('the body is not valid JSON', [
        { field: 'body', message: 'not valid JSON' },
      ]),
    );
  }
}
