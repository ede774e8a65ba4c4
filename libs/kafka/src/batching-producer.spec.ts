import { CompressionTypes, type Kafka } from 'kafkajs';
import { BatchingProducer, COMPRESS_FROM_BYTES, requestCompression } from './batching-producer';

describe(requestCompression.name, () => {
  it('should send a small request uncompressed, a large one with the codec', () => {
    expect(requestCompression(900, CompressionTypes.GZIP)).toBe(CompressionTypes.None);
    expect(requestCompression(COMPRESS_FROM_BYTES - 1, CompressionTypes.GZIP)).toBe(
      CompressionTypes.None,
    );
    expect(requestCompression(COMPRESS_FROM_BYTES, CompressionTypes.GZIP)).toBe(
      CompressionTypes.GZIP,
    );
    expect(requestCompression(5_000_000, CompressionTypes.LZ4)).toBe(CompressionTypes.LZ4);
  });

  it('should follow a threshold of the caller', () => {
    expect(requestCompression(100, CompressionTypes.GZIP, 0)).toBe(CompressionTypes.GZIP);
    expect(requestCompression(100_000, CompressionTypes.GZIP, Infinity)).toBe(
      CompressionTypes.None,
    );
  });
});

describe(BatchingProducer.name, () => {
  /** A Kafka whose producers answer sendBatch with `answers` in turn (an error, or success). */
  function fakeKafka(answers: (Error | undefined)[]) {
    const producers: { sent: number; disconnected: boolean }[] = [];
    const kafka = {
      producer: () => {
        const p = { sent: 0, disconnected: false };
        producers.push(p);
        return {
          connect: async () => undefined,
          disconnect: async () => void (p.disconnected = true),
          sendBatch: async () => {
            p.sent++;
            const answer = answers.shift();
            if (answer) throw answer;
            return [];
          },
        };
      },
    } as unknown as Kafka;
    return { kafka, producers };
  }
  const protocolError = (type: string) => Object.assign(new Error(type), { type });

  it('should go on under a new producer id when the broker finds the sequence numbers out of order', async () => {
    // kafkajs retries such a batch under the same id forever: the broker refuses it every time.
    const { kafka, producers } = fakeKafka([protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER')]);
    const sut = new BatchingProducer(kafka, { retryBackoff: { initialMs: 1, maxMs: 1 } });
    await sut.send('t', { key: 'k', value: 'v' });
    expect(producers.map((p) => [p.sent, p.disconnected])).toEqual([
      [1, true],
      [1, false],
    ]);
    await sut.close();
  });

  it('should retry a passing failure under the same producer', async () => {
    const { kafka, producers } = fakeKafka([protocolError('NOT_LEADER_OR_FOLLOWER')]);
    const sut = new BatchingProducer(kafka, { retryBackoff: { initialMs: 1, maxMs: 1 } });
    await sut.send('t', { key: 'k', value: 'v' });
    expect(producers.map((p) => p.sent)).toEqual([2]);
    await sut.close();
  });
});
