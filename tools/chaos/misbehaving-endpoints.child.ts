import { request as httpRequest } from 'node:http';
import { setPriority } from 'node:os';
import {
  MisbehavingEndpoint,
  type ChildReply,
  type ChildRequest,
  type Misbehaviour,
} from './misbehaving-endpoint';

/** A tenant's server yields the cores to the pipeline (see MisbehavingEndpoints). */
const TENANT_SERVER_NICENESS = 10;

/** Requests each misbehaviour is rehearsed with before the endpoints are offered. */
const REHEARSALS = 40;
/** How long the rehearsal's client waits for an answer, as the dispatcher would for far longer. */
const REHEARSAL_PATIENCE_MS = 20;

/**
 * One request the way the dispatcher makes it: it gives up on an answer that does not come and
 * cuts one larger than it reads (its first chunk here).
 */
function rehearse(url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'POST' }, (res) => {
      res.once('data', () => req.destroy());
      res.on('end', () => resolve());
      res.on('error', () => resolve());
    });
    req.setTimeout(REHEARSAL_PATIENCE_MS, () => req.destroy());
    req.on('error', () => undefined);
    req.on('close', () => resolve());
    req.end('{}');
  });
}

/**
 * Runs every misbehaviour on endpoints of its own before the real ones are offered. A fresh
 * process meeting its first resets, cut answers and 429s compiles and runs that code cold: about a
 * tenth of a second of a core at the fault's start, on the cores the pipeline measured runs on. A
 * tenant's servers are long warm and not on the dispatcher's machine; the dispatcher still meets
 * the misbehaviours for the first time at the fault.
 */
async function warmUp(behaviours: readonly Misbehaviour[]): Promise<void> {
  const stand = await Promise.all(behaviours.map((b) => MisbehavingEndpoint.start(b)));
  for (const endpoint of stand) endpoint.on = true;
  for (let i = 0; i < REHEARSALS; i++) await Promise.all(stand.map((e) => rehearse(e.url)));
  await Promise.all(stand.map((e) => e.close()));
}

/** The process MisbehavingEndpoints starts: the endpoints it asks for, on ports of their own. */
async function main(): Promise<void> {
  setPriority(TENANT_SERVER_NICENESS);
  const behaviours = process.argv.slice(2) as Misbehaviour[];
  await warmUp(behaviours);
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
