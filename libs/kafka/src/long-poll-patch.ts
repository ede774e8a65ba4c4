import { patchKafkajsModule } from './kafkajs-patch';

/** The part of kafkajs's `ConsumerGroup` (kafkajs 2.x) the patch touches. */
export interface KafkajsConsumerGroup {
  groupId: string;
  /** Read by `fetch` as the broker's wait, and as its sleep when every partition is paused. */
  maxWaitTime: number;
  subscriptionState: { paused(): { partitions: number[] }[] };
  fetch(nodeId: number): Promise<unknown[]>;
}

/** The broker waits of a group's fetches: while none of its partitions is paused, and otherwise. */
export interface FetchWaits {
  idleMs: number;
  pausedMs: number;
}

const waitsByGroup = new Map<string, FetchWaits>();

/**
 * A waiting fetch is answered at once by new data, so a longer wait at the broker only saves
 * idle polling: one fetch request, answered empty, each time the wait runs out. But a paused
 * partition is read again only by a fetch issued after its resume, and kafkajs, with every
 * partition paused, issues none and sleeps for the wait instead. A consumer that pauses (for
 * room, or until a message is due) therefore needs a short wait while anything is paused, and can
 * afford a long one the rest of the time, which for most consumers is most of the time.
 *
 * Fetches of `groupId` wait `idleMs` while none of its partitions is paused, and `pausedMs`
 * otherwise. Pauses are made between fetches (in the batch handler), so a fetch
 * that waits long never has a paused partition to resume behind it. Applies to every consumer of
 * the group in this process; applied to kafkajs once per process.
 */
export function setFetchWaits(groupId: string, waits: FetchWaits): void {
  patchKafkajsLongPoll();
  waitsByGroup.set(groupId, waits);
}

function patchKafkajsLongPoll(): void {
  patchKafkajsModule<{ prototype: KafkajsConsumerGroup }>(
    'kafkajs/src/consumer/consumerGroup',
    (ConsumerGroup) => {
      const fetch = ConsumerGroup.prototype.fetch;
      ConsumerGroup.prototype.fetch = function (this: KafkajsConsumerGroup, nodeId: number) {
        const waits = waitsByGroup.get(this.groupId);
        if (waits) {
          const anyPaused = this.subscriptionState.paused().some((t) => t.partitions.length > 0);
          this.maxWaitTime = anyPaused ? waits.pausedMs : waits.idleMs;
        }
        return fetch.call(this, nodeId);
      };
    },
  );
}
