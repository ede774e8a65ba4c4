import { decodeDeliveryTask, DeliveryTasks, type DeliveryTask } from '@hookline/contracts';
import { decide } from '../lifecycle/delivery-lifecycle';

const SETTINGS = {
  schedule: [1000, 5000],
  jitter: 0.2,
  maxRetryAfterMs: 60_000,
  disableAfter: 0,
  maxWaitMs: 86_400_000,
};
const OK = { status: 200, errorClass: null, error: null };

/** Reads a task's fields as the delivery path does (the log row, the payload, the lifecycle). */
function read(task: DeliveryTask): number {
  const row = [task.delivery_id, task.webhook_id, task.created_at ?? '', task.event.project_id];
  const due = task.not_before ?? '';
  const lastError = task.last_error ?? '';
  const rules = decide(
    { task, result: OK, consecutiveFailures: 0, now: 0, random: Math.random },
    SETTINGS,
  );
  return row.join('').length + due.length + lastError.length + task.attempt + rules.length;
}

/**
 * Run with --trace-deopt by task-copies.deopt.spec.ts: reads first-attempt tasks as they come
 * from Kafka until the code that reads them is optimized, prints a marker, then makes the next
 * task of one kind (argv: retry, hold or dead-letter) from one of them, as the lifecycle does
 * after a tenant's first failed attempt, or reads a retried task (argv: retried) as it comes back.
 * What V8 prints after the marker is what that first failure costs every other delivery.
 */
function main(): void {
  const event = {
    id: 'evt_01a23ba4859eMKLUfLK4lxZPGX0A',
    project_id: 'prj_01a23ba4859eMKLUfLK4lxZPGX0A',
    event: 'order.created',
    occurred_at: new Date().toISOString(),
    data: { n: 1 },
  };
  const webhookIds = Array.from({ length: 50 }, (_, i) => `wh_01a23ba4859eMKLUfLK4lx${1000 + i}`);
  const messages = DeliveryTasks.firstAttempts(event, webhookIds, undefined, new Date());
  let sum = 0;
  let task!: DeliveryTask;
  for (let round = 0; round < 2000; round++)
    for (const m of messages) sum += read((task = decodeDeliveryTask(m.value)));
  process.stdout.write(`--- the next task from here (${sum})\n`);
  const now = Date.now();
  const kind = process.argv[2];
  if (kind === 'retry')
    DeliveryTasks.retry(task, { attempt: 2, notBefore: now + 1000, lastError: 'HTTP 500' });
  else if (kind === 'hold')
    DeliveryTasks.hold(task, {
      notBefore: now + 1000,
      wakeAt: now + 1000,
      throttleSlot: false,
      reason: 'circuit_open',
    });
  else if (kind === 'dead-letter')
    DeliveryTasks.deadLetter(task, {
      reason: 'retries_exhausted',
      lastError: 'HTTP 500',
      sourceTopic: 'hookline.deliveries.retry.1',
      at: new Date(now),
    });
  else if (kind === 'retried')
    // The retry comes back from its tier: a task with more fields than a first attempt's.
    sum += read(
      decodeDeliveryTask(
        DeliveryTasks.retry(task, { attempt: 2, notBefore: now, lastError: 'HTTP 500' }).value,
      ),
    );
  else throw new Error(`unknown kind ${kind}`);
  for (const m of messages.slice(0, 5)) sum += read(decodeDeliveryTask(m.value));
  process.stdout.write(`--- done (${sum})\n`);
}

main();
