import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import { compressFrame as lz4Compress, decompressFrame as lz4Decompress } from 'lz4-napi';

/** What kafkajs hands a codec to compress: the encoded record batch. */
interface Encoder {
  buffer: Buffer;
}

// zstd's default level: Kafka's own producer uses it too.
const ZSTD_LEVEL = 3;

/**
 * kafkajs ships only gzip; a batch another client compressed with snappy, lz4 or zstd would stop
 * the consumer that reads it (KafkaJSNotImplemented) and with it every tenant on that partition.
 * Snappy uses kafkajs's own codec (it reads the xerial framing Java clients write); lz4 reads and
 * writes LZ4 frames as Kafka's clients do (KIP-57); zstd is plain zstd frames.
 */
export function registerCompressionCodecs(): void {
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: (encoder: Encoder) => lz4Compress(encoder.buffer),
    decompress: (buffer: Buffer) => lz4Decompress(buffer),
  });
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: Encoder) => zstdCompress(encoder.buffer, ZSTD_LEVEL),
    decompress: (buffer: Buffer) => zstdDecompress(buffer),
  });
}
