import { classifyAddress, forbiddenReason } from './address-policy';
import { UrlPolicyError, parseHostAddress, resolveAndCheck } from './url-policy';

const dev = { allowHttp: true, allowPrivate: true };
const prod = { allowHttp: false, allowPrivate: false };
const resolvesTo = (...addresses: string[]) => ({ lookup: async () => addresses });

describe(classifyAddress.name, () => {
  it.each([
    ['93.184.216.34', 'public'],
    ['2606:2800:220:1:248:1893:25c8:1946', 'public'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fc00::1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'reserved'],
  ])('should classify %s as %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });
});

describe(forbiddenReason.name, () => {
  it('should allow loopback and private only with allowPrivate', () => {
    expect(forbiddenReason('127.0.0.1', { allowPrivate: false })).toMatch(/loopback/);
    expect(forbiddenReason('127.0.0.1', { allowPrivate: true })).toBeNull();
    expect(forbiddenReason('10.0.0.1', { allowPrivate: true })).toBeNull();
  });

  it('should always refuse link-local and metadata', () => {
    expect(forbiddenReason('169.254.169.254', { allowPrivate: true })).toMatch(/metadata/);
    expect(forbiddenReason('fd00:ec2::254', { allowPrivate: true })).toMatch(/metadata/);
    expect(forbiddenReason('169.254.10.10', { allowPrivate: true })).toMatch(/link-local/);
  });
});

describe(parseHostAddress.name, () => {
  it.each([
    ['2852039166', '169.254.169.254'],
    ['0251.0376.0251.0376', '169.254.169.254'],
    ['0xa9fea9fe', '169.254.169.254'],
    ['0xa9.0xfe.0xa9.0xfe', '169.254.169.254'],
    ['169.254.43518', '169.254.169.254'],
    ['127.1', '127.0.0.1'],
    ['[::ffff:169.254.169.254]', '::ffff:a9fe:a9fe'],
    ['::ffff:169.254.169.254', '::ffff:a9fe:a9fe'],
    ['[fd00:ec2::254]', 'fd00:ec2::254'],
  ])('should read %s as %s', (host, expected) => {
    expect(parseHostAddress(host)).toBe(expected);
  });

  it.each(['example.com', '1.2.3.4.5', '0x1g', ''])(
    'should answer undefined for the host name %j',
    (host) => {
      expect(parseHostAddress(host)).toBeUndefined();
    },
  );

  it('should read every notation of the metadata address as metadata', () => {
    for (const host of [
      '2852039166',
      '0251.0376.0251.0376',
      '0xa9fea9fe',
      '[::ffff:169.254.169.254]',
    ]) {
      expect(classifyAddress(parseHostAddress(host)!)).toBe('metadata');
    }
  });
});

describe(resolveAndCheck.name, () => {
  it.each([
    'http://2852039166/',
    'http://0251.0376.0251.0376/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://0xa9fea9fe/',
    'http://169.254.43518/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[fd00:ec2::254]/latest/meta-data',
  ])('should refuse %s even in development', async (url) => {
    await expect(resolveAndCheck(url, dev)).rejects.toMatchObject({ reason: 'forbidden_address' });
  });

  it('should refuse a host that resolves to the metadata address', async () => {
    await expect(
      resolveAndCheck('https://metadata.example.test/', {
        ...dev,
        ...resolvesTo('169.254.169.254'),
      }),
    ).rejects.toThrow(UrlPolicyError);
  });

  it('should refuse a host when any of its addresses is forbidden', async () => {
    await expect(
      resolveAndCheck('https://mixed.example.test/', {
        ...prod,
        ...resolvesTo('93.184.216.34', '10.0.0.5'),
      }),
    ).rejects.toMatchObject({
      reason: 'forbidden_address',
    });
  });

  it('should refuse short-form loopback outside development', async () => {
    await expect(resolveAndCheck('https://127.1/', prod)).rejects.toMatchObject({
      reason: 'forbidden_address',
    });
    await expect(resolveAndCheck('http://127.1/', dev)).resolves.toMatchObject({
      addresses: ['127.0.0.1'],
    });
  });

  it('should refuse http unless allowed, and credentials always', async () => {
    await expect(
      resolveAndCheck('http://example.test/', { ...prod, ...resolvesTo('93.184.216.34') }),
    ).rejects.toMatchObject({ reason: 'not_https' });
    await expect(resolveAndCheck('ftp://example.test/', dev)).rejects.toMatchObject({
      reason: 'not_https',
    });
    await expect(
      resolveAndCheck('https://u:p@example.test/', { ...prod, ...resolvesTo('93.184.216.34') }),
    ).rejects.toMatchObject({ reason: 'invalid_url' });
    await expect(resolveAndCheck('not a url', prod)).rejects.toMatchObject({
      reason: 'invalid_url',
    });
  });

  it('should accept https://example.com when it resolves to a public address', async () => {
    const result = await resolveAndCheck('https://example.com', {
      ...prod,
      ...resolvesTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'),
    });
    expect(result.url.hostname).toBe('example.com');
    expect(result.addresses).toHaveLength(2);
  });

  it('should accept a public https endpoint and answer its addresses', async () => {
    const result = await resolveAndCheck('https://hooks.example.test/in', {
      ...prod,
      ...resolvesTo('93.184.216.34'),
    });
    expect(result.addresses).toEqual(['93.184.216.34']);
    expect(result.url.pathname).toBe('/in');
  });

  it('should say unresolvable for a host with no address', async () => {
    await expect(
      resolveAndCheck('https://nowhere.example.test/', {
        ...prod,
        lookup: async () => Promise.reject(new Error('ENOTFOUND')),
      }),
    ).rejects.toMatchObject({ reason: 'unresolvable' });
  });
});
