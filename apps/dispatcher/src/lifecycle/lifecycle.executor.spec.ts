import { KafkaHeaders, topicNames } from '@hookline/contracts';
import type { ConsumedMessage } from '@hookline/kafka';
import { LifecycleExecutor, type LifecycleExecutorDeps } from './lifecycle.executor';

/**
 * The `hookline-held-for` header decides whether a task is held again without being read, and any
 * producer of a retry tier can write it. Only the exact `circuit_open` or `endpoint_busy` on a
 * retry tier does so; anything else (a throttle's hold among them) is read and checked as any task
 * is.
 */
describe(`${LifecycleExecutor.name} reading the held-for header`, () => {
  const topics = topicNames('');
  const sut = new LifecycleExecutor({
    topics,
  } as Partial<LifecycleExecutorDeps> as LifecycleExecutorDeps);
  const message = (topic: string, heldFor?: Buffer | string): ConsumedMessage => ({
    topic,
    partition: 0,
    offset: '0',
    key: 'wh_1',
    value: Buffer.from('{}'),
    headers: heldFor === undefined ? {} : { [KafkaHeaders.heldFor]: heldFor },
  });

  it('should hold again unread only a retry-tier task marked circuit_open or endpoint_busy, whatever else the header holds', () => {
    const tier = topics.retry[0]!;
    expect(sut.heldForEndpoint(message(tier, Buffer.from('circuit_open')))).toBe(true);
    expect(sut.heldForEndpoint(message(tier, 'endpoint_busy'))).toBe(true);
    for (const hostile of [
      'circuit_open\u0000',
      Buffer.from([0x63, 0xed, 0xa0, 0x80]), // a lone surrogate's UTF-8 bytes
      'circuit_\ud800open',
      'circuit_open'.repeat(100_000),
      'throttled',
      'endpoint_busy\u0000',
      '',
    ])
      expect(sut.heldForEndpoint(message(tier, hostile))).toBe(false);
    expect(sut.heldForEndpoint(message(tier))).toBe(false);
    expect(sut.heldForEndpoint(message(topics.deliveries, 'circuit_open'))).toBe(false);
  });
});
