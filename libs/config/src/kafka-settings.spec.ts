import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from './config';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('Kafka settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-kafka-settings-'));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, PEM);

  it('should leave TLS and SASL off by default, with replication 1 and topic creation on', () => {
    const config = parseConfig({});
    expect(config.kafkaSecurity).toEqual({});
    expect(config.HOOKLINE_KAFKA_REPLICATION_FACTOR).toBe(1);
    expect(config.HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS).toBe(1);
    expect(config.HOOKLINE_KAFKA_CREATE_TOPICS).toBe(true);
    expect(config.HOOKLINE_KAFKA_RETRY_RETENTION).toBe(7 * 86_400_000);
    expect(config.HOOKLINE_KAFKA_DLQ_RETENTION).toBe(14 * 86_400_000);
  });

  it('should read the CA file and the SASL credentials', () => {
    const config = parseConfig({
      HOOKLINE_KAFKA_SSL: 'true',
      HOOKLINE_KAFKA_SSL_CA_FILE: ca,
      HOOKLINE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      HOOKLINE_KAFKA_SASL_USERNAME: 'hookline',
      HOOKLINE_KAFKA_SASL_PASSWORD: 'secret',
    });
    expect(config.kafkaSecurity).toEqual({
      tls: { ca: PEM, cert: undefined, key: undefined },
      sasl: { mechanism: 'scram-sha-512', username: 'hookline', password: 'secret' },
    });
  });

  it("should accept DESIGN.md's names, inline PEM included", () => {
    const config = parseConfig({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA: PEM,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
      HOOKLINE_TOPIC_REPLICATION_FACTOR: '3',
      HOOKLINE_TOPIC_MIN_INSYNC_REPLICAS: '2',
      HOOKLINE_CREATE_TOPICS: 'false',
    });
    expect(config.kafkaSecurity.tls?.ca).toBe(PEM);
    expect(config.kafkaSecurity.sasl?.mechanism).toBe('plain');
    expect(config.HOOKLINE_KAFKA_REPLICATION_FACTOR).toBe(3);
    expect(config.HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS).toBe(2);
    expect(config.HOOKLINE_KAFKA_CREATE_TOPICS).toBe(false);
  });

  it.each([
    [
      { HOOKLINE_KAFKA_SSL: 'true', HOOKLINE_KAFKA_SSL_CA_FILE: join(dir, 'absent.pem') },
      /^HOOKLINE_KAFKA_SSL_CA_FILE: cannot read .*ENOENT/,
    ],
    [
      { HOOKLINE_KAFKA_SSL_CA_FILE: ca },
      /^HOOKLINE_KAFKA_SSL_CA_FILE: is set but HOOKLINE_KAFKA_SSL is not true/,
    ],
    [
      { HOOKLINE_KAFKA_SSL: 'true', HOOKLINE_KAFKA_SSL_CERT_FILE: ca },
      /^HOOKLINE_KAFKA_SSL_KEY_FILE: is needed too/,
    ],
    [{ HOOKLINE_KAFKA_SASL_MECHANISM: 'gssapi' }, /^HOOKLINE_KAFKA_SASL_MECHANISM: /],
    [
      { HOOKLINE_KAFKA_SASL_MECHANISM: 'plain', HOOKLINE_KAFKA_SASL_USERNAME: 'u' },
      /^HOOKLINE_KAFKA_SASL_PASSWORD: is required/,
    ],
    [
      { HOOKLINE_KAFKA_SASL_PASSWORD: 'p' },
      /^HOOKLINE_KAFKA_SASL_PASSWORD: is set but HOOKLINE_KAFKA_SASL_MECHANISM is not/,
    ],
    [
      { HOOKLINE_KAFKA_REPLICATION_FACTOR: '2', HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS: '3' },
      /^HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS: 3 is more than the replication factor/,
    ],
    [{ HOOKLINE_TOPIC_REPLICATION_FACTOR: 'three' }, /^HOOKLINE_TOPIC_REPLICATION_FACTOR: /],
    [
      { KAFKA_SSL: 'true', HOOKLINE_KAFKA_SSL: 'false' },
      /^KAFKA_SSL: is set, and so is HOOKLINE_KAFKA_SSL/,
    ],
    [
      { HOOKLINE_RETRY_SCHEDULE: '1h,20h', HOOKLINE_KAFKA_RETRY_RETENTION: '1d' },
      /^HOOKLINE_KAFKA_RETRY_RETENTION: must be at least twice the longest retry delay \(40h\)/,
    ],
  ])('should refuse %j naming the variable', (env, message) => {
    expect(() => parseConfig(env)).toThrow(message);
  });
});
