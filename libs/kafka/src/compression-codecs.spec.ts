import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { registerCompressionCodecs } from './compression-codecs';

describe(registerCompressionCodecs.name, () => {
  beforeAll(() => registerCompressionCodecs());

  it.each([
    ['snappy', CompressionTypes.Snappy as const],
    ['lz4', CompressionTypes.LZ4 as const],
    ['zstd', CompressionTypes.ZSTD as const],
  ])('should compress with %s what it decompresses back', async (_name, type) => {
    const codec = CompressionCodecs[type]();
    const batch = Buffer.from(JSON.stringify({ data: 'x'.repeat(4096) }));
    const compressed: Buffer = await codec.compress({ buffer: batch } as never);
    expect(compressed.length).toBeLessThan(batch.length);
    expect(await codec.decompress(compressed)).toEqual(batch);
  });
});
