import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { KeyHashPartitioner, murmur2 } from './key-partitioner';

const partitions = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({
    partitionId: i,
    leader: 1,
    replicas: [1],
    isr: [1],
    offlineReplicas: [],
    partitionErrorCode: 0,
  }));

describe(KeyHashPartitioner.name, () => {
  it('should choose the partition kafkajs (and the Java client) would, for every key', () => {
    const reference = Partitioners.DefaultPartitioner();
    const sut = KeyHashPartitioner();
    for (let i = 0; i < 1000; i++) {
      const key =
        i % 3 === 0
          ? randomBytes(i % 40)
          : `wh_${randomBytes(1 + (i % 23)).toString('base64url')}${i % 7 === 0 ? 'é' : ''}`;
      for (const n of [1, 3, 6, 7, 64]) {
        const args = { topic: 't', partitionMetadata: partitions(n), message: { key, value: 'v' } };
        expect(sut(args)).toBe(reference(args));
      }
    }
  });

  it('should keep an explicit partition and spread keyless messages over the partitions', () => {
    const sut = KeyHashPartitioner();
    expect(
      sut({
        topic: 't',
        partitionMetadata: partitions(6),
        message: { key: 'k', value: 'v', partition: 4 },
      }),
    ).toBe(4);
    const seen = new Set(
      Array.from({ length: 12 }, () =>
        sut({ topic: 't', partitionMetadata: partitions(6), message: { key: null, value: 'v' } }),
      ),
    );
    expect(seen.size).toBe(6);
  });

  it('should match the known murmur2 values of the Java client', () => {
    // From org.apache.kafka.common.utils.UtilsTest#testMurmur2.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(
      -58897971,
    );
    expect(murmur2(Buffer.from([97, 98, 99]))).toBe(479470107);
  });
});
