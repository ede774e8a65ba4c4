import { patchKafkajsEncoder } from './encoder-patch';

interface Encoder {
  buf: Buffer;
  buffer: Buffer;
  writeVarInt(value: number): Encoder;
  writeUVarInt(value: number): Encoder;
  writeVarIntString(value: string | null): Encoder;
  writeBytes(value: Buffer | string | null): Encoder;
}
type Message = {
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
  timestamp: number;
};

const EncoderClass = require('kafkajs/src/protocol/encoder') as new () => Encoder;
const produceRequest = require('kafkajs/src/protocol/requests/produce/v7/request') as (args: {
  acks: number;
  timeout: number;
  compression: number;
  topicData: { topic: string; partitions: { partition: number; messages: Message[] }[] }[];
}) => { encode(): Promise<Encoder> };

const NOW = 1_796_411_623_086;
const text = (n: number) => 'x'.repeat(n);
/** What a task topic may carry: any key and value, headers of every kind, any size. */
const MESSAGES: Message[] = [
  { key: null, value: null, timestamp: NOW },
  { key: '', value: '', timestamp: NOW + 1 },
  {
    key: 'wh_1',
    value: '{"a":1}',
    headers: { 'hookline-event-type': 'order.created' },
    timestamp: NOW,
  },
  {
    key: 'wh_ü',
    value: 'é日本語🙂',
    headers: { h: ['a', 'ß'], b: Buffer.from([0, 255]) },
    timestamp: NOW,
  },
  { key: 'wh_\u0000', value: 'lone \ud800 surrogate \udfff and NUL \u0000', timestamp: NOW - 5 },
  { key: Buffer.from('wh_buf'), value: Buffer.alloc(300, 7), timestamp: NOW },
  { key: 'wh_big', value: text(100_000), headers: { long: text(5_000) }, timestamp: NOW + 99 },
  ...Array.from({ length: 40 }, (_, i) => ({
    key: `wh_${i}`,
    value: text(i * 37),
    headers: { 'hookline-not-before': String(NOW + i * 1000), traceparent: text(55) },
    timestamp: NOW + i,
  })),
];
const VARINTS = [0, 1, -1, 63, -64, 64, 127, 128, 300, -300, 2 ** 20, 2 ** 31 - 1, -(2 ** 31)];

async function encodings(): Promise<Buffer[]> {
  const produce = await produceRequest({
    acks: -1,
    timeout: 30_000,
    compression: 0,
    topicData: [
      { topic: 't.a', partitions: [{ partition: 0, messages: MESSAGES }] },
      {
        topic: 't.b',
        partitions: [1, 2].map((partition) => ({ partition, messages: MESSAGES.slice(2, 9) })),
      },
    ],
  }).encode();
  const varints = new EncoderClass();
  for (const v of VARINTS) varints.writeVarInt(v).writeUVarInt(v >>> 0);
  const strings = new EncoderClass().writeVarIntString(null).writeVarIntString('').writeBytes(null);
  return [produce.buffer, varints.buffer, strings.buffer].map((b) => Buffer.from(b));
}

describe('kafkajs encoder, patched', () => {
  let before: Buffer[];
  beforeAll(async () => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    before = await encodings();
    patchKafkajsEncoder();
  });
  afterAll(() => jest.restoreAllMocks());

  it('should write the very bytes kafkajs wrote: requests, records, headers and varints of every kind', async () => {
    const after = await encodings();
    expect(after.map((b) => b.length)).toEqual(before.map((b) => b.length));
    after.forEach((b, i) => expect(b.equals(before[i]!)).toBe(true));
  });

  it('should start an encoder empty and grow it from the shared pool, not a buffer of its own', () => {
    const [a, b] = [new EncoderClass(), new EncoderClass()];
    expect(a.buf.length).toBe(0);
    a.writeVarIntString('wh_1');
    b.writeVarIntString('wh_2');
    expect(a.buf.length).toBe(512);
    expect(a.buf.buffer).toBe(b.buf.buffer);
  });
});
