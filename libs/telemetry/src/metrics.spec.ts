import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createMetricsRegistry, startOpsServer } from './metrics';

describe(startOpsServer.name, () => {
  let server: Server | undefined;
  afterEach(() => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))));

  async function start(checks: { ready: boolean; live?: boolean }) {
    server = await startOpsServer({
      port: 0,
      registry: new Registry(),
      ready: async () => ({ consuming: checks.ready }),
      live: checks.live === undefined ? undefined : async () => ({ consumers: checks.live! }),
    });
    const { port } = server.address() as AddressInfo;
    return (path: string) => fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status);
  }

  it('should answer /readyz 503 while a readiness check fails, and 200 once it passes', async () => {
    const checks = { ready: false };
    const status = await start(checks);
    expect(await status('/readyz')).toBe(503);
    checks.ready = true;
    expect(await status('/readyz')).toBe(200);
  });

  it('should answer /healthz 503 once a liveness check fails', async () => {
    const checks = { ready: false, live: true };
    const status = await start(checks);
    expect(await status('/healthz')).toBe(200);
    checks.live = false;
    expect(await status('/healthz')).toBe(503);
  });

  it('should answer /healthz 200 without liveness checks', async () => {
    const status = await start({ ready: false });
    expect(await status('/healthz')).toBe(200);
  });
});

describe(createMetricsRegistry.name, () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('should report a stall of the event loop in its runtime metrics', async () => {
    const registry = createMetricsRegistry('test');
    await sleep(250);
    const until = Date.now() + 400;
    while (Date.now() < until) {
      /* a stalled event loop */
    }
    await sleep(250);
    // The lag gauges are set when the registry is read, as a scrape reads it.
    const text = await registry.metrics();
    const max = /^nodejs_eventloop_lag_max_seconds\{[^}]*\} (\S+)$/m.exec(text);
    expect(Number(max?.[1])).toBeGreaterThan(0.25);
  });
});
