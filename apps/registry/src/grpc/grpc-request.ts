import { parseParam } from '../common/validation';

/** A decoded request message: the fields the client set (no proto3 defaults, see grpc.server.ts). */
export type Message = Record<string, unknown>;

/** An id field of a request, refused like a path parameter when it holds text that cannot be stored. */
export function idOf(req: Message, field = 'id'): string {
  const value = req[field];
  return parseParam(field, typeof value === 'string' ? value : undefined);
}
