import type { Kafka } from 'kafkajs';
import type { ChangelogReader } from './changelog-reader';
import { EndOffsets } from './end-offsets';

/**
 * Brings changelog readers up to date with their topics together: resolves once every record
 * appended to any of their topics before the call has been applied. A change committed before an
 * event was published is then seen by the time that event is handled — the read-your-writes rule
 * of the fan-out (DESIGN.md).
 *
 * The end offsets of all the topics come in one ListOffsets request, fetched after the call: a
 * record acknowledged before the call is below them. Callers that arrive before that request
 * leaves share it (one per batch of a fetch, however many partitions it holds); a caller arriving
 * while it is in flight waits for the next one, since the first may have been answered before that
 * caller's event was even read.
 */
export class ChangelogSync {
  private readonly endOffsets: EndOffsets;
  /** The sync whose end offsets are not asked for yet: callers until then share it. */
  private queued?: Promise<void>;

  constructor(
    kafka: Kafka,
    private readonly readers: readonly ChangelogReader[],
  ) {
    this.endOffsets = new EndOffsets(
      kafka,
      readers.map((r) => r.topic),
    );
  }

  sync(): Promise<void> {
    this.queued ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.queued = undefined; // callers from now on need end offsets fetched after them
        this.endOffsets
          .fetch()
          .then((ends) =>
            Promise.all(this.readers.map((r) => r.reached(ends.get(r.topic) ?? new Map()))),
          )
          .then(() => resolve(), reject);
      });
    });
    return this.queued;
  }

  close(): Promise<void> {
    return this.endOffsets.close();
  }
}
