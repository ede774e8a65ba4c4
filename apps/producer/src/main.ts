import { loadConfigOrExit, pickKafkaEnv } from '@hookline/config';
import { startTracing, stopTracing } from '@hookline/telemetry';
import { parseCliOptions } from './cli-options';
import { LoadGenerator } from './load-generator';

/**
 * The reference producer and load generator: realistic domain events to hookline.events at a
 * chosen rate, published the way a product team would (see README.md).
 */
async function main() {
  const options = parseCliOptions(process.argv.slice(2));
  // Only what a producer needs, so it runs without the services' secrets.
  const config = loadConfigOrExit({
    ...pickKafkaEnv(),
    HOOKLINE_TOPIC_PREFIX: process.env.HOOKLINE_TOPIC_PREFIX,
  });
  startTracing('hookline-producer');
  // Loaded once tracing has started, so that kafkajs is instrumented as it loads.
  const { createEventPublisher } = await import('@hookline/producer');
  const say = (line: string) => process.stdout.write(`[producer] ${line}\n`);
  const publisher = createEventPublisher({
    brokers: config.KAFKA_BROKERS,
    security: config.kafkaSecurity,
    clientId: 'hookline-producer',
    topicPrefix: config.HOOKLINE_TOPIC_PREFIX,
  });
  say(
    `publishing to ${publisher.topic} on ${config.KAFKA_BROKERS.join(',')}: ` +
      `${options.rate > 0 ? `${options.rate}/s` : 'full speed'}, ${options.count ?? 'unlimited'} events, ` +
      `${options.projects.length} projects, ${options.mix.types.length} event types`,
  );

  const generator = new LoadGenerator(publisher, options, say);
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130);
    say('stopping after the events in flight (Ctrl-C again to quit now)…');
    generator.stop();
  });
  process.on('SIGTERM', () => generator.stop());

  const report = await generator.run();
  await publisher.disconnect();
  await stopTracing();
  say(
    `done: ${report.sent} events in ${(report.elapsedMs / 1000).toFixed(1)} s ` +
      `(${report.rate.toFixed(0)} events/s), ${report.failed} failed` +
      (report.lastError ? ` (last error: ${report.lastError})` : ''),
  );
  process.exitCode = report.failed > 0 ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`producer: ${(e as Error).message}\n`);
  process.exit(1);
});
