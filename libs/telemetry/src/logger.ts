import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs, one line per record, with the service name on each. */
export function createLogger(
  service: string,
  level = process.env.HOOKLINE_LOG_LEVEL ?? 'info',
): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['req.headers.authorization', 'secret', '*.secret', 'api_key'],
      censor: '[redacted]',
    },
  });
}
