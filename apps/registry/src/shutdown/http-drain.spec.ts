import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpDrain } from './http-drain';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Clients on keep-alive connections, each sending its next request as soon as the last is answered. */
async function keepAliveClients(url: string, clients: number, stopAt: () => boolean) {
  const answers: { sentAt: number; status: number | 'refused' }[] = [];
  const client = async () => {
    while (!stopAt()) {
      const sentAt = Date.now();
      try {
        const res = await fetch(url, { method: 'POST', body: '{}' });
        await res.text();
        answers.push({ sentAt, status: res.status });
      } catch {
        answers.push({ sentAt, status: 'refused' });
        await sleep(5);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return answers;
}

describe(HttpDrain.name, () => {
  let server: Server;
  let url: string;
  let received: number;

  beforeEach(async () => {
    // Each answer takes a few ms, as an ingest request waiting for Kafka does.
    received = 0;
    server = createServer((_req, res) => {
      received++;
      setTimeout(() => res.writeHead(202).end('{}'), 5);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;
  });
  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  it('should end busy keep-alive connections once their request is answered, not serve new requests on them', async () => {
    const sut = new HttpDrain(server);
    let stopAt = Infinity;
    const load = keepAliveClients(url, 8, () => Date.now() > stopAt);
    await sleep(300);

    const signalled = Date.now();
    stopAt = signalled + 1500;
    await sut.close(10_000);
    const closedMs = Date.now() - signalled;
    const answers = await load;

    // Every request sent after the drain began meets a closed connection, and nothing is cut.
    const servedAfter = answers.filter((a) => a.sentAt > signalled + 50 && a.status !== 'refused');
    expect({ servedAfter: servedAfter.length, closedFast: closedMs < 1000 }).toEqual({
      servedAfter: 0,
      closedFast: true,
    });
    expect(answers.filter((a) => a.status !== 'refused' && a.status !== 202)).toEqual([]);
  }, 20_000);

  it('should answer the requests in flight when the drain begins', async () => {
    const sut = new HttpDrain(server);
    const inFlight = Array.from({ length: 5 }, () =>
      fetch(url, { method: 'POST', body: '{}' }).then((r) => r.status),
    );
    while (received < 5) await sleep(1);
    const signalled = Date.now();
    await sut.close(10_000);
    expect({
      statuses: await Promise.all(inFlight),
      closedFast: Date.now() - signalled < 1000,
    }).toEqual({ statuses: [202, 202, 202, 202, 202], closedFast: true });
  });
});
