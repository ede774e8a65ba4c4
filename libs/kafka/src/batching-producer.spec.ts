import { CompressionTypes } from 'kafkajs';
import { COMPRESS_FROM_BYTES, requestCompression } from './batching-producer';

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
