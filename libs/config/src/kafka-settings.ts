import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './config-error';

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** How the services reach the brokers: TLS and SASL, as kafkajs takes them (PEM text, not paths). */
export interface KafkaSecurity {
  /** Absent: plaintext. `ca` absent: the system's trusted CAs (managed Kafka with public certificates). */
  tls?: { ca?: string; cert?: string; key?: string };
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
}

/**
 * DESIGN.md's names for the same settings. Both spellings are read so that deployments written
 * against either work; giving both with different values is an error rather than a silent pick.
 */
export const KAFKA_ENV_ALIASES: Record<string, string> = {
  KAFKA_SSL: 'HOOKLINE_KAFKA_SSL',
  KAFKA_SSL_CA: 'HOOKLINE_KAFKA_SSL_CA_FILE',
  KAFKA_SSL_CERT: 'HOOKLINE_KAFKA_SSL_CERT_FILE',
  KAFKA_SSL_KEY: 'HOOKLINE_KAFKA_SSL_KEY_FILE',
  KAFKA_SASL_MECHANISM: 'HOOKLINE_KAFKA_SASL_MECHANISM',
  KAFKA_SASL_USERNAME: 'HOOKLINE_KAFKA_SASL_USERNAME',
  KAFKA_SASL_PASSWORD: 'HOOKLINE_KAFKA_SASL_PASSWORD',
  HOOKLINE_TOPIC_REPLICATION_FACTOR: 'HOOKLINE_KAFKA_REPLICATION_FACTOR',
  HOOKLINE_TOPIC_MIN_INSYNC_REPLICAS: 'HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS',
  HOOKLINE_CREATE_TOPICS: 'HOOKLINE_KAFKA_CREATE_TOPICS',
};

/**
 * Copies each alias onto its canonical name. Returns which alias supplied which canonical name,
 * so that an error about the value names the variable the operator actually set.
 */
export function applyKafkaAliases(env: Record<string, string | undefined>): Map<string, string> {
  const suppliedBy = new Map<string, string>();
  for (const [alias, canonical] of Object.entries(KAFKA_ENV_ALIASES)) {
    const value = env[alias];
    if (value === undefined) continue;
    const own = env[canonical];
    if (own !== undefined && own !== value) {
      throw new ConfigError(alias, `is set, and so is ${canonical} with another value; keep one`);
    }
    env[canonical] = value;
    suppliedBy.set(canonical, alias);
  }
  return suppliedBy;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const count = z.coerce.number().int().min(1).max(32);

/** The Kafka part of the environment schema (merged into config.ts's). */
export const KAFKA_ENV_SHAPE = {
  HOOKLINE_KAFKA_SSL: bool.default(false),
  HOOKLINE_KAFKA_SSL_CA_FILE: z.string().optional(),
  HOOKLINE_KAFKA_SSL_CERT_FILE: z.string().optional(),
  HOOKLINE_KAFKA_SSL_KEY_FILE: z.string().optional(),
  HOOKLINE_KAFKA_SASL_MECHANISM: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['plain', 'scram-sha-256', 'scram-sha-512']))
    .optional(),
  HOOKLINE_KAFKA_SASL_USERNAME: z.string().optional(),
  HOOKLINE_KAFKA_SASL_PASSWORD: z.string().optional(),
  HOOKLINE_KAFKA_REPLICATION_FACTOR: count.default(1),
  HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS: count.default(1),
  HOOKLINE_KAFKA_CREATE_TOPICS: bool.default(true),
};

type KafkaEnv = z.infer<z.ZodObject<typeof KAFKA_ENV_SHAPE>>;

/** A PEM given inline (DESIGN.md allows it) or, usually, the path of a PEM file. */
function readPem(variable: string, value: string): string {
  let text = value;
  if (!value.trimStart().startsWith('-----BEGIN')) {
    try {
      text = readFileSync(value, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new ConfigError(variable, `cannot read ${value} (${code})`);
    }
  }
  if (!text.includes('-----BEGIN')) {
    throw new ConfigError(variable, `${value} is not PEM (no "-----BEGIN" line)`);
  }
  return text;
}

/**
 * Checks the combinations one variable alone cannot, and reads the PEM files, so that a missing
 * file stops the service at start with the variable's name, not at its first reconnect.
 */
export function resolveKafkaSecurity(
  env: KafkaEnv,
  suppliedBy: Map<string, string>,
): KafkaSecurity {
  const name = (canonical: string) => suppliedBy.get(canonical) ?? canonical;
  const files = [
    'HOOKLINE_KAFKA_SSL_CA_FILE',
    'HOOKLINE_KAFKA_SSL_CERT_FILE',
    'HOOKLINE_KAFKA_SSL_KEY_FILE',
  ] as const;
  const security: KafkaSecurity = {};
  if (env.HOOKLINE_KAFKA_SSL) {
    const [ca, cert, key] = files.map((f) => {
      const value = env[f];
      return value === undefined ? undefined : readPem(name(f), value);
    });
    if ((cert === undefined) !== (key === undefined)) {
      const missing = cert === undefined ? files[1] : files[2];
      throw new ConfigError(name(missing), 'is needed too: a client certificate goes with its key');
    }
    security.tls = { ca, cert, key };
  } else {
    const given = files.find((f) => env[f] !== undefined);
    if (given) {
      throw new ConfigError(name(given), `is set but ${name('HOOKLINE_KAFKA_SSL')} is not true`);
    }
  }
  const mechanism = env.HOOKLINE_KAFKA_SASL_MECHANISM;
  const username = env.HOOKLINE_KAFKA_SASL_USERNAME;
  const password = env.HOOKLINE_KAFKA_SASL_PASSWORD;
  if (mechanism) {
    if (!username)
      throw new ConfigError(
        name('HOOKLINE_KAFKA_SASL_USERNAME'),
        `is required with SASL ${mechanism}`,
      );
    if (!password)
      throw new ConfigError(
        name('HOOKLINE_KAFKA_SASL_PASSWORD'),
        `is required with SASL ${mechanism}`,
      );
    security.sasl = { mechanism, username, password };
  } else if (username || password) {
    const given = username ? 'HOOKLINE_KAFKA_SASL_USERNAME' : 'HOOKLINE_KAFKA_SASL_PASSWORD';
    throw new ConfigError(
      name(given),
      `is set but ${name('HOOKLINE_KAFKA_SASL_MECHANISM')} is not (plain, scram-sha-256 or scram-sha-512)`,
    );
  }
  if (env.HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS > env.HOOKLINE_KAFKA_REPLICATION_FACTOR) {
    throw new ConfigError(
      name('HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS'),
      `${env.HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS} is more than the replication factor (${env.HOOKLINE_KAFKA_REPLICATION_FACTOR}): no write with acks=all could succeed`,
    );
  }
  return security;
}

/**
 * The Kafka variables alone (brokers, TLS, SASL, topics), for tools that parse only what they need
 * (the producer, the DLQ replay) so they run without the services' secrets but not without TLS.
 */
export function pickKafkaEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const names = new Set(['KAFKA_BROKERS', ...Object.keys(KAFKA_ENV_ALIASES)]);
  return Object.fromEntries(
    Object.entries(env).filter(([k]) => names.has(k) || k.startsWith('HOOKLINE_KAFKA_')),
  );
}
