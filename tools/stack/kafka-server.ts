import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { logLevel } from 'kafkajs';
import { createKafka } from '@hookline/kafka';
import type { KafkaTlsMaterial } from './kafka-tls';
import { StackError, commandWorks, isAlive, portAnswers, portIsFree, sleep } from './processes';
import { KAFKA_LIBS_DIR, REPO_ROOT, type StackLayout } from './stack-paths';

const POM = join(REPO_ROOT, 'tools', 'kafka', 'pom.xml');
const LOG4J_CONFIG = join(REPO_ROOT, 'tools', 'kafka', 'log4j2.properties');

export function kafkaVersion(): string {
  return /<kafka\.version>([^<]+)</.exec(readFileSync(POM, 'utf8'))?.[1] ?? 'unknown';
}

/** Resolves the broker's jars from Maven Central into .data/kafka/libs, once per pom change. */
export function ensureKafkaJars(log: (line: string) => void): void {
  const stamp = join(KAFKA_LIBS_DIR, '.pom-sha256');
  const pomHash = createHash('sha256').update(readFileSync(POM)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === pomHash) return;
  if (!commandWorks('mvn', ['-v'])) {
    throw new StackError(
      'kafka: Maven (mvn) is not installed; install it (apt-get install maven) or set KAFKA_BROKERS to an existing broker',
    );
  }
  log(
    `kafka: resolving Apache Kafka ${kafkaVersion()} from Maven Central into ${KAFKA_LIBS_DIR} (first run only)…`,
  );
  rmSync(KAFKA_LIBS_DIR, { recursive: true, force: true });
  mkdirSync(KAFKA_LIBS_DIR, { recursive: true });
  const result = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-Dstyle.color=never',
      '-f',
      POM,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${KAFKA_LIBS_DIR}`,
      '-DincludeScope=runtime',
    ],
    { encoding: 'utf8', timeout: 10 * 60_000 },
  );
  if (result.status !== 0) {
    const lines = `${result.stdout}\n${result.stderr}`.split('\n');
    const why =
      lines.find((l) => l.startsWith('[FATAL]')) ??
      lines.find((l) => l.startsWith('[ERROR]')) ??
      'see mvn output';
    throw new StackError(
      `kafka: Maven could not resolve the Kafka jars (${why.trim()}); check access to Maven Central and retry`,
    );
  }
  writeFileSync(stamp, pomHash);
}

function ensureJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new StackError(
      'kafka: Java is not installed; install Java 17 (apt-get install openjdk-17-jre-headless) or set KAFKA_BROKERS',
    );
  }
  const major = Number(/version "(\d+)/.exec(result.stderr)?.[1] ?? 0);
  if (major < 17)
    throw new StackError(`kafka: Java ${major} found, Kafka 4 needs Java 17 or newer`);
}

/**
 * A second listener as managed Kafka offers it (TLS, then SASL PLAIN or SCRAM), so that tests can
 * prove the services' client against it; the services themselves use the plaintext one.
 */
export interface SaslSslListener {
  port: number;
  tls: KafkaTlsMaterial;
  /** One user for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
  username: string;
  password: string;
}

function saslSslLines(l: SaslSslListener): string[] {
  const jaas = (module: string, users = '') =>
    `org.apache.kafka.common.security.${module} required${users};`;
  return [
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', ` user_${l.username}="${l.password}"`)}`,
    `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
    `listener.name.sasl_ssl.ssl.keystore.location=${l.tls.keystoreFile}`,
    'listener.name.sasl_ssl.ssl.keystore.type=PKCS12',
    `listener.name.sasl_ssl.ssl.keystore.password=${l.tls.storePassword}`,
    `listener.name.sasl_ssl.ssl.key.password=${l.tls.storePassword}`,
  ];
}

/**
 * A second client listener whose advertised address is another port (a TCP proxy's in front of
 * it): clients that bootstrap through the proxy are told to keep using it, so all their traffic
 * passes there; clients of the first listener still reach the broker directly.
 */
export interface ProxiedListener {
  port: number;
  advertisedPort: number;
}

function writeServerConfig(
  layout: StackLayout,
  port: number,
  controllerPort: number,
  extra: { saslSsl?: SaslSslListener; proxied?: ProxiedListener } = {},
) {
  const { saslSsl, proxied } = extra;
  mkdirSync(dirname(layout.kafkaConfigFile), { recursive: true });
  const listeners = [
    `PLAINTEXT://127.0.0.1:${port}`,
    `CONTROLLER://127.0.0.1:${controllerPort}`,
    ...(saslSsl ? [`SASL_SSL://127.0.0.1:${saslSsl.port}`] : []),
    ...(proxied ? [`PROXIED://127.0.0.1:${proxied.port}`] : []),
  ];
  const advertised = [
    `PLAINTEXT://127.0.0.1:${port}`,
    ...(saslSsl ? [`SASL_SSL://127.0.0.1:${saslSsl.port}`] : []),
    ...(proxied ? [`PROXIED://127.0.0.1:${proxied.advertisedPort}`] : []),
  ];
  const lines = [
    '# Written by tools/stack: one KRaft node, broker and controller, on loopback only.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=${listeners.join(',')}`,
    `advertised.listeners=${advertised.join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL${proxied ? ',PROXIED:PLAINTEXT' : ''}`,
    ...(saslSsl ? saslSslLines(saslSsl) : []),
    `log.dirs=${layout.kafkaDataDir}`,
    'num.partitions=6',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=12',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=6',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // The controller appends a no-op record to the metadata log every 500 ms by default (a raft
    // append and its flush, then the broker loading it): most of an idle broker's work here, and
    // a single node has no peer that would use it to notice a stalled controller sooner.
    'metadata.max.idle.interval.ms=5000',
    'log.cleaner.backoff.ms=1000',
    // The log cleaner allocates its dedupe buffer (128 MiB by default) in the heap at start and
    // keeps it: two thirds of this broker's live heap, so G1 ran concurrent marking cycles (CPU on
    // both cores, 10-15 ms pauses) every few seconds. 16 MiB holds ~600,000 keys per cleaning pass,
    // far more than the local stack's compacted topics have.
    'log.cleaner.dedupe.buffer.size=16777216',
    'log.retention.hours=168',
    'message.max.bytes=4194304',
    // The local stack's requests are small and many (at 200 events/s, a produce or a fetch for
    // nearly every event): with Kafka's default 3 network and 8 I/O threads on two cores, each is
    // handed between more threads than there are cores. One and two: the latency scenario's Kafka
    // CPU 15.5 / 15.7 → 14.6 / 14.8 s (pipeline 3.31 / 3.34 → 3.22 / 3.21 ms per delivery, p99
    // unchanged); throughput the same within its noise.
    'num.network.threads=1',
    'num.io.threads=2',
  ];
  writeFileSync(layout.kafkaConfigFile, lines.join('\n') + '\n');
}

/**
 * A cluster id as Kafka makes them (16 random bytes, base64url), never starting with '-': the
 * storage tool would read such an id as an option and fail (one first start in 64).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function formatStorage(layout: StackLayout, saslSsl?: SaslSslListener) {
  // The SCRAM credentials go into the cluster's metadata at format time (KRaft's bootstrap
  // records): kafkajs has no API to create them, and this needs no second JVM once running.
  const scram = saslSsl
    ? ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => [
        '--add-scram',
        `${m}=[name=${saslSsl.username},password=${saslSsl.password}]`,
      ])
    : [];
  if (existsSync(join(layout.kafkaDataDir, 'meta.properties'))) return;
  mkdirSync(layout.kafkaDataDir, { recursive: true });
  const clusterId = newClusterId();
  const result = spawnSync(
    'java',
    [
      '-cp',
      `${KAFKA_LIBS_DIR}/*`,
      `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      layout.kafkaConfigFile,
      ...scram,
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new StackError(
      `kafka: formatting storage failed (${(result.stderr || result.stdout).trim().split('\n').pop()})`,
    );
  }
}

export interface StartedKafka {
  pid: number;
  port: number;
  controllerPort: number;
  proxied?: ProxiedListener;
  saslSsl?: SaslSslListener;
}

async function ensurePortsFree(ports: number[]): Promise<void> {
  for (const p of ports) {
    if (!(await portIsFree(p))) {
      throw new StackError(
        `kafka: port ${p} on 127.0.0.1 is taken by another program; stop it, or set HOOKLINE_KAFKA_PORT / HOOKLINE_KAFKA_CONTROLLER_PORT (or KAFKA_BROKERS)`,
      );
    }
  }
}

export async function startKafka(
  layout: StackLayout,
  port: number,
  controllerPort: number,
  log: (line: string) => void,
  options: { proxied?: ProxiedListener; saslSsl?: SaslSslListener } = {},
): Promise<StartedKafka> {
  const { proxied, saslSsl } = options;
  await ensurePortsFree([
    port,
    controllerPort,
    ...(proxied ? [proxied.port] : []),
    ...(saslSsl ? [saslSsl.port] : []),
  ]);
  ensureJava();
  ensureKafkaJars(log);
  // A throwaway stack starts from empty storage each time: no topics or offsets left from a previous run.
  if (layout.throwaway) rmSync(layout.kafkaDataDir, { recursive: true, force: true });
  writeServerConfig(layout, port, controllerPort, { proxied, saslSsl });
  formatStorage(layout, saslSsl);
  const pid = await launchBroker(layout, port);
  return { pid, port, controllerPort, proxied, saslSsl };
}

/**
 * Starts a broker that was stopped (or killed) again with its data: the same configuration, ports
 * and log dirs, no format and no wipe, so its topics, offsets and committed groups are still there.
 */
export async function restartKafka(
  layout: StackLayout,
  previous: StartedKafka,
): Promise<StartedKafka> {
  const { port, controllerPort, proxied, saslSsl } = previous;
  await ensurePortsFree([
    port,
    controllerPort,
    ...(proxied ? [proxied.port] : []),
    ...(saslSsl ? [saslSsl.port] : []),
  ]);
  const pid = await launchBroker(layout, port);
  return { ...previous, pid };
}

async function launchBroker(layout: StackLayout, port: number): Promise<number> {
  mkdirSync(dirname(layout.kafkaLog), { recursive: true });
  const out = openSync(layout.kafkaLog, 'a');
  const child = spawn(
    'java',
    [
      // One local broker's working set (request buffers, index caches, the controller's metadata)
      // fits well in this; the log itself lives in the OS page cache, outside the heap.
      '-Xms256m',
      '-Xmx384m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      // Only the first JIT tier: this broker lives minutes, and the optimising tier's compiler
      // thread took about half a core for as long as the bench ran, doubling the broker's CPU in
      // every scenario. See the README.
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
      '-cp',
      `${KAFKA_LIBS_DIR}/*`,
      'kafka.Kafka',
      layout.kafkaConfigFile,
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  const pid = child.pid!;
  const deadline = Date.now() + 90_000;
  while (!(await portAnswers(port))) {
    if (!isAlive(pid)) {
      const tail = readFileSync(layout.kafkaLog, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => /ERROR|Exception/.test(l))
        .slice(-1)[0];
      throw new StackError(
        `kafka: the broker exited at start (${tail ?? 'no error logged'}); see ${layout.kafkaLog}`,
      );
    }
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new StackError(`kafka: no answer on port ${port} within 90 s; see ${layout.kafkaLog}`);
    }
    await sleep(200);
  }
  await waitForKafkaReady([`127.0.0.1:${port}`]);
  return pid;
}

/** The broker answers metadata requests (a listening socket alone is not enough). */
export async function waitForKafkaReady(brokers: string[], timeoutMs = 60_000): Promise<void> {
  const kafka = createKafka({ brokers, clientId: 'hookline-stack', logLevel: logLevel.NOTHING });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (e) {
      if (Date.now() > deadline)
        throw new StackError(
          `kafka: ${brokers.join(',')} does not answer (${(e as Error).message})`,
        );
      await sleep(300);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

export function kafkaLibsPresent(): boolean {
  return (
    existsSync(KAFKA_LIBS_DIR) &&
    readdirSync(KAFKA_LIBS_DIR).some((f) => f.startsWith('kafka_2.13'))
  );
}
