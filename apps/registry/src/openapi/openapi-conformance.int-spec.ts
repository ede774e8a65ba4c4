import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';
import { installSchemathesis, runSchemathesis, type Schemathesis } from '../testing/schemathesis';
import { RouteCatalog } from './route-catalog';

/** `/v1/webhooks/{id}` → `/v1/webhooks/:id`. */
const routerPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

const byRoute = (a: { method: string; url: string }, b: { method: string; url: string }) =>
  a.url.localeCompare(b.url) || a.method.localeCompare(b.method);

describe('OpenAPI document', () => {
  let st: Schemathesis;
  let r: RegistryHarness;
  let apiKey: string;

  beforeAll(async () => {
    st = installSchemathesis();
    // Delivery timeout 1 s: a test ping (no dispatcher runs here) answers `pending` after ~11 s.
    // No lockout on bad credentials: Schemathesis presents them on purpose (expecting 401), all
    // from one address, which would lock its good key out too (limits.int-spec tests the lockout).
    r = await startRegistry({
      HOOKLINE_DELIVERY_TIMEOUT: '1s',
      HOOKLINE_AUTH_FAILURES_PER_MINUTE: '0',
    });
    apiKey = (await r.project('schemathesis')).apiKey;
  }, 300_000);
  afterAll(() => r?.close());

  it('should document every route Nest serves, and only those', async () => {
    // Served: what Fastify routes. A handler Nest maps without @ApiRoute, or at another path
    // than its @ApiRoute declares, stops the boot (RouteCatalog), so none is served undocumented.
    const fastify = r.app.getHttpAdapter().getInstance() as FastifyInstance;
    const document = (await r.call('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => ({ method: m.toUpperCase(), url: routerPath(path) })),
    );
    expect(documented.length).toBeGreaterThan(15);
    expect(documented.filter((route) => !fastify.hasRoute(route))).toEqual([]);
    const catalog = r.app
      .get(RouteCatalog)
      .routes()
      .map((route) => ({ method: route.method.toUpperCase(), url: routerPath(route.path) }));
    expect(documented.sort(byRoute)).toEqual(catalog.sort(byRoute));
  });

  it('should answer 405 with Allow for a method a known path does not serve', async () => {
    const res = await r.call('PUT', '/v1/webhooks/wh_1', { token: apiKey });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH');
    expect(res.body.error.code).toBe('method_not_allowed');
    expect((await r.call('PUT', '/v1/nothing-here')).status).toBe(404);
  });

  it('should pass Schemathesis with no failure (positive and negative data, statuses, schemas)', async () => {
    const { code, output } = await runSchemathesis(
      st,
      [
        '--config-file',
        join(__dirname, 'schemathesis.toml'),
        'run',
        `${r.url}/openapi.json`,
        '--max-examples',
        '5',
        '--seed',
        '1',
        // One worker: CPython 3.11 can fail parsing source in concurrent threads (an internal
        // SystemError in Schemathesis' error reporting), and the machine has two cores anyway.
        '--workers',
        '1',
        '--no-shrink',
      ],
      { HOOKLINE_ST_API_KEY: apiKey, HOOKLINE_ST_ADMIN_TOKEN: r.adminToken },
      // ~40 s on a quiet machine; a busy one (a second clone testing) takes several times that.
      170_000,
    );
    if (code !== 0) throw new Error(`schemathesis exited ${code}:\n${output}`);
  }, 180_000);
});
