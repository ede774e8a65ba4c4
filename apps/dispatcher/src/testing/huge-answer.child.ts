import { createServer } from 'node:http';
import { WebhookHttpClient } from '../dispatch/webhook-http.client';

/**
 * Run with --trace-deopt by webhook-http.client.deopt.spec.ts: warms the client on small answers
 * until its code is optimized, prints a marker, then posts to an endpoint that answers 10 MB.
 * What V8 prints after the marker is what a tenant's huge answer costs every other delivery.
 */
async function main(): Promise<void> {
  const huge = Buffer.alloc(10 * 1024 * 1024, 'x');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/huge') res.writeHead(200, { 'content-length': huge.length }).end(huge);
      else res.writeHead(200).end('ok');
    });
  });
  server.on('clientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = new WebhookHttpClient({
    timeoutMs: 5000,
    allowPrivate: true,
    allowHttp: true,
    connectionsPerOrigin: 4,
  });
  const post = (path: string) =>
    client.post(`http://127.0.0.1:${port}${path}`, { 'content-type': 'application/json' }, '{}');
  for (let round = 0; round < 500; round++)
    await Promise.all([1, 2, 3, 4].map(() => post('/small')));
  process.stdout.write('--- huge answers from here\n');
  for (let i = 0; i < 30; i++) {
    const result = await post('/huge');
    if (result.status !== 200) throw new Error(`huge answer: ${JSON.stringify(result)}`);
  }
  process.stdout.write('--- done\n');
  await client.close();
  server.closeAllConnections();
  server.close();
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
