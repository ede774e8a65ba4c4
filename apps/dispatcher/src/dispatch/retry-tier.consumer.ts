import { ConsumerRunner } from '@hookline/kafka';
import { runnerOptions, type ConsumerSettings } from './dispatch.consumer';
import { taskDueAt } from './task-due';

/**
 * The retry tiers `hookline.deliveries.retry.1` … `.N`, in a consumer group of their own. A tier's
 * partition holds tasks in about the order they fall due (one delay per tier), so the first task
 * not yet due stops the partition: it is paused, sought back to that task, and resumed by a timer
 * when the task falls due. No polling, no sleeping handler, and the other partitions and tiers
 * keep flowing meanwhile.
 */
export function createRetryTierConsumer(s: ConsumerSettings): ConsumerRunner {
  return new ConsumerRunner({
    ...runnerOptions(s, 'retry'),
    groupId: `${s.topicPrefix}hookline.dispatcher.retry`,
    topics: s.topics.retry,
    dueAt: taskDueAt,
    // The tiers are idle most of the time, and a waiting fetch is answered at once by a new task:
    // the wait bounds idle polling of every tier's partitions (at 50 ms, 20 fetches a second) and
    // how late a partition held until its next task falls due is read again, well inside the
    // retry jitter. The deliveries consumer keeps 50 ms: when every partition is paused for room,
    // kafkajs sleeps this long before fetching again, which at saturation costs throughput.
    maxWaitMs: 200,
  });
}
