import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from './config-error';
import { parseDuration, parseDurationList } from './duration';
import {
  KAFKA_ENV_SHAPE,
  applyKafkaAliases,
  resolveKafkaSecurity,
  type KafkaSecurity,
} from './kafka-settings';

export { ConfigError };

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
/**
 * The longest retry delay. Node's timers fire at once past 2^31 - 1 ms (about 24.8 days), which
 * made a tier's consumer spin; a day also stays well inside the retry topics' retention (Kafka's
 * default is 7 days), jitter included.
 */
export const MAX_RETRY_DELAY_MS = 24 * 3_600_000;
/** The longest delivery attempt: a receiver that needs longer should answer first and work after. */
export const MAX_DELIVERY_TIMEOUT_MS = 5 * 60_000;

const formatMs = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / 60_000}m`);

const duration = (min: number, max: number) =>
  z.string().transform((v, ctx) => {
    try {
      const ms = parseDuration(v);
      if (ms < min || ms > max) {
        throw new Error(`"${v}" is out of range (${min}ms to ${formatMs(max)})`);
      }
      return ms;
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });
/** smtp:// (STARTTLS when the server offers it) or smtps:// (TLS from the start), with a host. */
const smtpUrl = z.string().transform((v, ctx) => {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'is not a URL (smtp://host:port or smtps://host:port)',
    });
    return z.NEVER;
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    ctx.addIssue({ code: 'custom', message: 'must be smtp://host:port or smtps://host:port' });
    return z.NEVER;
  }
  return v;
});
const retrySchedule = z.string().transform((v, ctx) => {
  try {
    const list = parseDurationList(v);
    if (list.length > 20) throw new Error('at most 20 retry tiers');
    const tooLong = list.find((ms) => ms > MAX_RETRY_DELAY_MS);
    if (tooLong !== undefined) {
      throw new Error(
        `a delay of ${tooLong} ms is longer than the ${formatMs(MAX_RETRY_DELAY_MS)} a retry may wait`,
      );
    }
    return list;
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
/** 32 bytes, given as base64 or 64 hex characters. */
function decodeKey(v: string): Buffer {
  const buf = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  if (buf.length !== 32) throw new Error('must be 32 bytes, as base64 or 64 hex characters');
  return buf;
}
const encryptionKey = z.string().transform((v, ctx) => {
  try {
    return decodeKey(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

/** An encryption key and the id that ciphertexts sealed under it carry. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}
/** The id of the single HOOKLINE_ENCRYPTION_KEY. */
export const DEFAULT_ENCRYPTION_KEY_ID = 'default';

/** `id:key,id:key`: the first seals, every one opens. */
const encryptionKeyList = z.string().transform((v, ctx) => {
  const keys: EncryptionKey[] = [];
  for (const [i, entry] of v.split(',').entries()) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, Math.max(colon, 0)).trim();
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${i + 1} is not "id:key" (id of 1-32 letters, digits, _ or -)`,
      });
      return z.NEVER;
    }
    if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `key id ${id} is given twice` });
      return z.NEVER;
    }
    try {
      keys.push({ id, key: decodeKey(entry.slice(colon + 1).trim()) });
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `key ${id} ${(e as Error).message}` });
      return z.NEVER;
    }
  }
  return keys;
});

const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  HOOKLINE_API_PORT: port.default(3000),
  HOOKLINE_API_HOST: z.string().default('127.0.0.1'),
  /** The registry's internal gRPC API; 0 turns it off. */
  HOOKLINE_GRPC_PORT: port.default(50051),
  /** Interface of the gRPC server; default HOOKLINE_API_HOST. */
  HOOKLINE_GRPC_HOST: z.string().min(1).optional(),
  /** Port of /healthz, /readyz and /metrics on services that have no public API. */
  HOOKLINE_METRICS_PORT: port.optional(),
  /** Interface of that ops server (0.0.0.0 in containers). */
  HOOKLINE_METRICS_HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().default('postgres://postgres:hookline@127.0.0.1:54320/hookline'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:19092')
    .transform((v) =>
      v
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  HOOKLINE_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
  HOOKLINE_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(256).default(6),
  HOOKLINE_ADMIN_TOKEN: z.string().min(16).optional(),
  HOOKLINE_ENCRYPTION_KEY: encryptionKey.optional(),
  HOOKLINE_ENCRYPTION_KEYS: encryptionKeyList.optional(),
  HOOKLINE_RETRY_SCHEDULE: retrySchedule.default(parseDurationList('10s,60s,5m,30m,2h')),
  HOOKLINE_DELIVERY_TIMEOUT: duration(1, MAX_DELIVERY_TIMEOUT_MS).default(15_000),
  HOOKLINE_DISABLE_AFTER_FAILED_DELIVERIES: z.coerce.number().int().min(0).default(1),
  /** Bounds of a webhook's own `retry_schedule`: how many retries, and each delay's range. */
  HOOKLINE_WEBHOOK_MAX_RETRIES: z.coerce.number().int().min(1).max(100).default(20),
  /**
   * Default: the shortest and the longest delay of HOOKLINE_RETRY_SCHEDULE (a shorter wait still
   * queues behind the first tier's tasks; the tiers' retention was sized for the longest).
   */
  HOOKLINE_WEBHOOK_MIN_RETRY_DELAY: duration(1, MAX_RETRY_DELAY_MS).optional(),
  HOOKLINE_WEBHOOK_MAX_RETRY_DELAY: duration(1, MAX_RETRY_DELAY_MS).optional(),
  /** Bounds of a webhook's own `disable_after_failed_deliveries` (0 is "never"). */
  HOOKLINE_WEBHOOK_MIN_DISABLE_AFTER: z.coerce.number().int().min(0).default(0),
  HOOKLINE_WEBHOOK_MAX_DISABLE_AFTER: z.coerce.number().int().min(1).default(100),
  /** Consecutive failed attempts to one endpoint (webhook URL) that open its circuit; 0: no breaker. */
  HOOKLINE_CIRCUIT_FAILURES: z.coerce.number().int().min(0).default(10),
  /** How long an open circuit waits before one probe attempt goes through (half-open). */
  HOOKLINE_CIRCUIT_COOLDOWN: duration(100, 3_600_000).default(30_000),
  HOOKLINE_ALLOW_PRIVATE_URLS: bool.default(false),
  HOOKLINE_ALLOW_HTTP: bool.default(false),
  HOOKLINE_DELIVERY_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** Kafka consumer-group session timeout: how long a crashed consumer holds its partitions. */
  // Brokers refuse more than their group.max.session.timeout.ms (30 min by default).
  HOOKLINE_KAFKA_SESSION_TIMEOUT: duration(0, 30 * 60_000).default(30_000),
  /** The console's built files (`npm run build` writes them; relative to the working directory). */
  HOOKLINE_CONSOLE_DIR: z.string().default('dist/console'),
  /** Origins allowed to frame /console (the embeddable portal), space-separated; `*` any. */
  HOOKLINE_CONSOLE_FRAME_ANCESTORS: z.string().default('*'),
  /** Requests per second one project may make to the API, per registry replica; 0: no limit. */
  HOOKLINE_API_RATE_LIMIT: z.coerce.number().min(0).default(100),
  /** Requests a project may make at once after a quiet spell (the token bucket's size). */
  HOOKLINE_API_RATE_BURST: z.coerce.number().int().min(1).default(200),
  /** Events per second one project may publish with POST /v1/events, per replica; 0: no limit. */
  HOOKLINE_INGEST_RATE_LIMIT: z.coerce.number().min(0).default(2000),
  HOOKLINE_INGEST_RATE_BURST: z.coerce.number().int().min(1).default(4000),
  /** Webhooks one project may have; 0: no limit. */
  HOOKLINE_MAX_WEBHOOKS_PER_PROJECT: z.coerce.number().int().min(0).default(1000),
  /** Test pings (POST /v1/webhooks/{id}/test) per webhook per minute; 0: no limit. */
  HOOKLINE_TEST_PINGS_PER_MINUTE: z.coerce.number().int().min(0).default(10),
  /** Redeliveries per project per minute; 0: no limit. */
  HOOKLINE_REDELIVERIES_PER_MINUTE: z.coerce.number().int().min(0).default(120),
  /** Bad credentials (API keys, portal links, admin token) one client address may present per minute before it is refused; 0: no limit. */
  HOOKLINE_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).default(20),
  /** How long an address that presented too many bad credentials is refused (429). */
  HOOKLINE_AUTH_LOCKOUT: duration(1000, 24 * 3_600_000).default(60_000),
  /**
   * Express's `trust proxy`: which X-Forwarded-For hops name the client (a hop count, `true`, or
   * addresses); unset: the socket's address. Behind a load balancer set it, or every client shares
   * the balancer's address in the failed-credential count.
   */
  HOOKLINE_TRUST_PROXY: z.string().min(1).optional(),
  /** SMTP server of the e-mail notifications; unset: no mail is sent (said at start). */
  HOOKLINE_SMTP_URL: smtpUrl.optional(),
  /** The From of notification mails. */
  HOOKLINE_MAIL_FROM: z.string().trim().min(3).max(300).default('Hookline <hookline@localhost>'),
  /** Mails per project per rolling hour; what is over waits for the next digest or is dropped. */
  HOOKLINE_MAIL_MAX_PER_PROJECT_HOUR: z.coerce.number().int().min(1).max(10_000).default(10),
  /** How often dead deliveries are mailed, one digest per project. */
  HOOKLINE_MAIL_DIGEST_INTERVAL: duration(1000, 7 * 86_400_000).default(3_600_000),
  HOOKLINE_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /**
   * How far the dispatcher's and the fan-out's heap may grow past what is live before V8 collects
   * it again, in per cent (see limitHeapGrowth); 0: V8's own choice (up to 300 % on large heaps).
   */
  HOOKLINE_HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(1000).default(100),
  ...KAFKA_ENV_SHAPE,
  /** retention.ms of the retry tiers Hookline creates: a waiting task must outlive its delay. */
  HOOKLINE_KAFKA_RETRY_RETENTION: duration(3_600_000, 365 * 86_400_000).default(7 * 86_400_000),
  /** retention.ms of both dead-letter topics: the time an operator has to look and replay. */
  HOOKLINE_KAFKA_DLQ_RETENTION: duration(3_600_000, 365 * 86_400_000).default(14 * 86_400_000),
});

export type HooklineConfig = z.infer<typeof EnvSchema> & {
  /**
   * The key ring of webhook secrets, never empty: HOOKLINE_ENCRYPTION_KEYS, then
   * HOOKLINE_ENCRYPTION_KEY as id "default". The first seals; all open. A random key per process
   * when neither is set outside production.
   */
  HOOKLINE_ENCRYPTION_KEYS: EncryptionKey[];
  /** Resolved: the shortest and the longest retry tier's delay unless set. */
  HOOKLINE_WEBHOOK_MIN_RETRY_DELAY: number;
  HOOKLINE_WEBHOOK_MAX_RETRY_DELAY: number;
  /** TLS and SASL to the brokers, PEM files read (from the HOOKLINE_KAFKA_SSL_* and _SASL_* variables). */
  kafkaSecurity: KafkaSecurity;
};

/**
 * The variables that hold secrets. The shipped manifests carry "change-me" placeholders in them
 * (k8s/base/secret.placeholder.yaml); a deployment applied without replacing one must not start
 * with a guessable admin token or key, and must say which value is missing.
 */
export const SECRET_VARIABLES = [
  'HOOKLINE_ADMIN_TOKEN',
  'HOOKLINE_ENCRYPTION_KEY',
  'HOOKLINE_ENCRYPTION_KEYS',
  'DATABASE_URL',
  'HOOKLINE_KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD',
  'HOOKLINE_SMTP_URL',
] as const;
const PLACEHOLDER = /change-?me/i;

/** Parses and validates the environment once; throws a ConfigError naming the variable. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): HooklineConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  // Before the schema: a placeholder key would otherwise be reported as "not 32 bytes".
  const placeholder = SECRET_VARIABLES.find((name) => PLACEHOLDER.test(cleaned[name] ?? ''));
  if (placeholder) {
    throw new ConfigError(
      placeholder,
      'is still the placeholder of the manifests ("change-me"): set the real secret',
    );
  }
  const suppliedBy = applyKafkaAliases(cleaned);
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0]);
    throw new ConfigError(suppliedBy.get(variable) ?? variable, issue.message);
  }
  const config = result.data;
  const kafkaSecurity = resolveKafkaSecurity(config, suppliedBy);
  const longestRetry = Math.max(0, ...config.HOOKLINE_RETRY_SCHEDULE);
  // A task waits on its tier until due, behind others that wait as long: twice the longest delay
  // (jitter is 20 %) leaves room for a backlog before Kafka could delete a task not yet sent.
  if (config.HOOKLINE_KAFKA_RETRY_RETENTION < 2 * longestRetry) {
    throw new ConfigError(
      'HOOKLINE_KAFKA_RETRY_RETENTION',
      `must be at least twice the longest retry delay (${formatMs(2 * longestRetry)}), or tasks waiting on a tier could be deleted`,
    );
  }
  const maxOwnDelay = config.HOOKLINE_WEBHOOK_MAX_RETRY_DELAY ?? longestRetry;
  if (config.HOOKLINE_KAFKA_RETRY_RETENTION < 2 * maxOwnDelay) {
    throw new ConfigError(
      'HOOKLINE_WEBHOOK_MAX_RETRY_DELAY',
      `must be at most half of HOOKLINE_KAFKA_RETRY_RETENTION, or tasks waiting on a tier could be deleted`,
    );
  }
  const minOwnDelay =
    config.HOOKLINE_WEBHOOK_MIN_RETRY_DELAY ?? Math.min(...config.HOOKLINE_RETRY_SCHEDULE);
  if (minOwnDelay > maxOwnDelay) {
    throw new ConfigError(
      'HOOKLINE_WEBHOOK_MIN_RETRY_DELAY',
      'is longer than HOOKLINE_WEBHOOK_MAX_RETRY_DELAY',
    );
  }
  if (config.HOOKLINE_WEBHOOK_MIN_DISABLE_AFTER > config.HOOKLINE_WEBHOOK_MAX_DISABLE_AFTER) {
    throw new ConfigError(
      'HOOKLINE_WEBHOOK_MIN_DISABLE_AFTER',
      'is greater than HOOKLINE_WEBHOOK_MAX_DISABLE_AFTER',
    );
  }
  const ring = [...(config.HOOKLINE_ENCRYPTION_KEYS ?? [])];
  if (config.HOOKLINE_ENCRYPTION_KEY) {
    if (ring.some((k) => k.id === DEFAULT_ENCRYPTION_KEY_ID)) {
      throw new ConfigError(
        'HOOKLINE_ENCRYPTION_KEYS',
        `names a key "${DEFAULT_ENCRYPTION_KEY_ID}", the id of HOOKLINE_ENCRYPTION_KEY, which is set too`,
      );
    }
    ring.push({ id: DEFAULT_ENCRYPTION_KEY_ID, key: config.HOOKLINE_ENCRYPTION_KEY });
  }
  if (ring.length === 0) {
    if (config.NODE_ENV === 'production') {
      throw new ConfigError('HOOKLINE_ENCRYPTION_KEY', 'is required in production');
    }
    // Outside production a missing key would make secrets unreadable after a restart, so the
    // tools that start services (npm start, tests) always pass one; this is only a fallback.
    ring.push({ id: DEFAULT_ENCRYPTION_KEY_ID, key: randomBytes(32) });
  }
  return {
    ...config,
    HOOKLINE_ENCRYPTION_KEYS: ring,
    HOOKLINE_WEBHOOK_MIN_RETRY_DELAY: minOwnDelay,
    HOOKLINE_WEBHOOK_MAX_RETRY_DELAY: maxOwnDelay,
    kafkaSecurity,
  };
}

/** For a service's main(): parse or print one line naming the variable and exit at once. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): HooklineConfig {
  try {
    return parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`hookline: invalid configuration: ${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
}
