import { setPriority } from 'node:os';
import {
  MisbehavingEndpoint,
  type ChildReply,
  type ChildRequest,
  type Misbehaviour,
} from './misbehaving-endpoint';

/** A tenant's server yields the cores to the pipeline (see MisbehavingEndpoints). */
const TENANT_SERVER_NICENESS = 10;

/** The process MisbehavingEndpoints starts: the endpoints it asks for, on ports of their own. */
async function main(): Promise<void> {
  setPriority(TENANT_SERVER_NICENESS);
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
