import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import send from 'send';
import { ApiError } from '../common/api-error';
import { pathOf } from '../common/request-path';

export const CONSOLE_PATH = '/console';

/**
 * Framing policy: only the console may be embedded (the portal in a platform's own product), by the
 * origins of `frameAncestors`; every other answer refuses to be framed, by both the CSP header of
 * current browsers and X-Frame-Options of older ones. Set on the raw response, so that answers
 * written past Fastify (static files) carry it too.
 */
export function framingHeaders(frameAncestors: string) {
  const consolePolicy = `frame-ancestors ${frameAncestors}`;
  return (path: string, reply: FastifyReply): void => {
    const res = reply.raw;
    if (path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`)) {
      res.setHeader('content-security-policy', consolePolicy);
    } else {
      res.setHeader('content-security-policy', "frame-ancestors 'none'");
      res.setHeader('x-frame-options', 'DENY');
    }
  };
}

/**
 * Serves the files under `root` at `prefix` (GET, and HEAD by Fastify), with ETag and
 * Last-Modified revalidation and ranges; a file that is not there answers 404.
 */
export function serveStatic(
  fastify: FastifyInstance,
  prefix: string,
  root: string,
  options: send.SendOptions = {},
): void {
  fastify.get(`${prefix}/*`, (req: FastifyRequest, reply: FastifyReply) => {
    // The raw path after the prefix: `send` decodes it and keeps it inside `root`.
    sendFile(req, reply, pathOf(req.url).slice(prefix.length), { ...options, root });
  });
}

/**
 * Serves the console's built files at /console. Routes live in the URL's hash, so the server only
 * ever answers index.html and hashed assets; assets are immutable, index.html is always revalidated
 * so a rebuilt console is picked up at the next load.
 */
export function serveConsole(fastify: FastifyInstance, dir: string): void {
  const root = resolve(dir);
  const index = join(root, 'index.html');
  serveStatic(fastify, `${CONSOLE_PATH}/assets`, join(root, 'assets'), {
    immutable: true,
    maxAge: '1y',
  });
  // `/console` and `/console/` (Fastify ignores the trailing slash).
  fastify.get(CONSOLE_PATH, (req: FastifyRequest, reply: FastifyReply) => {
    if (!existsSync(index)) {
      return reply
        .code(404)
        .type('text/plain')
        .send(`the console is not built (${root} has no index.html): run npm run build`);
    }
    reply.raw.setHeader('cache-control', 'no-cache');
    sendFile(req, reply, '/index.html', { root, cacheControl: false });
  });
}

/** Streams a file to the raw response, past Fastify's reply; a missing one answers 404. */
function sendFile(
  req: FastifyRequest,
  reply: FastifyReply,
  path: string,
  options: send.SendOptions,
): void {
  reply.hijack();
  const res = reply.raw;
  send(req.raw, path, { ...options, index: false })
    .on('error', (err: { status?: number }) => {
      if (res.headersSent) return void res.destroy();
      const status = err.status === 403 ? 403 : 404;
      const error =
        status === 403
          ? new ApiError(403, 'forbidden', 'forbidden path')
          : ApiError.notFound('file');
      res.statusCode = status;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(error.toBody()));
    })
    .on('directory', () => {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(ApiError.notFound('file').toBody()));
    })
    .pipe(res);
}
