import { patchKafkajsModule } from './kafkajs-patch';

/** The part of kafkajs's protocol encoder (kafkajs 2.x) the patch touches. */
export interface KafkajsEncoderClass {
  nextPowerOfTwo(value: number): number;
  prototype: KafkajsEncoder;
}

export interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
  writeUVarInt(value: number): KafkajsEncoder;
}

/** kafkajs's own initial buffer: an encoder holds at least this much once written to. */
const MIN_BUFFER = 512;

const nextPowerOfTwo = (value: number) => 1 << (31 - Math.clz32(value) + 1);

/**
 * Grows the buffer as kafkajs does (to the next power of two), from Node's pre-allocated pool
 * (`allocUnsafe`: buffers under 4 KiB are slices of one shared 8 KiB slab) instead of a new
 * zero-filled buffer of its own each time. Every byte up to `offset` is written before it is read
 * (kafkajs's writers are sequential and each writes the length it measured), so nothing of the
 * pool's earlier contents can reach the wire.
 */
function ensureAvailable(this: KafkajsEncoder, length: number): void {
  if (this.offset + length <= this.buf.length) return;
  const grown = Buffer.allocUnsafe(Math.max(MIN_BUFFER, nextPowerOfTwo(this.offset + length)));
  this.buf.copy(grown, 0, 0, this.offset);
  this.buf = grown;
}

/** LEB128 as kafkajs writes it, into the buffer itself instead of through an array and a Buffer. */
function writeUVarInt(this: KafkajsEncoder, value: number): KafkajsEncoder {
  this.ensureAvailable(5);
  while ((value & 0xffffff80) !== 0) {
    this.buf[this.offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  this.buf[this.offset++] = value & 0x7f;
  return this;
}

/**
 * kafkajs 2.2.4 encodes every request, record and header through an `Encoder` that starts with
 * `Buffer.alloc(512)` and grows by `Buffer.alloc` again: a zero-filled buffer outside V8's heap for
 * each (a produced task made five or six), and a `Buffer.from([...])` for each varint. Their
 * allocation was the largest single item of the fan-out's CPU profile (7 % in `FastBuffer` alone,
 * more than the CRC). The same bytes are now written into pooled buffers: the constructor's one
 * use of `nextPowerOfTwo` is its initial size, which becomes 0 (an empty buffer, on V8's heap),
 * and the first write sizes the buffer in `ensureAvailable`, which no longer asks the class.
 * Process-wide and idempotent, like the request-queue patch.
 */
export function patchKafkajsEncoder(): void {
  patchKafkajsModule<KafkajsEncoderClass>('kafkajs/src/protocol/encoder', (Encoder) => {
    Encoder.prototype.ensureAvailable = ensureAvailable;
    Encoder.prototype.writeUVarInt = writeUVarInt;
    Encoder.nextPowerOfTwo = () => 0;
  });
}
