import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';

export const CONSOLE_PATH = '/console';

/**
 * Framing policy: only the console may be embedded (the portal in a platform's own product), by the
 * origins of `frameAncestors`; every other answer refuses to be framed, by both the CSP header of
 * current browsers and X-Frame-Options of older ones.
 */
export function framingHeaders(frameAncestors: string) {
  return (req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (req.path === CONSOLE_PATH || req.path.startsWith(`${CONSOLE_PATH}/`)) {
      res.setHeader('content-security-policy', `frame-ancestors ${frameAncestors}`);
    } else {
      res.setHeader('content-security-policy', "frame-ancestors 'none'");
      res.setHeader('x-frame-options', 'DENY');
    }
    next();
  };
}

/**
 * Serves the console's built files at /console. Routes live in the URL's hash, so the server only
 * ever answers index.html and hashed assets; assets are immutable, index.html is always revalidated
 * so a rebuilt console is picked up at the next load.
 */
export function serveConsole(app: NestExpressApplication, dir: string): void {
  const root = resolve(dir);
  const index = join(root, 'index.html');
  app.use(
    `${CONSOLE_PATH}/assets`,
    express.static(join(root, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }),
  );
  app.use(
    CONSOLE_PATH,
    (req: express.Request, res: express.Response, next: express.NextFunction) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      if (req.path !== '/') return next();
      if (!existsSync(index)) {
        res
          .status(404)
          .type('text/plain')
          .send(`the console is not built (${root} has no index.html): run npm run build`);
        return;
      }
      res.setHeader('cache-control', 'no-cache');
      res.sendFile(index);
    },
  );
}
