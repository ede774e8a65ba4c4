import { patchKafkajsModule } from './kafkajs-patch';

/** The part of kafkajs's `ConsumerGroup` (kafkajs 2.x) the patch touches. */
interface KafkajsConsumerGroup {
  /** Set by a join, cleared when the coordinator no longer knows the member. */
  memberId: string | null;
  joinAndSync(): Promise<void>;
}

const beforeRejoin = new Map<string, () => Promise<void>>();

/**
 * Runs `handOver` before the member `memberId` joins its group again. kafkajs rejoins as soon as a
 * heartbeat or a fetch says the group is rebalancing, and with the eager protocol every member
 * gives up all its partitions there. Until that join the group waits for the member (up to the
 * rebalance timeout) and still takes its commits, so this is where it can finish the work it read
 * and commit it, as Kafka's own consumer does in `onPartitionsRevoked`: without it, a partition
 * that moves is read again by its new owner from the last periodic commit. kafkajs commits there
 * only with autoCommit on, and has no hook. `handOver` must not throw and must be bounded: the
 * whole group waits for it. Returns the function that removes it.
 */
export function onRejoin(memberId: string, handOver: () => Promise<void>): () => void {
  patchKafkajsRejoin();
  beforeRejoin.set(memberId, handOver);
  return () => {
    if (beforeRejoin.get(memberId) === handOver) beforeRejoin.delete(memberId);
  };
}

function patchKafkajsRejoin(): void {
  patchKafkajsModule<{ prototype: KafkajsConsumerGroup }>(
    'kafkajs/src/consumer/consumerGroup',
    (ConsumerGroup) => {
      const joinAndSync = ConsumerGroup.prototype.joinAndSync;
      ConsumerGroup.prototype.joinAndSync = async function (this: KafkajsConsumerGroup) {
        // A first join has no member id; a member the coordinator forgot has none either, and
        // its commits would be refused.
        const handOver = this.memberId ? beforeRejoin.get(this.memberId) : undefined;
        if (handOver) await handOver();
        return joinAndSync.call(this);
      };
    },
    'rejoin',
  );
}
