import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import vectorsFile from '../test-vectors.json';
import {
  InvalidPayloadError,
  InvalidSignatureError,
  MissingHeaderError,
  TimestampOutsideToleranceError,
  constructEvent,
  generateSecret,
  signHeaders,
  verify,
  type Scheme,
} from './index';
import * as web from './web';

interface Vector {
  name: string;
  scheme: Scheme;
  secrets: string[];
  msg_id: string;
  timestamp: number;
  body: string;
  headers: Record<string, string>;
}
const vectors = vectorsFile.vectors as unknown as Vector[];

describe(signHeaders.name, () => {
  it.each(vectors.map((v) => [v.name, v] as const))(
    'should produce the headers of vector %s',
    (_, v) => {
      expect(
        signHeaders({
          scheme: v.scheme,
          secrets: v.secrets,
          msgId: v.msg_id,
          timestamp: v.timestamp,
          body: v.body,
        }),
      ).toEqual(v.headers);
    },
  );

  it('should sign bytes exactly as a string of the same text', () => {
    const v = vectors[1]!;
    const fromBytes = signHeaders({
      scheme: 'standard',
      secrets: v.secrets,
      msgId: v.msg_id,
      timestamp: v.timestamp,
      body: Buffer.from(v.body),
    });
    expect(fromBytes).toEqual(v.headers);
  });

  it('should make secrets of 32 random bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
  });
});

describe(verify.name, () => {
  const NOW = 1_700_000_000;
  /** `standard` headers for `body`, signed with `secret` at NOW. */
  const signedNow = (body: string, secret: string) =>
    signHeaders({ scheme: 'standard', secrets: [secret], msgId: 'msg_1', timestamp: NOW, body });

  it.each(vectors.map((v) => [v.name, v] as const))(
    'should accept vector %s with each of its secrets',
    async (_, v) => {
      for (const secret of v.secrets) {
        await expect(
          verify(v.body, v.headers, secret, { now: v.timestamp }),
        ).resolves.toBeUndefined();
      }
    },
  );

  // A receiver in Node verifies every delivery it gets: Web Crypto's HMAC is a job on the thread
  // pool and a promise, ~60–80 µs of CPU where node:crypto's takes ~4.
  it("should verify with node:crypto in the Node entry, every scheme's vector, without Web Crypto", async () => {
    const subtle = [
      jest.spyOn(globalThis.crypto.subtle, 'importKey'),
      jest.spyOn(globalThis.crypto.subtle, 'sign'),
    ];
    try {
      for (const v of vectors) {
        await verify(v.body, v.headers, v.secrets, { now: v.timestamp });
        await expect(
          verify(`${v.body} `, v.headers, v.secrets, { now: v.timestamp }),
        ).rejects.toThrow(InvalidSignatureError);
      }
      for (const spy of subtle) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of subtle) spy.mockRestore();
    }
  });

  it('should agree with the Web Crypto entry on bodies holding NUL and a lone surrogate', async () => {
    const secret = generateSecret();
    for (const body of ['a\u0000b', 'x\ud800y', `{"s":"\udfff\u0000"}`]) {
      const headers = signedNow(body, secret);
      for (const entry of [verify, web.verify]) {
        await expect(entry(body, headers, secret, { now: NOW })).resolves.toBeUndefined();
        await expect(entry(`${body}\u0000`, headers, secret, { now: NOW })).rejects.toThrow(
          InvalidSignatureError,
        );
      }
    }
  });

  it('should accept a Buffer body and a Headers instance', async () => {
    const v = vectors[1]!;
    await expect(
      verify(Buffer.from(v.body), new Headers(v.headers), v.secrets, { now: v.timestamp }),
    ).resolves.toBeUndefined();
  });

  it('should refuse a changed body, another secret and a missing header', async () => {
    const v = vectors[1]!;
    await expect(verify(v.body + ' ', v.headers, v.secrets, { now: v.timestamp })).rejects.toThrow(
      InvalidSignatureError,
    );
    await expect(verify(v.body, v.headers, generateSecret(), { now: v.timestamp })).rejects.toThrow(
      'Invalid signature',
    );
    const { 'webhook-id': _id, ...rest } = v.headers;
    await expect(verify(v.body, rest, v.secrets, { now: v.timestamp })).rejects.toThrow(
      MissingHeaderError,
    );
    await expect(verify(v.body, {}, v.secrets)).rejects.toThrow('Missing header');
  });

  it('should refuse a timestamp more than 5 minutes away', async () => {
    const v = vectors[1]!;
    await expect(verify(v.body, v.headers, v.secrets, { now: v.timestamp + 301 })).rejects.toThrow(
      TimestampOutsideToleranceError,
    );
    await expect(verify(v.body, v.headers, v.secrets, { now: v.timestamp - 301 })).rejects.toThrow(
      'Timestamp outside tolerance',
    );
    await expect(
      verify(v.body, v.headers, v.secrets, { now: v.timestamp + 299 }),
    ).resolves.toBeUndefined();
  });

  it('should construct the envelope typed by event type', async () => {
    const v = vectors[1]!;
    const event = await constructEvent(v.body, v.headers, v.secrets[0]!, { now: v.timestamp });
    expect(event).toEqual(JSON.parse(v.body));
    // Narrowing on `event` types `data`: this line would not compile for another type.
    if (event.event !== 'ignite.deployment.container.metrics_update') throw new Error(event.event);
    expect(event.data.metrics.cpu_usage_percent).toBe(12.25);
  });

  it('should refuse a verified body that is not an event envelope', async () => {
    const secret = generateSecret();
    const body = '{"hello":"world"}';
    const headers = signedNow(body, secret);
    await expect(constructEvent(body, headers, secret, { now: NOW })).rejects.toThrow(
      InvalidPayloadError,
    );
  });

  it('should check only the scheme it is told to', async () => {
    const v = vectors.find((x) => x.scheme === 'hop')!;
    await expect(
      verify(v.body, v.headers, v.secrets, { now: v.timestamp, scheme: 'hop' }),
    ).resolves.toBeUndefined();
    await expect(
      verify(v.body, v.headers, v.secrets, { now: v.timestamp, scheme: 'hub-sha512' }),
    ).rejects.toThrow(MissingHeaderError);
  });
});

describe('interoperability', () => {
  const now = Math.floor(Date.now() / 1000);

  it.each(vectors.filter((v) => v.scheme === 'standard').map((v) => [v.name, v] as const))(
    'should sign %s so the standardwebhooks and svix verifiers accept it',
    (_, v) => {
      const headers = signHeaders({
        scheme: 'standard',
        secrets: v.secrets,
        msgId: v.msg_id,
        timestamp: now,
        body: v.body,
      });
      for (const secret of v.secrets) {
        expect(new Webhook(secret).verify(v.body, headers)).toEqual(JSON.parse(v.body));
        const svixHeaders = {
          'svix-id': headers['webhook-id']!,
          'svix-timestamp': headers['webhook-timestamp']!,
          'svix-signature': headers['webhook-signature']!,
        };
        expect(new SvixWebhook(secret).verify(v.body, svixHeaders)).toEqual(JSON.parse(v.body));
      }
    },
  );

  it.each(vectors.filter((v) => v.scheme === 'standard').map((v) => [v.name, v] as const))(
    'should have the standardwebhooks and svix verifiers accept vector %s exactly as written',
    (_, v) => {
      // Their clocks are Date.now(): set it to the vector's timestamp.
      jest.useFakeTimers({ now: v.timestamp * 1000, doNotFake: ['nextTick', 'setImmediate'] });
      try {
        for (const secret of v.secrets) {
          expect(new Webhook(secret).verify(v.body, v.headers)).toEqual(JSON.parse(v.body));
          const svixHeaders = {
            'svix-id': v.headers['webhook-id']!,
            'svix-timestamp': v.headers['webhook-timestamp']!,
            'svix-signature': v.headers['webhook-signature']!,
          };
          expect(new SvixWebhook(secret).verify(v.body, svixHeaders)).toEqual(JSON.parse(v.body));
        }
      } finally {
        jest.useRealTimers();
      }
    },
  );

  it('should verify what the standardwebhooks signer produces', async () => {
    const secret = generateSecret();
    const body = '{"hello":"world"}';
    const signature = new Webhook(secret).sign('msg_abc', new Date(now * 1000), body);
    await expect(
      verify(
        body,
        {
          'webhook-id': 'msg_abc',
          'webhook-timestamp': String(now),
          'webhook-signature': signature,
        },
        secret,
      ),
    ).resolves.toBeUndefined();
  });
});

describe('signature_header', () => {
  const v = vectors.find((x) => x.name === 'hostwares-rotation')!;

  it('should rename the signature, -next and timestamp headers of a single-signature scheme and verify under that name', async () => {
    const headers = signHeaders({
      scheme: 'hostwares',
      secrets: v.secrets,
      msgId: v.msg_id,
      timestamp: v.timestamp,
      body: v.body,
      signatureHeader: 'X-Acme-Signature',
    });
    expect(headers).toEqual({
      'webhook-id': v.msg_id,
      'webhook-timestamp': String(v.timestamp),
      'x-acme-signature': v.headers['x-hostwares-signature'],
      'x-acme-signature-next': v.headers['x-hostwares-signature-next'],
      'x-acme-timestamp': String(v.timestamp),
    });
    for (const secret of v.secrets)
      await expect(
        verify(v.body, headers, secret, {
          scheme: 'hostwares',
          signatureHeader: 'X-Acme-Signature',
        }),
      ).resolves.toBeUndefined();
  });

  it('should never put two signatures in one header of a single-signature scheme', () => {
    for (const scheme of ['hop', 'hostwares', 'hub-sha512', 'github'] as const) {
      const headers = signHeaders({ ...v, msgId: v.msg_id, scheme, secrets: v.secrets });
      for (const value of Object.values(headers)) expect(value).not.toMatch(/[, ]/);
    }
  });
});
