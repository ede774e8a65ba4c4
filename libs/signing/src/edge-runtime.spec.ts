import vectorsFile from '../test-vectors.json';

// An edge runtime has Web Crypto but neither node:crypto nor Buffer: loading either must fail here.
jest.mock('node:crypto', () => {
  throw new Error('node:crypto is not available in an edge runtime');
});
jest.mock('crypto', () => {
  throw new Error('crypto is not available in an edge runtime');
});

interface Vector {
  name: string;
  secrets: string[];
  timestamp: number;
  body: string;
  headers: Record<string, string>;
}
const vectors = vectorsFile.vectors as unknown as Vector[];

/** Runs fn with Buffer removed from the global scope, as in an edge runtime. */
async function withoutBuffer<T>(fn: () => Promise<T>): Promise<T> {
  const saved = globalThis.Buffer;
  // @ts-expect-error the edge has no Buffer
  delete globalThis.Buffer;
  try {
    return await fn();
  } finally {
    globalThis.Buffer = saved;
  }
}

describe('edge runtime (Web Crypto only)', () => {
  const web = require('./web') as typeof import('./web');
  const encoder = new TextEncoder();

  it.each(vectors.map((v) => [v.name, v] as const))(
    'should verify vector %s with crypto.subtle alone',
    async (_, v) => {
      await withoutBuffer(async () => {
        for (const secret of v.secrets) {
          await web.verify(v.body, new Headers(v.headers), secret, { now: v.timestamp });
          await web.verify(encoder.encode(v.body), v.headers, [secret], { now: v.timestamp });
        }
      });
    },
  );

  it('should refuse a tampered body and construct the envelope from bytes', async () => {
    const v = vectors[1]!;
    await withoutBuffer(async () => {
      await expect(
        web.verify(`${v.body} `, v.headers, v.secrets, { now: v.timestamp }),
      ).rejects.toThrow(web.InvalidSignatureError);
      const event = await web.constructEvent(encoder.encode(v.body).buffer, v.headers, v.secrets, {
        now: v.timestamp,
      });
      expect(event).toEqual(JSON.parse(v.body));
    });
  });

  it('should not load the Node signer', () => {
    expect(() => require('./sign')).toThrow('not available in an edge runtime');
  });
});
