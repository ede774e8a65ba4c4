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
  renderPayload,
  type DeliveryStatus,
  type DeliveryTask,
} from '@hookline/contracts';
import { extractTraceContext } from '@hookline/kafka';
import { signHeaders } from '@hookline/signing';
import { currentTraceparent, tracer, type Logger } from '@hookline/telemetry';
import { alreadySettled } from '../lifecycle/delivery-lifecycle';
import type { LifecycleExecutor } from '../lifecycle/lifecycle.executor';
import type { ConcurrencyLimiter } from './concurrency-limiter';
import type { DispatcherMetrics } from './dispatcher.metrics';
import type { ConsumedMessage } from '@hookline/kafka';
import {
  UnusableWebhookError,
  type DeliverableWebhook,
  type WebhookDirectory,
} from './webhook-directory';
import type { PostResult, WebhookHttpClient } from './webhook-http.client';

const VERSION = (require('../../package.json') as { version: string }).version;
export const USER_AGENT = `Hookline/${VERSION}`;

export interface DeliveryServiceDeps {
  directory: WebhookDirectory;
  client: WebhookHttpClient;
  limiter: ConcurrencyLimiter;
  lifecycle: LifecycleExecutor;
  metrics: DispatcherMetrics;
  log: Logger;
  /** The delivery's final status as logged, if it has one (see alreadySettled). */
  settled(deliveryId: string): Promise<{ status: DeliveryStatus; chain: number } | undefined>;
  /** The view's URL of a webhook, to queue a task behind its endpoint before the final check. */
  urlHint(webhookId: string): string | undefined;
}

/** The limiter's key: requests are bounded per endpoint origin (a host:port receives one pool). */
function endpointKey(url: string | undefined, webhookId: string): string {
  try {
    return url ? new URL(url).origin : webhookId;
  } catch {
    return webhookId;
  }
}

/**
 * One attempt of one task: wait for a slot at the endpoint, confirm the webhook still exists and
 * is active, sign the exact bytes to send, POST them, and hand the outcome to the delivery lifecycle (log, retry
 * tier, DLQ, disable). Resolves when all of that is durable, which is when the consumer may commit.
 */
export class DeliveryService {
  private readonly tracer = tracer('hookline-dispatcher');

  constructor(private readonly deps: DeliveryServiceDeps) {}

  async handle(message: ConsumedMessage): Promise<void> {
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
      await context.with(trace.setSpan(parent, span), () => this.attempt(task, message, span));
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw e;
    } finally {
      span.end();
    }
  }

  private async attempt(task: DeliveryTask, message: ConsumedMessage, span: Span): Promise<void> {
    const { directory, limiter, metrics, log, lifecycle } = this.deps;
    if (!(await lifecycle.beforeAttempt(task, message))) return; // not due yet: back on its tier
    // Looked up while the task waits for its slot; both lookups batch with other tasks'.
    const logged = task.manual ? undefined : this.deps.settled(task.delivery_id);
    logged?.catch(() => undefined); // awaited below, with the webhook's check
    const release = await limiter.acquire(
      endpointKey(this.deps.urlHint(task.webhook_id), task.webhook_id),
    );
    let result: PostResult;
    let webhook: DeliverableWebhook;
    let requestHeaders: Record<string, string>;
    const startedAt = new Date();
    try {
      // Checked only now, with the slot held and the request about to start (see WebhookDirectory).
      let found: Awaited<ReturnType<WebhookDirectory['forAttempt']>>;
      let settled: Awaited<typeof logged>;
      try {
        [found, settled] = await Promise.all([directory.forAttempt(task.webhook_id), logged]);
      } catch (e) {
        if (!(e instanceof UnusableWebhookError)) throw e;
        release();
        span.setAttribute('error.type', e.errorClass);
        log.error(
          { webhookId: task.webhook_id, deliveryId: task.delivery_id, errorClass: e.errorClass },
          'no attempt possible: the webhook is unusable',
        );
        await lifecycle.afterAttempt({
          task,
          message,
          webhook: { ...e.webhook, consecutiveFailures: 0 },
          result: {
            status: null,
            errorClass: e.errorClass,
            error: e.message,
            permanent: true,
            body: null,
            durationMs: 0,
          },
          requestHeaders: {},
          startedAt,
        });
        return;
      }
      if (alreadySettled(task, settled)) {
        // A repeat (a fan-out replay after a crash, a late duplicate): the delivery already ended.
        release();
        metrics.tasksDropped.inc({ reason: 'already_settled' });
        span.setAttribute('hookline.dropped', 'already_settled');
        return;
      }
      if (!found.ok) {
        metrics.tasksDropped.inc({ reason: found.reason });
        span.setAttribute('hookline.dropped', found.reason);
        log.info(
          {
            webhookId: task.webhook_id,
            deliveryId: task.delivery_id,
            attempt: task.attempt,
            reason: found.reason,
          },
          'task dropped: webhook not deliverable',
        );
        release();
        await lifecycle.undeliverable(task, found.reason);
        return;
      }
      webhook = found.webhook;
      const body = JSON.stringify(renderPayload(webhook.format, task.event, webhook.id));
      const signature = this.tracer.startActiveSpan('hookline.dispatch sign', (s) => {
        try {
          s.setAttribute('hookline.signature_scheme', webhook.scheme);
          return signHeaders({
            scheme: webhook.scheme,
            secrets: webhook.secrets,
            signatureHeader: webhook.signatureHeader,
            msgId: task.delivery_id,
            timestamp: Math.floor(Date.now() / 1000),
            body,
          });
        } finally {
          s.end();
        }
      });
      result = await this.tracer.startActiveSpan('POST', { kind: SpanKind.CLIENT }, async (s) => {
        s.setAttributes({ 'http.request.method': 'POST', 'url.full': webhook.url });
        requestHeaders = {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          ...signature,
          traceparent: currentTraceparent() ?? '',
        };
        if (!requestHeaders.traceparent) delete requestHeaders.traceparent;
        metrics.inFlightRequests.inc();
        try {
          const r = await this.deps.client.post(webhook.url, requestHeaders, body);
          if (r.status !== null) s.setAttribute('http.response.status_code', r.status);
          if (r.errorClass) {
            s.setAttribute('error.type', r.errorClass);
            s.setStatus({ code: SpanStatusCode.ERROR, message: r.error ?? r.errorClass });
          }
          return r;
        } finally {
          metrics.inFlightRequests.dec();
          s.end();
        }
      });
    } finally {
      release();
    }
    const outcome = result.errorClass ?? 'success';
    metrics.attempts.inc({ outcome });
    metrics.attemptSeconds.observe({ outcome }, result.durationMs / 1000);
    await lifecycle.afterAttempt({
      task,
      message,
      webhook,
      result,
      requestHeaders: requestHeaders!,
      startedAt,
    });
  }
}
