/**
 * SQLSTATEs that say the server cannot serve now, not that the statement is wrong: class 08
 * (connection exception), a server shutting down, crashed or still starting (57P01–57P03), and
 * too many connections (53300).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300)$/;

/** Socket errors of a connection that could not be made or was lost. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What node-postgres says, with no code, when a connection ends or cannot be had in time. */
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/**
 * Whether `error` (as pg, TypeORM or a caller wrapping it threw it) says that Postgres could not
 * be reached or cannot serve now: a reason to answer 503 and be asked again, not a fault of the
 * request or of the code. TypeORM keeps pg's error as `driverError`; wrappers as `cause`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, message, driverError, cause } = e as ErrorLike;
    if (typeof code === 'string' && (UNAVAILABLE_STATES.test(code) || SOCKET_CODES.has(code)))
      return true;
    if (typeof message === 'string' && PG_MESSAGES.some((m) => message.startsWith(m))) return true;
    e = driverError ?? cause;
  }
  return false;
}
