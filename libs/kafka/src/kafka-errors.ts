import { KafkaJSSASLAuthenticationError } from 'kafkajs';
import type { KafkaSecurity } from '@hookline/config';

/** The brokers refused the SASL credentials: retrying will not help, the settings must change. */
export class KafkaAuthenticationError extends Error {
  constructor(
    readonly mechanism: string,
    readonly username: string,
    cause: unknown,
  ) {
    super(
      `Kafka refused the ${mechanism} credentials of user "${username}": check HOOKLINE_KAFKA_SASL_USERNAME and HOOKLINE_KAFKA_SASL_PASSWORD (${(cause as Error).message})`,
      { cause },
    );
    this.name = 'KafkaAuthenticationError';
  }
}

/** The brokers cannot be reached as configured (wrong port, TLS against plaintext or back). */
export class KafkaConnectError extends Error {
  constructor(brokers: string[], security: KafkaSecurity | undefined, cause: unknown) {
    const how = [security?.tls ? 'TLS' : 'plaintext', security?.sasl?.mechanism]
      .filter(Boolean)
      .join(' + ');
    super(
      `cannot reach Kafka at ${brokers.join(',')} over ${how}: ${(cause as Error).message}; check KAFKA_BROKERS and HOOKLINE_KAFKA_SSL (the listener must speak the same protocol)`,
      { cause },
    );
    this.name = 'KafkaConnectError';
  }
}

/** Gives a failed connection one line that names what to check; any other error is returned. */
export function explainConnectError(
  error: unknown,
  brokers: string[],
  security: KafkaSecurity | undefined,
): Error {
  let e: unknown = error;
  // kafkajs wraps the last attempt's error when its retries run out.
  while (e instanceof Error && !(e instanceof KafkaJSSASLAuthenticationError) && e.cause)
    e = e.cause;
  if (
    e instanceof KafkaJSSASLAuthenticationError ||
    /SASL .*authentication failed/i.test(String(e))
  ) {
    return new KafkaAuthenticationError(
      security?.sasl?.mechanism ?? 'SASL',
      security?.sasl?.username ?? '',
      e,
    );
  }
  const name = (error as Error).name ?? '';
  if (/KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSNonRetriableError/.test(name)) {
    return new KafkaConnectError(brokers, security, error);
  }
  return error as Error;
}
