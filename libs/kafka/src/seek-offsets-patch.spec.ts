import { patchKafkajsSeekOffsets } from './seek-offsets-patch';

interface SeekOffsets {
  size: number;
  set(topic: string, partition: number, offset: string): void;
  has(topic: string, partition: number): boolean;
  pop(
    topic: string,
    partition: number,
  ): { topic: string; partition: number; offset: string } | undefined;
}

patchKafkajsSeekOffsets();
const SeekOffsetsClass = require('kafkajs/src/consumer/seekOffsets') as new () => SeekOffsets;

describe('kafkajs seek offsets, patched', () => {
  it('should answer as before: no seek when empty, the seek asked for until it is taken', () => {
    const seeks = new SeekOffsetsClass();
    expect(seeks.has('t.a', 0)).toBe(false);
    seeks.set('t.a', 0, '42');
    seeks.set('t.b', 3, '7');
    expect(seeks.has('t.a', 0)).toBe(true);
    expect(seeks.has('t.a', 3)).toBe(false);
    expect(seeks.has('t.b', 3)).toBe(true);
    expect(seeks.pop('t.a', 0)).toEqual({ topic: 't.a', partition: 0, offset: '42' });
    expect(seeks.has('t.a', 0)).toBe(false);
    expect(seeks.pop('t.a', 0)).toBeUndefined();
    expect(seeks.pop('t.b', 3)).toEqual({ topic: 't.b', partition: 3, offset: '7' });
    expect(seeks.size).toBe(0);
  });
});
