import type { DeliveryTask } from './value';

/** What the next task after an attempt may set anew; every other field is the task's own. */
export interface TaskChanges {
  attempt: number;
  not_before: string | undefined;
  last_error: string | undefined;
  throttle_slot: true | undefined;
}

/**
 * `task` with `changes`, every field present and in one order (absent ones undefined, which
 * JSON.stringify leaves out). Tasks come in as many shapes as their optional fields (a first
 * attempt's, a retry's, a hold's, a manual one's), and V8 gives each shape a hidden class of its
 * own: the code that reads tasks was deoptimized when a new shape first came (a tenant's first
 * retry) and turned megamorphic past four. Every task the codec decodes goes through here, so
 * the tasks a service reads have one hidden class, and so do the retries, holds and dead letters
 * the factory makes from them. Not `{ ...task }` either: the first time V8
 * copies an object by spread it changes what it assumed of the object's hidden class and throws
 * away the optimized code of every function that reads such objects. `satisfies` makes a field
 * added to the task fail to compile here until it is listed.
 */
export function taskWith(task: DeliveryTask, changes: TaskChanges): DeliveryTask {
  return {
    delivery_id: task.delivery_id,
    webhook_id: task.webhook_id,
    attempt: changes.attempt,
    not_before: changes.not_before,
    manual: task.manual,
    last_error: changes.last_error,
    chain: task.chain,
    throttle_slot: changes.throttle_slot,
    created_at: task.created_at,
    event: task.event,
  } satisfies { [K in keyof Required<DeliveryTask>]: DeliveryTask[K] | undefined };
}

/** `task` as it is, in the one shape (see taskWith). */
export function oneShape(task: DeliveryTask): DeliveryTask {
  return taskWith(task, {
    attempt: task.attempt,
    not_before: task.not_before,
    last_error: task.last_error,
    throttle_slot: task.throttle_slot,
  });
}
