import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@hookline/telemetry';
import { ApiError } from './api-error';
import { pathOf } from './request-path';

const UNLOGGED = new Set(['/healthz', '/readyz', '/metrics']);
const WITH_BODY = new Set(['POST', 'PATCH', 'PUT']);

/** The caller's `X-Request-Id` (bounded), or a new one: Fastify's `genReqId`. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return (typeof given === 'string' ? given.slice(0, 100) : '') || randomUUID();
}

/**
 * A request id on every response (the request's own is `requestIdOf`), one JSON log line per
 * request, and the content-type rule: a body must be JSON, sent as it is (no content encoding).
 */
export function requestContext(log: Logger) {
  return {
    /** True when the request was answered here (415). */
    onRequest(req: FastifyRequest, reply: FastifyReply): boolean {
      // On the raw response, so that answers written past Fastify (static files) carry it too.
      reply.raw.setHeader('x-request-id', req.id);
      const headers = req.headers;
      const hasBody =
        Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
      if (!hasBody || !WITH_BODY.has(req.method)) return false;
      const encoding = headers['content-encoding'];
      if (!isJson(headers['content-type'])) {
        refuse(
          reply,
          'the body must be sent as application/json',
          'content-type',
          'must be application/json',
        );
        return true;
      }
      if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
        refuse(
          reply,
          `unsupported content encoding "${encoding}"`,
          'content-encoding',
          'must be identity',
        );
        return true;
      }
      return false;
    },

    onResponse(req: FastifyRequest, reply: FastifyReply): void {
      const path = pathOf(req.url);
      if (UNLOGGED.has(path)) return;
      log.info(
        {
          requestId: req.id,
          method: req.method,
          path,
          status: reply.statusCode,
          ms: reply.elapsedTime,
        },
        'request',
      );
    },
  };
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim();
  return type.toLowerCase() === 'application/json';
}

function refuse(reply: FastifyReply, message: string, field: string, detail: string): void {
  const error = new ApiError(415, 'unsupported_media_type', message, [{ field, message: detail }]);
  void reply.code(415).send(error.toBody());
}
