import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';

/**
 * 405 with `Allow` for a method not served on a known path (a 404 would say the path does not
 * exist). `methodsAt` is read per request because the routes are known only once Nest is up.
 * Answers true when it refused the request.
 */
export function methodNotAllowed(methodsAt: (path: string) => string[]) {
  return (req: FastifyRequest, reply: FastifyReply, path: string): boolean => {
    const methods = methodsAt(path);
    const served = req.method === 'HEAD' ? 'GET' : req.method;
    if (methods.length === 0 || methods.includes(served)) return false;
    const allow = [...new Set(methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))];
    const error = new ApiError(
      405,
      'method_not_allowed',
      `${req.method} is not allowed here; use ${allow.join(', ')}`,
    );
    void reply.code(405).header('allow', allow.join(', ')).send(error.toBody());
    return true;
  };
}
