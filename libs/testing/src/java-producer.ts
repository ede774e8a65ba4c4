import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const KAFKA_LIBS_DIR = join(REPO_ROOT, '.data', 'kafka', 'libs');
const LOG4J_CONFIG = join(REPO_ROOT, 'tools', 'kafka', 'log4j2.properties');

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface JavaProduceOptions {
  brokers: string[];
  topic: string;
  compression: KafkaCompression;
  /** Keys and values hold no tab or newline (the console producer reads `key<TAB>value` lines). */
  messages: { key: string; value: string }[];
}

/**
 * Produces with Kafka's own Java client (its console producer, from the jars the local stack runs
 * the broker from): batches compressed exactly as Java, Python and Go producers compress them, not
 * as kafkajs would.
 */
export function produceWithJavaClient(options: JavaProduceOptions): Promise<void> {
  const jars = existsSync(KAFKA_LIBS_DIR) ? readdirSync(KAFKA_LIBS_DIR) : [];
  if (!jars.some((f) => f.startsWith('kafka-tools-'))) {
    throw new Error(`No Kafka console producer in ${KAFKA_LIBS_DIR}: run \`npm run stack up\``);
  }
  const child = spawn(
    'java',
    [
      `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
      '-cp',
      `${KAFKA_LIBS_DIR}/*`,
      'org.apache.kafka.tools.ConsoleProducer',
      '--bootstrap-server',
      options.brokers.join(','),
      '--topic',
      options.topic,
      '--compression-codec',
      options.compression,
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=\t',
      '--producer-property',
      'acks=all',
      // One batch for all lines, so the consumer reads a compressed batch of several records.
      '--producer-property',
      'linger.ms=200',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdin.end(options.messages.map((m) => `${m.key}\t${m.value}\n`).join(''));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      // The console producer logs a failed send and still exits 0; any ERROR line is a failure.
      if (code === 0 && !/ERROR|Exception/.test(output)) resolvePromise();
      else reject(new Error(`Kafka console producer exited ${code}: ${output.trim()}`));
    });
  });
}
