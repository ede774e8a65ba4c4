import type { KafkaMessage } from 'kafkajs';
import type {
  ConsumedMessage,
  ConsumerRunnerOptions,
  HandlerContext,
} from './consumer-runner.types';
import type { PartitionProgress } from './partition-progress';

export const backoff = (attempt: number, initialMs: number, maxMs: number) =>
  Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));

/**
 * The longest wait before a failed handler runs again. Handlers that fail are waiting for a
 * dependency (Postgres, a Kafka produce); a wait of 10 s made the dispatcher resume 5-6 s after
 * Postgres was back from a 20 s stop (chaos suite, stop-postgres), since every pending message was
 * asleep in it.
 */
const RETRY_MAX_MS = 2_000;

type WorkOptions = Pick<ConsumerRunnerOptions, 'handle' | 'onHandlerError' | 'log' | 'metrics'>;

/**
 * The messages of a runner handed to their handlers and not finished yet: runs each handler
 * (again, with backoff, after a failure, unless `onHandlerError` says skip), records its end in
 * its partition's progress, and wakes whoever waits for room or for the drain.
 */
export class InflightWork {
  private weight = 0;
  private count = 0;
  private readonly drained: (() => void)[] = [];
  private readonly roomWaiters: (() => void)[] = [];

  constructor(
    private readonly options: WorkOptions,
    /** True once the runner stops: failed work is then left unfinished, for the next owner. */
    private readonly stopping: () => boolean,
    /** After each message finished. */
    private readonly onFinished: () => void,
  ) {}

  /** Weight of the work not finished. */
  get pendingWeight(): number {
    return this.weight;
  }

  get pendingCount(): number {
    return this.count;
  }

  /** Hands one message to the handler; its offset is accepted in `progress` with its weight. */
  start(progress: PartitionProgress, topic: string, partition: number, raw: KafkaMessage): void {
    const message: ConsumedMessage = {
      topic,
      partition,
      offset: raw.offset,
      key: raw.key?.toString() ?? null,
      value: raw.value,
      headers: raw.headers ?? {},
    };
    let weight = 1;
    const context: HandlerContext = {
      kafkaMessage: raw,
      setWeight: (units) => (weight = Math.max(0, units)),
    };
    // The handler runs before the offset is recorded, so its weight is known; it cannot finish
    // before either, its promise settles on a later tick.
    const work = this.invoke(message, context);
    const offset = BigInt(raw.offset);
    progress.accept(offset, weight);
    this.weight += weight;
    this.count++;
    void this.settle(progress, offset, weight, message, context, work);
  }

  /** Resolves at the next finished message, or after `ms`. */
  nextFinished(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.roomWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Wakes every nextFinished() now (stop: batches waiting for room give up). */
  wakeWaiters(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  /** Resolves once nothing is unfinished, or after `ms`. */
  async drain(ms: number): Promise<void> {
    if (this.count === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.drained.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private invoke(message: ConsumedMessage, context: HandlerContext): Promise<void> {
    try {
      return this.options.handle(message, context);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async settle(
    progress: PartitionProgress,
    offset: bigint,
    weight: number,
    message: ConsumedMessage,
    context: HandlerContext,
    work: Promise<void>,
  ): Promise<void> {
    const { log, onHandlerError } = this.options;
    const where = { topic: message.topic, partition: message.partition, offset: message.offset };
    for (let failures = 1; ; failures++) {
      try {
        await work;
        break;
      } catch (e) {
        if (this.stopping()) return this.finish(weight); // uncommitted: the next owner repeats it
        if ((onHandlerError?.(message, e, failures) ?? 'retry') === 'skip') {
          log.warn({ err: e, ...where, failures }, 'message failed; skipped');
          break;
        }
        // The work must not be lost and the offset must not be skipped: do it again. Failures
        // 1, 2, 4, 8… are logged: an outage fails every pending message on every retry.
        if ((failures & (failures - 1)) === 0)
          log.error({ err: e, ...where, failures }, 'message failed; retrying');
        await new Promise((r) => setTimeout(r, backoff(failures - 1, 250, RETRY_MAX_MS)));
        if (this.stopping()) return this.finish(weight);
        work = this.invoke(message, context);
      }
    }
    progress.complete(offset);
    this.finish(weight);
    this.onFinished();
  }

  private finish(weight: number): void {
    this.weight -= weight;
    this.count--;
    this.options.metrics?.pending?.(this.weight);
    if (this.roomWaiters.length > 0) for (const wake of this.roomWaiters.splice(0)) wake();
    if (this.count === 0) for (const resolve of this.drained.splice(0)) resolve();
  }
}
