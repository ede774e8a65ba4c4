import { setTimeout as sleep } from 'node:timers/promises';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Span,
} from '@opentelemetry/api';
import {
  decodeDeliveryTask,
  endpointKeys,
  renderBatchPayload,
  renderPayload,
  type DeliveryBatch,
  type DeliveryStatus,
  type DeliveryTask,
} from '@hookline/contracts';
import { extractTraceContext } from '@hookline/kafka';
import { signHeaders } from '@hookline/signing';
import { currentTraceparent, tracer, type Logger } from '@hookline/telemetry';
import { alreadySettled } from '../lifecycle/delivery-lifecycle';
import type { FinishedAttempt, LifecycleExecutor } from '../lifecycle/lifecycle.executor';
import { BatchGatherer } from './batch-gatherer';
import { circuitOutcome, type CircuitRefusal } from './circuit-breaker';
import type { ConcurrencyLimiter } from './concurrency-limiter';
import type { DispatcherMetrics } from './dispatcher.metrics';
import type { ConsumedMessage } from '@hookline/kafka';
import {
  UnusableWebhookError,
  type DeliverableWebhook,
  type WebhookDirectory,
  type WebhookLookup,
} from './webhook-directory';
import { noAnswer, type PostResult, type WebhookHttpClient } from './webhook-http.client';
import type { ThrottleEventAnnouncer } from './throttle-event.announcer';
import type { WebhookThrottle } from './webhook-throttle';

const VERSION = (require('../../package.json') as { version: string }).version;
export const USER_AGENT = `Hookline/${VERSION}`;

export interface DeliveryServiceDeps {
  directory: WebhookDirectory;
  client: WebhookHttpClient;
  limiter: ConcurrencyLimiter;
  lifecycle: LifecycleExecutor;
  metrics: DispatcherMetrics;
  log: Logger;
  /**
   * The delivery's final status as logged, if it has one (see alreadySettled); `createdAt`, the
   * task's, finds its row in the log's partitions of that time.
   */
  settled(
    deliveryId: string,
    createdAt: string | undefined,
  ): Promise<{ status: DeliveryStatus; chain: number } | undefined>;
  /** The view's URL of a webhook, to queue a task behind its endpoint before the final check. */
  urlHint(webhookId: string): string | undefined;
  /** The view's batch setting of a webhook; null: its tasks are sent one by one. */
  batchHint(webhookId: string): DeliveryBatch | null;
  /** The view's throttle of a webhook (deliveries per second); null: none. */
  throttleHint(webhookId: string): number | null;
  throttle: WebhookThrottle;
  /** Tells the project when a webhook's throttle begins holding a backlog. */
  throttled: ThrottleEventAnnouncer;
}

/** A task whose attempt is being made, alone or in a batch. */
interface PendingAttempt {
  task: DeliveryTask;
  message: ConsumedMessage;
  span: Span;
  /** Undefined for a manual attempt. */
  inHand?: TaskInHand;
}

/** A task in hand (DeliveryService.inHand), and what waits for it: usually nothing. */
class TaskInHand {
  private waiters?: (() => void)[];
  /** Its attempt was made and its outcome (log row, retry or death) is durable. */
  attempted = false;

  constructor(readonly task: DeliveryTask) {}

  /** `copy` is the same attempt of the same chain, which this one made. */
  made(copy: DeliveryTask): boolean {
    return (
      this.attempted &&
      this.task.attempt === copy.attempt &&
      (this.task.chain ?? 0) === (copy.chain ?? 0)
    );
  }

  finished(): Promise<void> {
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  end(): void {
    if (this.waiters) for (const wake of this.waiters) wake();
  }
}

/**
 * One attempt of one task: wait for a slot at the endpoint, confirm the webhook still exists and
 * is active, sign the exact bytes to send, POST them, and hand the outcome to the delivery lifecycle (log, retry
 * tier, DLQ, disable). Resolves when all of that is durable, which is when the consumer may commit.
 * Tasks of a batching webhook wait in a BatchGatherer and share one POST.
 */
export class DeliveryService {
  private readonly tracer = tracer('hookline-dispatcher');
  private readonly gatherer = new BatchGatherer<PendingAttempt>((items) => this.send(items, true));
  /**
   * The automatic tasks in hand, by delivery, until their work is durable. Two copies of one task
   * can be read together (a crashed fan-out's events routed again by another, the crashed
   * dispatcher's partitions taken over): each would find nothing logged yet and be attempted. A
   * copy waits for the one in hand instead, and is dropped once that attempt's outcome is durable.
   */
  private readonly inHand = new Map<string, TaskInHand>();

  constructor(private readonly deps: DeliveryServiceDeps) {}

  async handle(message: ConsumedMessage): Promise<void> {
    const hop = this.deps.lifecycle.rehopUnread(message);
    if (hop) return void (await hop); // not due yet: back on its tier
    const held = this.heldAgain(message);
    if (held) return void (await held); // its endpoint still down: held as it came
    let task: DeliveryTask;
    try {
      task = decodeDeliveryTask(message.value ?? '');
    } catch (e) {
      this.deps.metrics.tasksDropped.inc({ reason: 'invalid_task' });
      this.deps.log.warn(
        { topic: message.topic, partition: message.partition, offset: message.offset },
        'invalid delivery task dead-lettered',
      );
      await this.deps.lifecycle.unreadable(message, e);
      return;
    }
    // One task of a delivery at a time; manual attempts go at once (a person asked for them).
    const id = task.manual ? undefined : task.delivery_id;
    let mine: TaskInHand | undefined;
    if (id !== undefined) {
      for (let other = this.inHand.get(id); other; other = this.inHand.get(id)) {
        await other.finished();
        // A failed attempt leaves the delivery pending, which the log's check does not tell from
        // an attempt not made: its retry is already on its tier.
        if (other.made(task)) return void this.deps.metrics.tasksDropped.inc({ reason: 'copy' });
      }
      mine = new TaskInHand(task);
      this.inHand.set(id, mine);
    }
    // Each attempt is a span of the trace the task's producer started (retries included).
    const parent = extractTraceContext(message.headers, ROOT_CONTEXT);
    const span = this.tracer.startSpan(
      'hookline.dispatch deliver',
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': message.topic,
          'messaging.kafka.offset': Number(message.offset),
          'hookline.delivery_id': task.delivery_id,
          'hookline.webhook_id': task.webhook_id,
          'hookline.attempt': task.attempt,
        },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), () =>
        this.attempt(task, message, span, mine),
      );
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw e;
    } finally {
      span.end();
      if (mine) {
        this.inHand.delete(task.delivery_id);
        mine.end();
      }
    }
  }

  /**
   * A task its endpoint held before (its open circuit, or its backlog), back while the endpoint's
   * circuit is open: held again without being read (see LifecycleExecutor.reholdUnread), its
   * webhook known by the message's key (deliveryTaskKey). Undefined when the task must be read:
   * any other message, or a webhook the view no longer has, or whose circuit lets attempts through
   * again.
   */
  private heldAgain(message: ConsumedMessage): Promise<void> | undefined {
    const { lifecycle, limiter, urlHint } = this.deps;
    const webhookId = message.key;
    if (!webhookId || !lifecycle.heldForEndpoint(message) || !limiter.circuit) return undefined;
    const url = urlHint(webhookId);
    if (url === undefined) return undefined;
    const down = limiter.circuit.refusalOfHeld(endpointKeys(url, webhookId).circuit);
    return down && lifecycle.reholdUnread(message, down);
  }

  private async attempt(
    task: DeliveryTask,
    message: ConsumedMessage,
    span: Span,
    inHand: TaskInHand | undefined,
  ): Promise<void> {
    if (!(await this.deps.lifecycle.beforeAttempt(task, message))) return; // not due yet: back on its tier
    if (!(await this.paced(task, message, span))) return; // over its webhook's rate: held
    const pending = { task, message, span, inHand };
    // Manual attempts (redeliver, test) go alone; first attempts and retries of a batching webhook gather.
    const batch = task.manual ? null : this.deps.batchHint(task.webhook_id);
    if (!batch) return this.send([pending], false);
    span.setAttribute('hookline.batched', true);
    return this.gatherer.add(task.webhook_id, batch, pending);
  }

  private async holdForCircuit(items: PendingAttempt[], refusal: CircuitRefusal): Promise<void> {
    for (const { span } of items) span.setAttribute('hookline.held', 'circuit_open');
    await Promise.all(
      items.map(({ task, message }) => this.deps.lifecycle.holdForCircuit(task, message, refusal)),
    );
  }

  /**
   * The webhook's throttle (see WebhookThrottle): false when the task was held for a later slot,
   * or ended because its slot would lie past the longest a delivery may wait. Manual attempts go
   * at once: a person asked for them.
   */
  private async paced(task: DeliveryTask, message: ConsumedMessage, span: Span): Promise<boolean> {
    const rate = task.manual ? null : this.deps.throttleHint(task.webhook_id);
    if (!rate) return true;
    const reserved =
      task.throttle_slot && task.not_before ? Date.parse(task.not_before) : undefined;
    const decision = this.deps.throttle.admit(task.webhook_id, rate, reserved);
    if (decision.go) {
      if (decision.waitMs > 0) await sleep(decision.waitMs);
      return true;
    }
    if (decision.tooLate) {
      span.setAttribute('hookline.ended', 'due_too_late');
      await this.deps.lifecycle.endTooLate(task, message, decision.slot);
      return false;
    }
    span.setAttribute('hookline.held', 'throttled');
    this.deps.throttled.held(
      { id: task.webhook_id, projectId: task.event.project_id },
      rate,
      decision.slot,
    );
    await this.deps.lifecycle.hold(task, message, decision.slot, 'throttled', true);
    return false;
  }

  /**
   * One POST for tasks of one webhook (one task, or a batch), and its outcome handed to the
   * lifecycle for each of them: a batch is retried as a unit, but each task on its own tier.
   */
  private async send(items: PendingAttempt[], batched: boolean): Promise<void> {
    const { directory, limiter, metrics, log, lifecycle } = this.deps;
    const webhookId = items[0]!.task.webhook_id;
    // Requests are bounded per endpoint origin (a host:port is one pool of connections), circuits
    // broken per endpoint URL: one tenant's failing path must not hold others' on the same host.
    const keys = endpointKeys(this.deps.urlHint(webhookId), webhookId);
    const first = items[0]!.task;
    // An endpoint known to be down: its tasks are held with nothing looked up for them, since
    // while it stays down a hold is all they cost (see circuitHoldUntil).
    const down = first.manual ? undefined : limiter.circuit?.refusal(keys.circuit);
    if (down) return this.holdForCircuit(items, down);
    // Looked up while the tasks wait for their slot; both lookups batch with other tasks'.
    const logged = Promise.all(
      items.map(({ task }) =>
        task.manual ? undefined : this.deps.settled(task.delivery_id, task.created_at),
      ),
    );
    logged.catch(() => undefined); // awaited below, with the webhook's check
    const admission = await limiter.admit(keys.origin, {
      bypassCircuit: first.manual,
      circuitKey: keys.circuit,
      cause: { webhookId, projectId: first.event.project_id },
    });
    if ('refused' in admission && admission.refused !== 'busy') {
      // No attempt: the endpoint is down or stalled (its circuit opened since the check above); or
      // it stopped draining, and the tasks come back once it has moved or its circuit has opened,
      // instead of queueing in the partitions other webhooks share.
      if (admission.refused === 'open') return this.holdForCircuit(items, admission);
      for (const { span } of items) span.setAttribute('hookline.held', 'endpoint_busy');
      const until = Date.now() + limiter.maxWaitMs;
      await Promise.all(
        items.map(({ task, message }) => lifecycle.hold(task, message, until, 'endpoint_busy')),
      );
      return;
    }
    // A stalled endpoint with no breaker is not waited for: the attempt fails at once, into the
    // task's retries.
    const busy = 'refused' in admission;
    const release = 'release' in admission ? admission.release : () => undefined;
    const startedAt = new Date();
    let found: WebhookLookup;
    let settled: Awaited<typeof logged>;
    try {
      // Checked only now, with the slot held and the request about to start (see WebhookDirectory).
      [found, settled] = await Promise.all([directory.forAttempt(webhookId), logged]);
    } catch (e) {
      release();
      if (!(e instanceof UnusableWebhookError)) throw e;
      log.error(
        { webhookId, deliveryIds: items.map((i) => i.task.delivery_id), errorClass: e.errorClass },
        'no attempt possible: the webhook is unusable',
      );
      const result = {
        status: null,
        errorClass: e.errorClass,
        error: e.message,
        permanent: true,
        body: null,
        durationMs: 0,
      };
      const webhook = {
        ...e.webhook,
        consecutiveFailures: 0,
        retrySchedule: null,
        disableAfter: null,
      };
      await this.finish(items, webhook, result, {}, startedAt);
      return;
    }
    const live = items.filter((item, i) => {
      if (!alreadySettled(item.task, settled[i])) return true;
      // A repeat (a fan-out replay after a crash, a late duplicate): the delivery already ended.
      metrics.tasksDropped.inc({ reason: 'already_settled' });
      item.span.setAttribute('hookline.dropped', 'already_settled');
      return false;
    });
    if (!found.ok || live.length === 0) {
      release();
      if (found.ok) return;
      const reason = found.reason;
      for (const { task, span } of live) {
        metrics.tasksDropped.inc({ reason });
        span.setAttribute('hookline.dropped', reason);
        log.info(
          { webhookId, deliveryId: task.delivery_id, attempt: task.attempt, reason },
          'task dropped: webhook not deliverable',
        );
      }
      await Promise.all(live.map(({ task }) => lifecycle.undeliverable(task, reason)));
      return;
    }
    const webhook = found.webhook;
    let posted: { result: PostResult; requestHeaders: Record<string, string> } | undefined =
      undefined;
    try {
      posted = busy
        ? { result: busyResult(limiter.maxWaitMs), requestHeaders: {} }
        : await this.post(webhook, live, batched);
    } finally {
      release(posted ? circuitOutcome(posted.result) : 'neutral', {
        webhookId: webhook.id,
        projectId: webhook.projectId,
      });
    }
    const outcome = posted.result.errorClass ?? 'success';
    metrics.attempts.inc({ outcome }, live.length);
    metrics.attemptSeconds.observe({ outcome }, posted.result.durationMs / 1000);
    await this.finish(live, webhook, posted.result, posted.requestHeaders, startedAt);
    for (const { inHand } of live) if (inHand) inHand.attempted = true;
  }

  /** Signs the exact bytes to send and POSTs them. */
  private async post(
    webhook: DeliverableWebhook,
    items: PendingAttempt[],
    batched: boolean,
  ): Promise<{ result: PostResult; requestHeaders: Record<string, string> }> {
    const rate = items[0]!.task.manual ? null : webhook.throttlePerSecond;
    if (rate) {
      // The request itself, spaced (see WebhookThrottle.spacing); the wait is short: tasks come paced.
      for (let wait; (wait = this.deps.throttle.spacing(webhook.id, rate)) > 0;) await sleep(wait);
    }
    const events = items.map(({ task }) => task.event);
    const body = JSON.stringify(
      batched
        ? renderBatchPayload(webhook.format, events, webhook.id)
        : renderPayload(webhook.format, events[0]!, webhook.id),
    );
    // Signing takes microseconds: a span of its own would cost more than it; the scheme is an
    // attribute of the POST's span.
    const signature = signHeaders({
      scheme: webhook.scheme,
      secrets: webhook.secrets,
      signatureHeader: webhook.signatureHeader,
      // A batch is identified by its first task's delivery id.
      msgId: items[0]!.task.delivery_id,
      timestamp: Math.floor(Date.now() / 1000),
      body,
    });
    // The webhook's own headers first: every header Hookline sends wins over one of the same name
    // (the API refuses those names; this holds for a state written before it did).
    const requestHeaders: Record<string, string> = {
      ...ownHeaders(webhook.headers),
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...signature,
    };
    const result = await this.tracer.startActiveSpan(
      'POST',
      { kind: SpanKind.CLIENT },
      async (s) => {
        s.setAttributes({
          'http.request.method': 'POST',
          'url.full': webhook.url,
          'hookline.signature_scheme': webhook.scheme,
        });
        // The endpoint's work is a child of this CLIENT span, as for any traced HTTP call.
        const traceparent = currentTraceparent();
        if (traceparent) requestHeaders.traceparent = traceparent;
        if (batched) s.setAttribute('hookline.batch_size', items.length);
        this.deps.metrics.inFlightRequests.inc();
        try {
          const r = await this.deps.client.post(webhook.url, requestHeaders, body);
          if (r.status !== null) s.setAttribute('http.response.status_code', r.status);
          if (r.errorClass) {
            s.setAttribute('error.type', r.errorClass);
            s.setStatus({ code: SpanStatusCode.ERROR, message: r.error ?? r.errorClass });
          }
          return r;
        } finally {
          this.deps.metrics.inFlightRequests.dec();
          s.end();
        }
      },
    );
    return { result, requestHeaders: redactOwn(requestHeaders, webhook.headers) };
  }

  /** The same outcome to the lifecycle for each task (log row, retry tier, DLQ, disable). */
  private async finish(
    items: PendingAttempt[],
    webhook: FinishedAttempt['webhook'],
    result: FinishedAttempt['result'],
    requestHeaders: Record<string, string>,
    startedAt: Date,
  ): Promise<void> {
    for (const { span } of items)
      if (result.errorClass) span.setAttribute('error.type', result.errorClass);
    await Promise.all(
      items.map(({ task, message }) =>
        this.deps.lifecycle.afterAttempt({
          task,
          message,
          webhook,
          result,
          requestHeaders,
          startedAt,
        }),
      ),
    );
  }
}

/** A webhook's custom headers, lower-cased so the headers Hookline sets replace them. */
function ownHeaders(headers: Record<string, string> | null): Record<string, string> {
  if (!headers) return {};
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * The request headers as the delivery log keeps them: a custom header's value is often a
 * credential of the receiver's (an Authorization token), readable by anyone who reads the log.
 */
function redactOwn(
  sent: Record<string, string>,
  own: Record<string, string> | null,
): Record<string, string> {
  if (!own) return sent;
  const logged = { ...sent };
  for (const name of Object.keys(own)) {
    const key = name.toLowerCase();
    if (key in logged && logged[key] === own[name]) logged[key] = '[redacted]';
  }
  return logged;
}

function busyResult(maxWaitMs: number): PostResult {
  return noAnswer(
    null,
    0,
    'endpoint_busy',
    `not attempted: no request to this endpoint finished for ${maxWaitMs} ms, every connection busy`,
  );
}
