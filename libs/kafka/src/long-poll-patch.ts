import { patchKafkajsModule } from './kafkajs-patch';

/** The part of kafkajs's `ConsumerGroup` (kafkajs 2.x) the patch touches. */
export interface KafkajsConsumerGroup {
  groupId: string;
  /** Read by `fetch` as the broker's wait, and as its sleep when every partition is paused. */
  maxWaitTime: number;
  subscriptionState: { paused(): { partitions: number[] }[] };
  fetch(nodeId: number): Promise<unknown[]>;
  /** The consumer's own `maxWaitTimeInMs`, kept by the patch while it sets `maxWaitTime`. */
  [PAUSED_WAIT]?: number;
}

const PAUSED_WAIT = Symbol('hookline.pausedWait');

/** Group id → the broker wait of its fetches while none of its partitions is paused. */
const longPolls = new Map<string, number>();

/**
 * A waiting fetch is answered at once by new data, so a longer wait at the broker only saves
 * idle polling: one fetch request, answered empty, each time the wait runs out. But a paused
 * partition is read again only by a fetch issued after its resume, and kafkajs, with every
 * partition paused, issues none and sleeps for the wait instead. A consumer that pauses (for
 * room, or until a message is due) therefore needs a short wait while anything is paused, and can
 * afford a long one the rest of the time, which for most consumers is most of the time.
 *
 * Fetches of `groupId` wait `ms` while none of its partitions is paused, and the consumer's own
 * `maxWaitTimeInMs` otherwise. Pauses are made between fetches (in the batch handler), so a fetch
 * that waits long never has a paused partition to resume behind it. Applies to every consumer of
 * the group in this process; applied to kafkajs once per process.
 */
export function setLongPoll(groupId: string, ms: number): void {
  patchKafkajsLongPoll();
  longPolls.set(groupId, ms);
}

function patchKafkajsLongPoll(): void {
  patchKafkajsModule<{ prototype: KafkajsConsumerGroup }>(
    'kafkajs/src/consumer/consumerGroup',
    (ConsumerGroup) => {
      const fetch = ConsumerGroup.prototype.fetch;
      ConsumerGroup.prototype.fetch = function (this: KafkajsConsumerGroup, nodeId: number) {
        const longPoll = longPolls.get(this.groupId);
        if (longPoll !== undefined) {
          const pausedWait = (this[PAUSED_WAIT] ??= this.maxWaitTime);
          const anyPaused = this.subscriptionState.paused().some((t) => t.partitions.length > 0);
          this.maxWaitTime = anyPaused ? pausedWait : longPoll;
        }
        return fetch.call(this, nodeId);
      };
    },
  );
}
