import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, parseConfig } from './config';
import { parseDuration, parseDurationList } from './duration';

describe('parseDuration', () => {
  it('should read every unit', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('42')).toBe(42);
  });

  it('should refuse what is not a duration', () => {
    expect(() => parseDuration('ten seconds')).toThrow(/not a duration/);
    expect(() => parseDurationList('10s,,5m')).toThrow();
  });
});

describe('parseConfig', () => {
  it('should apply the defaults of DESIGN.md', () => {
    const config = parseConfig({});
    expect(config.HOOKLINE_API_PORT).toBe(3000);
    expect(config.HOOKLINE_GRPC_PORT).toBe(50051);
    expect(config.HOOKLINE_RETRY_SCHEDULE).toEqual([10_000, 60_000, 300_000, 1_800_000, 7_200_000]);
    expect(config.HOOKLINE_DELIVERY_TIMEOUT).toBe(15_000);
    expect(config.HOOKLINE_DISABLE_AFTER_FAILED_DELIVERIES).toBe(1);
    expect(config.HOOKLINE_ALLOW_PRIVATE_URLS).toBe(false);
    expect(config.HOOKLINE_ALLOW_HTTP).toBe(false);
    expect(config.HOOKLINE_ENCRYPTION_KEYS).toEqual([{ id: 'default', key: expect.any(Buffer) }]);
    expect(config.HOOKLINE_ENCRYPTION_KEYS[0]!.key).toHaveLength(32);
  });

  it('should name the variable of a bad value', () => {
    expect(() => parseConfig({ HOOKLINE_RETRY_SCHEDULE: '10s,soon' })).toThrow(ConfigError);
    expect(() => parseConfig({ HOOKLINE_RETRY_SCHEDULE: '10s,soon' })).toThrow(
      /^HOOKLINE_RETRY_SCHEDULE/,
    );
    expect(() => parseConfig({ HOOKLINE_API_PORT: '70000' })).toThrow(/^HOOKLINE_API_PORT/);
    expect(() => parseConfig({ HOOKLINE_GRPC_PORT: 'grpc' })).toThrow(/^HOOKLINE_GRPC_PORT/);
    expect(() => parseConfig({ HOOKLINE_ALLOW_HTTP: 'maybe' })).toThrow(/^HOOKLINE_ALLOW_HTTP/);
  });

  it('should read the limits, with generous defaults and 0 for none', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      HOOKLINE_API_RATE_LIMIT: 100,
      HOOKLINE_API_RATE_BURST: 200,
      HOOKLINE_INGEST_RATE_LIMIT: 2000,
      HOOKLINE_MAX_WEBHOOKS_PER_PROJECT: 1000,
      HOOKLINE_TEST_PINGS_PER_MINUTE: 10,
      HOOKLINE_AUTH_LOCKOUT: 60_000,
    });
    expect(parseConfig({ HOOKLINE_API_RATE_LIMIT: '0.5' }).HOOKLINE_API_RATE_LIMIT).toBe(0.5);
    expect(() => parseConfig({ HOOKLINE_API_RATE_LIMIT: '-1' })).toThrow(
      /^HOOKLINE_API_RATE_LIMIT/,
    );
    expect(() => parseConfig({ HOOKLINE_API_RATE_BURST: '0' })).toThrow(/^HOOKLINE_API_RATE_BURST/);
    expect(() => parseConfig({ HOOKLINE_AUTH_LOCKOUT: 'a while' })).toThrow(
      /^HOOKLINE_AUTH_LOCKOUT/,
    );
  });

  it("should let the heap grow to twice what is live by default, and take 0 for V8's own choice", () => {
    expect(parseConfig({}).HOOKLINE_HEAP_GROWTH_PERCENT).toBe(100);
    expect(parseConfig({ HOOKLINE_HEAP_GROWTH_PERCENT: '0' }).HOOKLINE_HEAP_GROWTH_PERCENT).toBe(0);
    expect(() => parseConfig({ HOOKLINE_HEAP_GROWTH_PERCENT: '-10' })).toThrow(
      /^HOOKLINE_HEAP_GROWTH_PERCENT/,
    );
  });

  it('should require an encryption key in production', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/^HOOKLINE_ENCRYPTION_KEY/);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(
      parseConfig({ NODE_ENV: 'production', HOOKLINE_ENCRYPTION_KEY: key })
        .HOOKLINE_ENCRYPTION_KEYS,
    ).toEqual([{ id: 'default', key: Buffer.alloc(32, 7) }]);
    expect(
      parseConfig({ NODE_ENV: 'production', HOOKLINE_ENCRYPTION_KEYS: `k1:${key}` })
        .HOOKLINE_ENCRYPTION_KEYS,
    ).toHaveLength(1);
  });

  it('should read a key ring whose first key seals, then the single key as "default"', () => {
    const k2 = Buffer.alloc(32, 2);
    const k1 = Buffer.alloc(32, 1);
    const old = Buffer.alloc(32, 9);
    expect(
      parseConfig({
        HOOKLINE_ENCRYPTION_KEYS: `k2:${k2.toString('base64')}, k1:${k1.toString('hex')}`,
        HOOKLINE_ENCRYPTION_KEY: old.toString('base64'),
      }).HOOKLINE_ENCRYPTION_KEYS,
    ).toEqual([
      { id: 'k2', key: k2 },
      { id: 'k1', key: k1 },
      { id: 'default', key: old },
    ]);
  });

  it('should refuse a bad key ring with a line naming HOOKLINE_ENCRYPTION_KEYS', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    for (const bad of [key, `k1:${key},k1:${key}`, 'k1:short', `k:1:${key}`, `k1:${key},`]) {
      expect(() => parseConfig({ HOOKLINE_ENCRYPTION_KEYS: bad })).toThrow(
        /^HOOKLINE_ENCRYPTION_KEYS: /,
      );
    }
    expect(() =>
      parseConfig({ HOOKLINE_ENCRYPTION_KEYS: `default:${key}`, HOOKLINE_ENCRYPTION_KEY: key }),
    ).toThrow(/^HOOKLINE_ENCRYPTION_KEYS: .*default/);
  });

  it('should refuse a retry delay past 24 h, which no timer can wait for past 2^31 ms', () => {
    expect(parseConfig({ HOOKLINE_RETRY_SCHEDULE: '10s,24h' }).HOOKLINE_RETRY_SCHEDULE).toEqual([
      10_000, 86_400_000,
    ]);
    for (const bad of ['10s,25h', '2147483648', '30m,600h']) {
      expect(() => parseConfig({ HOOKLINE_RETRY_SCHEDULE: bad })).toThrow(
        /^HOOKLINE_RETRY_SCHEDULE: .*24h/,
      );
    }
  });

  it("should bound a webhook's own retry delays by the tiers' unless set, and refuse crossed bounds", () => {
    const config = parseConfig({ HOOKLINE_RETRY_SCHEDULE: '5s,1m,1h' });
    expect(config.HOOKLINE_WEBHOOK_MIN_RETRY_DELAY).toBe(5000);
    expect(config.HOOKLINE_WEBHOOK_MAX_RETRY_DELAY).toBe(3_600_000);
    expect(config.HOOKLINE_CIRCUIT_FAILURES).toBe(10);
    expect(config.HOOKLINE_CIRCUIT_COOLDOWN).toBe(30_000);
    expect(
      parseConfig({
        HOOKLINE_WEBHOOK_MIN_RETRY_DELAY: '1s',
        HOOKLINE_WEBHOOK_MAX_RETRY_DELAY: '6h',
      }).HOOKLINE_WEBHOOK_MIN_RETRY_DELAY,
    ).toBe(1000);
    expect(() =>
      parseConfig({
        HOOKLINE_WEBHOOK_MIN_RETRY_DELAY: '3h',
        HOOKLINE_WEBHOOK_MAX_RETRY_DELAY: '2h',
      }),
    ).toThrow(/^HOOKLINE_WEBHOOK_MIN_RETRY_DELAY/);
    expect(() =>
      parseConfig({
        HOOKLINE_WEBHOOK_MAX_RETRY_DELAY: '24h',
        HOOKLINE_KAFKA_RETRY_RETENTION: '1d',
      }),
    ).toThrow(/^HOOKLINE_WEBHOOK_MAX_RETRY_DELAY: .*half/);
    expect(() =>
      parseConfig({
        HOOKLINE_WEBHOOK_MIN_DISABLE_AFTER: '5',
        HOOKLINE_WEBHOOK_MAX_DISABLE_AFTER: '3',
      }),
    ).toThrow(/^HOOKLINE_WEBHOOK_MIN_DISABLE_AFTER/);
  });

  it('should refuse a delivery timeout of zero or past 5 minutes', () => {
    expect(parseConfig({ HOOKLINE_DELIVERY_TIMEOUT: '5m' }).HOOKLINE_DELIVERY_TIMEOUT).toBe(
      300_000,
    );
    for (const bad of ['0', '6m', '2147483648', '30d']) {
      expect(() => parseConfig({ HOOKLINE_DELIVERY_TIMEOUT: bad })).toThrow(
        /^HOOKLINE_DELIVERY_TIMEOUT: /,
      );
    }
  });
});

describe('e-mail settings', () => {
  it('should leave mail off without HOOKLINE_SMTP_URL and default the sender, limit and digest', () => {
    const config = parseConfig({});
    expect(config.HOOKLINE_SMTP_URL).toBeUndefined();
    expect(config.HOOKLINE_MAIL_FROM).toBe('Hookline <hookline@localhost>');
    expect(config.HOOKLINE_MAIL_MAX_PER_PROJECT_HOUR).toBe(10);
    expect(config.HOOKLINE_MAIL_DIGEST_INTERVAL).toBe(3_600_000);
  });

  it('should accept smtp:// and smtps:// URLs and refuse anything else, naming the variable', () => {
    for (const good of ['smtp://127.0.0.1:2525', 'smtps://user:pass@mail.example.com:465']) {
      expect(parseConfig({ HOOKLINE_SMTP_URL: good }).HOOKLINE_SMTP_URL).toBe(good);
    }
    for (const bad of ['http://mail.example.com', 'mail.example.com:25', 'smtp://']) {
      expect(() => parseConfig({ HOOKLINE_SMTP_URL: bad })).toThrow(/^HOOKLINE_SMTP_URL: /);
    }
    expect(() => parseConfig({ HOOKLINE_MAIL_MAX_PER_PROJECT_HOUR: '0' })).toThrow(
      /^HOOKLINE_MAIL_MAX_PER_PROJECT_HOUR: /,
    );
  });
});

describe('placeholder secrets', () => {
  it('should refuse the manifests\' "change-me" values, naming the variable', () => {
    const cases: Record<string, string> = {
      HOOKLINE_ADMIN_TOKEN: 'change-me-to-a-long-random-token',
      HOOKLINE_ENCRYPTION_KEY: 'CHANGE-ME-32-bytes-base64',
      HOOKLINE_ENCRYPTION_KEYS: 'k1:changeme',
      DATABASE_URL: 'postgres://hookline:change-me@postgres:5432/hookline',
      HOOKLINE_KAFKA_SASL_PASSWORD: 'change-me',
      HOOKLINE_SMTP_URL: 'smtps://hookline:change-me@smtp.example.com:465',
    };
    for (const [name, value] of Object.entries(cases)) {
      expect(() => parseConfig({ NODE_ENV: 'production', [name]: value })).toThrow(
        new RegExp(`^${name}: is still the placeholder of the manifests`),
      );
    }
  });

  it('should accept real values', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = parseConfig({
      NODE_ENV: 'production',
      HOOKLINE_ADMIN_TOKEN: 'hla_4f1c2a9b8e7d6c5b4a39281706f5e4d3',
      HOOKLINE_ENCRYPTION_KEY: key,
    });
    expect(config.HOOKLINE_ENCRYPTION_KEYS[0]!.key).toEqual(Buffer.alloc(32, 7));
  });
});

describe('loadConfigOrExit', () => {
  it('should stop the process with exit code 78 and one line naming the variable', () => {
    const root = join(__dirname, '..', '..', '..');
    const result = spawnSync(
      process.execPath,
      [
        '-r',
        join(root, 'tools', 'register.js'),
        '-e',
        `require(${JSON.stringify(join(root, 'libs', 'config', 'src'))}).loadConfigOrExit(); console.log('started')`,
      ],
      {
        env: { ...process.env, HOOKLINE_RETRY_SCHEDULE: '10s,2147483648ms' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^hookline: invalid configuration: HOOKLINE_RETRY_SCHEDULE: /),
    ]);
  });

  it('should stop at start on a placeholder secret with one line naming it', () => {
    const root = join(__dirname, '..', '..', '..');
    const result = spawnSync(
      process.execPath,
      [
        '-r',
        join(root, 'tools', 'register.js'),
        '-e',
        `require(${JSON.stringify(join(root, 'libs', 'config', 'src'))}).loadConfigOrExit(); console.log('started')`,
      ],
      {
        env: { ...process.env, HOOKLINE_ADMIN_TOKEN: 'CHANGE-ME-to-a-long-random-token' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'hookline: invalid configuration: HOOKLINE_ADMIN_TOKEN: is still the placeholder of the manifests ("change-me"): set the real secret',
    ]);
  });
});
