import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../common/api-error';

/**
 * 405 with `Allow` for a method not served on a known path (a 404 would say the path does not
 * exist). `methodsAt` is read per request because the routes are known only once Nest is up.
 */
export function methodNotAllowed(methodsAt: (path: string) => string[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const methods = methodsAt(req.path);
    const served = req.method === 'HEAD' ? 'GET' : req.method;
    if (methods.length === 0 || methods.includes(served)) return next();
    const allow = [...new Set(methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))];
    const error = new ApiError(
      405,
      'method_not_allowed',
      `${req.method} is not allowed here; use ${allow.join(', ')}`,
    );
    res.status(405).setHeader('allow', allow.join(', ')).json(error.toBody());
  };
}
