import { MisbehavingEndpoint, type Misbehaviour } from './misbehaving-endpoint';

/** What the parent asks of the child process that hosts the misbehaving endpoints. */
export type ChildRequest = { kind: 'misbehave' } | { kind: 'close' };
/** What the child answers: its endpoints' URLs once listening, their request counts when closed. */
export type ChildReply = { kind: 'ready'; urls: string[] } | { kind: 'closed'; requests: number[] };

async function main(): Promise<void> {
  const behaviours = process.argv.slice(2) as Misbehaviour[];
  const endpoints = await Promise.all(behaviours.map((b) => MisbehavingEndpoint.start(b)));
  const send = (reply: ChildReply) => process.send!(reply);
  process.on('message', async (request: ChildRequest) => {
    if (request.kind === 'misbehave') for (const endpoint of endpoints) endpoint.on = true;
    if (request.kind === 'close') {
      await Promise.all(endpoints.map((e) => e.close()));
      send({ kind: 'closed', requests: endpoints.map((e) => e.requests) });
      process.disconnect();
    }
  });
  // The parent went away without closing us: nothing is left to serve.
  process.on('disconnect', () => process.exit(0));
  send({ kind: 'ready', urls: endpoints.map((e) => e.url) });
}

void main();
