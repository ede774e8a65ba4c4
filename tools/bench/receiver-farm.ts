import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * The benchmark's endpoints, in a process of their own so their CPU is not the dispatcher's:
 * a few HTTP servers answering 200 at once (keep-alive), paths /w/<n> standing for webhooks.
 * Paths in the failing set answer 500. It counts every receipt, checks each is signed, and keeps
 * the publish→receipt latency (from the envelope's occurred_at). Controlled over IPC.
 */
interface Stats {
  received: number;
  unique: number;
  unsigned: number;
  healthyLatencies: number[];
  failingLatencies: number[];
}

const seen = new Set<string>();
let stats: Stats = {
  received: 0,
  unique: 0,
  unsigned: 0,
  healthyLatencies: [],
  failingLatencies: [],
};
let failing = new Set<number>();

function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const now = Date.now();
    const index = Number((req.url ?? '').split('/')[2] ?? -1);
    const isFailing = failing.has(index);
    if (isFailing) {
      res.writeHead(500).end('failing on purpose');
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    }
    stats.received++;
    const id = req.headers['webhook-id'] as string | undefined;
    const signature = req.headers['webhook-signature'] as string | undefined;
    if (!id || !signature?.startsWith('v1,')) stats.unsigned++;
    try {
      const occurredAt = Date.parse(
        (JSON.parse(Buffer.concat(chunks).toString()) as { occurred_at: string }).occurred_at,
      );
      (isFailing ? stats.failingLatencies : stats.healthyLatencies).push(now - occurredAt);
    } catch {
      stats.unsigned++;
    }
    if (!isFailing && id && !seen.has(id)) {
      seen.add(id);
      stats.unique++;
    }
  });
}

async function main() {
  const servers = Number(process.argv[2] ?? 4);
  const ports: number[] = [];
  for (let i = 0; i < servers; i++) {
    const server = createServer({ keepAliveTimeout: 60_000 }, handle);
    server.maxHeadersCount = 50;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    ports.push((server.address() as { port: number }).port);
  }
  process.on('message', (msg: { type: string; failing?: number[] }) => {
    if (msg.type === 'stats') {
      process.send!({ type: 'stats', stats });
    } else if (msg.type === 'counts') {
      // The counts alone, for polling: `stats` carries every latency kept so far (tens of
      // thousands in a throughput run), encoded and decoded at every poll by both processes.
      const { received, unique, unsigned } = stats;
      process.send!({ type: 'counts', counts: { received, unique, unsigned } });
    } else if (msg.type === 'reset') {
      stats = { received: 0, unique: 0, unsigned: 0, healthyLatencies: [], failingLatencies: [] };
      seen.clear();
      process.send!({ type: 'reset' });
    } else if (msg.type === 'failing') {
      failing = new Set(msg.failing ?? []);
      process.send!({ type: 'failing' });
    }
  });
  // The bench's IPC channel closes when the bench exits however it ends (a scenario that threw,
  // a kill): the farm goes with it instead of keeping its ports and CPU share for the next run.
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready', ports });
}

void main();
