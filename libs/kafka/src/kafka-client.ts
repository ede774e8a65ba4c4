import {
  Kafka,
  logLevel,
  type KafkaConfig,
  type LogEntry,
  type RetryOptions,
  type SASLOptions,
} from 'kafkajs';
import type { HooklineConfig, KafkaSecurity } from '@hookline/config';
import { registerCompressionCodecs } from './compression-codecs';
import { patchKafkajsEncoder } from './encoder-patch';
import { preloadKafkajsProtocol } from './protocol-preload';
import { patchKafkajsRequestQueue } from './request-queue-patch';
import { patchKafkajsSeekOffsets } from './seek-offsets-patch';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** Log kafkajs internals at this level and above (default: warn). */
  logLevel?: logLevel;
  connectionTimeout?: number;
  /** Overrides of the retry policy (e.g. fewer retries where a caller bounds its own waits). */
  retry?: RetryOptions;
  /** TLS and SASL (absent: plaintext, no authentication, as on the local stack). */
  security?: KafkaSecurity;
}

// kafkajs logs its retried, recoverable errors (coordinator loading, leader elections) at ERROR;
// they are noise in a healthy system, so they are reported at warn and only once per kind.
function quietLogCreator() {
  return ({ namespace, level, log }: LogEntry) => {
    const message = `${namespace}: ${log.message}${log.error ? ` (${String(log.error)})` : ''}`;
    if (level <= logLevel.ERROR) process.stderr.write(`kafkajs ${message}\n`);
  };
}

export function createKafka(options: KafkaClientOptions): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  // The codecs are process-wide in kafkajs: every client made here reads every compression type.
  registerCompressionCodecs();
  patchKafkajsRequestQueue();
  patchKafkajsEncoder();
  patchKafkajsSeekOffsets();
  preloadKafkajsProtocol();
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeout ?? 3000,
    requestTimeout: 30_000,
    logLevel: options.logLevel ?? logLevel.NOTHING,
    logCreator: quietLogCreator,
    retry: { initialRetryTime: 100, retries: 8, ...options.retry },
    ...securityConfig(options.security),
  };
  return new Kafka(config);
}

function securityConfig(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { tls, sasl } = security ?? {};
  return {
    ...(tls && {
      // Only what is given: an absent CA means Node's trusted roots (managed Kafka's public certs).
      ssl: Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)),
    }),
    ...(sasl && { sasl: { ...sasl } as SASLOptions }),
  };
}

/**
 * The one way the services make their Kafka client: brokers, TLS and SASL from the configuration,
 * so that no client of any service can be left on plaintext when the deployment asks for TLS.
 */
export function kafkaFromConfig(
  config: Pick<HooklineConfig, 'KAFKA_BROKERS' | 'kafkaSecurity'>,
  clientId: string,
  options: Omit<KafkaClientOptions, 'brokers' | 'clientId' | 'security'> = {},
): Kafka {
  return createKafka({
    ...options,
    brokers: config.KAFKA_BROKERS,
    clientId,
    security: config.kafkaSecurity,
  });
}
