import { circuitOutcome } from '../dispatch/circuit-breaker';
import { WebhookHttpClient, type PostResult } from '../dispatch/webhook-http.client';
import { errorText, isSuccess } from '../lifecycle/delivery-lifecycle';

/** Reads a result as the delivery path does after every attempt. */
function afterAttempt(result: PostResult): number {
  const logged = isSuccess(result) ? 0 : errorText(result).length;
  return logged + circuitOutcome(result).length + (result.retryAfterMs ?? 0) + result.durationMs;
}

/**
 * Run with --trace-deopt by webhook-http.client.deopt.spec.ts, with the base URL of endpoints in
 * another process: warms the client on small answers until its code is optimized, prints a
 * marker, then posts to endpoints that answer the ways a tenant's endpoint can misbehave (argv
 * after the URL: any of huge, hang, reset, slow-down). What V8 prints after the marker is what a
 * tenant's bad endpoint costs every other delivery.
 */
async function main(): Promise<void> {
  const [base, ...paths] = process.argv.slice(2);
  const client = new WebhookHttpClient({
    timeoutMs: 1000,
    allowPrivate: true,
    allowHttp: true,
    connectionsPerOrigin: 4,
  });
  // As the dispatcher does at start, before any delivery.
  await client.prepare();
  // A service's own timers (heartbeats, commits) fire from its start on, and Node's timer lists
  // then soon fire with later timers left in them, a path this child would otherwise first take
  // at the hanging endpoint's deadline. Two timers of one list take it now: the first, as it
  // fires, restarts the second, which is then still in the list and not due. (Two timers started
  // a few ms apart did not always: on a loaded machine the list fired late, with both due.)
  await new Promise<void>((resolve) => {
    setTimeout(() => left.refresh(), 10);
    const left = setTimeout(resolve, 10);
  });
  let read = 0;
  const post = async (path: string) => {
    const result = await client.post(
      `${base}${path}`,
      { 'content-type': 'application/json' },
      '{}',
    );
    read += afterAttempt(result);
    return result;
  };
  for (let round = 0; round < 500; round++) await Promise.all([1, 2, 3, 4].map(() => post('/ok')));
  process.stdout.write('--- misbehaving answers from here\n');
  for (const path of paths) {
    const result = await post(`/${path}`);
    if (path === 'huge' && result.status !== 200)
      throw new Error(`huge answer: ${JSON.stringify(result)}`);
  }
  process.stdout.write(`--- done (${read})\n`);
  await client.close();
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
