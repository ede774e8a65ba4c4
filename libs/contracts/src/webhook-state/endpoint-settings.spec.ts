import { CUSTOM_HEADER_LIMITS, CustomHeadersSchema } from './endpoint-settings';

const problems = (headers: Record<string, string>) => {
  const r = CustomHeadersSchema.safeParse(headers);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};

describe('CustomHeadersSchema', () => {
  it('should take ordinary headers', () => {
    expect(problems({ Authorization: 'Bearer abc', 'X-Tenant': 'acme corp' })).toEqual([]);
  });

  it.each([
    'Connection',
    'keep-alive',
    'Transfer-Encoding',
    'TE',
    'trailer',
    'Upgrade',
    'Proxy-Authorization',
    'Host',
    'Content-Length',
    'Webhook-Id',
    'WEBHOOK-TIMESTAMP',
    'webhook-signature',
    'X-Hub-Signature-256',
    'x-hop-hooks-signature-next',
    'User-Agent',
    'Content-Type',
    'traceparent',
  ])('should refuse %s, whatever its case', (name) => {
    expect(problems({ [name]: 'x' })).toEqual([name]);
  });

  it.each([
    ['a CR LF', 'a\r\nX-Evil: 1'],
    ['a NUL', 'a\u0000b'],
    ['a non-ASCII character', 'café'],
    ['an empty value', ''],
  ])('should refuse a value with %s', (_, value) => {
    expect(problems({ 'X-Ok': value })).toEqual(['X-Ok']);
  });

  it('should refuse a bad name, a name twice, and too many or too long headers', () => {
    expect(problems({ 'X Bad': 'v' })).toEqual(['X Bad']);
    expect(problems({ 'X-A': 'v', 'x-a': 'w' })).toEqual(['x-a']);
    const many = Object.fromEntries(
      Array.from({ length: CUSTOM_HEADER_LIMITS.count + 1 }, (_, i) => [`X-H${i}`, 'v']),
    );
    expect(problems(many)).toEqual(['']);
    const big = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`X-H${i}`, 'v'.repeat(900)]),
    );
    expect(problems(big)).toEqual(['']);
  });
});
