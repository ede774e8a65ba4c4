import { ConsumerRunner } from '@hookline/kafka';
import { tierOneWaitMs } from '../lifecycle/delivery-lifecycle';
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
  // The dispatcher wakes a task at most one hold of its tier after it wrote the message (a longer
  // wait is served in hops). A message that asks more was not written so: it is held no longer
  // than that from its record's time, then read, and a task not yet due by its own time goes back
  // on its tier; one stamped in the future is read at once. Trusted as it came, a wake-up days
  // ahead stopped its partition, and every task after it, for days.
  const longest = new Map(s.topics.retry.map((topic, i) => [topic, tierOneWaitMs(i + 1, s.tiers)]));
  return new ConsumerRunner({
    ...runnerOptions(s, 'retry'),
    groupId: `${s.topicPrefix}hookline.dispatcher.retry`,
    topics: s.topics.retry,
    dueAt: (message, topic) => {
      const due = taskDueAt(message);
      const written = Number(message.timestamp);
      if (due === undefined || !(written <= Date.now())) return undefined;
      return Math.min(due, written + longest.get(topic)!);
    },
    // The tiers are idle most of the time, and a waiting fetch is answered at once by a new task.
    // While a partition is held until its next task falls due, fetches wait 200 ms: how late that
    // partition is read again after its timer resumes it, well inside the retry jitter. With
    // nothing held, two fetches a second are all the idle tiers cost.
    maxWaitMs: 200,
    longPollMs: 500,
  });
}
