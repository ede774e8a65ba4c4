import type { Consumer } from 'kafkajs';
import type { PauseReason } from './consumer-runner.types';

/** One key per topic-partition. */
export const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export interface PartitionHoldsDeps {
  /** The consumer the pauses are made on (replaced by a restart, which clears them). */
  consumer(): Consumer | undefined;
  /** False while stopping: a timer that falls due then resumes nothing. */
  mayResume(): boolean;
  /** Runs a consumer call that throws once kafkajs has dropped the consumer. */
  safely(action: () => void): void;
  report?(why: PauseReason, partitions: number): void;
}

/**
 * The partitions a runner has paused, and why: until a message falls due (paused, sought back to
 * it, resumed by a timer: nothing polls), or until unfinished work drains (capacity). Pauses
 * belong to one kafkajs consumer; a restart clears them and the new consumer makes its own.
 */
export class PartitionHolds {
  private readonly dueTimers = new Map<string, NodeJS.Timeout>();
  private readonly capacity = new Map<string, { topic: string; partition: number }>();

  constructor(private readonly deps: PartitionHoldsDeps) {}

  isHeld(key: string): boolean {
    return this.dueTimers.has(key) || this.capacity.has(key);
  }

  isWaitingForDue(key: string): boolean {
    return this.dueTimers.has(key);
  }

  /** Pauses the partition at `offset` (the first message not accepted) until `due`. */
  holdUntil(topic: string, partition: number, offset: string, due: number): void {
    const key = partitionKey(topic, partition);
    this.deps.safely(() => {
      this.deps.consumer()?.pause([{ topic, partitions: [partition] }]);
      // The next fetch of this partition starts at the message not accepted.
      this.deps.consumer()?.seek({ topic, partition, offset });
    });
    clearTimeout(this.dueTimers.get(key));
    const resume = () => {
      this.dueTimers.delete(key);
      this.report();
      if (this.deps.mayResume())
        this.deps.safely(() => this.deps.consumer()?.resume([{ topic, partitions: [partition] }]));
    };
    this.dueTimers.set(key, setTimeout(resume, Math.max(1, due - Date.now())));
    this.report();
  }

  holdForCapacity(topic: string, partition: number): void {
    // No seek: every message of the batch was accepted, the next fetch starts after it.
    this.deps.safely(() => this.deps.consumer()?.pause([{ topic, partitions: [partition] }]));
    this.capacity.set(partitionKey(topic, partition), { topic, partition });
    this.report();
  }

  /** Resumes the partitions held for capacity that `hasRoom` says may take work again. */
  releaseCapacity(hasRoom: (key: string) => boolean): void {
    if (this.capacity.size === 0) return;
    for (const [key, held] of this.capacity) {
      if (!hasRoom(key)) continue;
      this.capacity.delete(key);
      this.deps.safely(() =>
        this.deps.consumer()?.resume([{ topic: held.topic, partitions: [held.partition] }]),
      );
    }
    this.report();
  }

  get heldForCapacity(): number {
    return this.capacity.size;
  }

  /**
   * After a rebalance: forgets the capacity holds of partitions no longer owned, and lifts the
   * pauses (which outlive a rebalance in kafkajs) that nothing holds any more.
   */
  reassigned(byTopic: Record<string, number[]>, owned: ReadonlySet<string>): void {
    for (const key of [...this.capacity.keys()]) if (!owned.has(key)) this.capacity.delete(key);
    const stray: { topic: string; partitions: number[] }[] = [];
    for (const [topic, partitions] of Object.entries(byTopic)) {
      const free = partitions.filter((p) => !this.isHeld(partitionKey(topic, p)));
      if (free.length) stray.push({ topic, partitions: free });
    }
    if (stray.length && this.deps.mayResume())
      this.deps.safely(() => this.deps.consumer()?.resume(stray));
    this.report();
  }

  clear(): void {
    for (const timer of this.dueTimers.values()) clearTimeout(timer);
    this.dueTimers.clear();
    this.capacity.clear();
    this.report();
  }

  private report(): void {
    this.deps.report?.('not_due', this.dueTimers.size);
    this.deps.report?.('capacity', this.capacity.size);
  }
}
