import { join } from 'node:path';
import { AnsweringEndpoint } from '../testing/answering-endpoint';
import { thrownAway, traceAfterMarker } from '../testing/trace-deopt';

describe('WebhookHttpClient and misbehaving endpoints', () => {
  // A first huge answer grew undici's WebAssembly parser memory, which detaches its old
  // ArrayBuffer; V8 then threw away every optimized function that reads a typed array (timers,
  // Buffer, streams, the client itself: over a hundred in the dispatcher) and every delivery of
  // every tenant ran slow until they were compiled again.
  it('should not make V8 throw away optimized code at a first huge answer', async () => {
    const after = await traceAfterMarker(
      join(__dirname, '..', 'testing', 'huge-answer.child.ts'),
      [],
      '--- huge answers from here',
    );
    const wholesale = after
      .split('\n')
      .filter((line) => line.includes('reason: dependent property cell changed'));
    expect(wholesale).toEqual([]);
  }, 90_000);

  describe('in another process', () => {
    let endpoint: AnsweringEndpoint;

    beforeAll(async () => (endpoint = await AnsweringEndpoint.start()));
    afterAll(() => endpoint?.close());

    // The first socket a process destroys (an answer cut at the read cap, an exchange cut at its
    // deadline, a connection the peer reset) changed what V8 had assumed of sockets, streams and
    // undici's requests, and it threw away their optimized code, ~40 functions that every
    // delivery runs: at a tenant's first bad endpoint, all tenants' deliveries ran slow. A first
    // error answer (500) or 429 with Retry-After wrote and added fields to a result after it was
    // made, and the code that reads results (the lifecycle, the circuit breaker) went too.
    it.each(['hang', 'huge', 'reset', 'error', 'slow-down'])(
      'should not make V8 throw away the code every delivery runs at a first %s',
      async (misbehaviour) => {
        const after = await traceAfterMarker(
          join(__dirname, '..', 'testing', 'misbehaving-answers.child.ts'),
          [endpoint.base, misbehaviour],
          '--- misbehaving answers from here',
        );
        expect(thrownAway(after)).toEqual([]);
      },
      90_000,
    );
  });
});
