import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import {
  OperationalEventSchema,
  replaceUnportableText,
  topicNames,
  type OperationalEvent,
} from '@hookline/contracts';
import type { HooklineConfig } from '@hookline/config';
import { ConsumerRunner, type ConsumedMessage } from '@hookline/kafka';
import type { Logger } from '@hookline/telemetry';
import { CONFIG, KAFKA, LOGGER } from '../infra/tokens';
import { NotificationMails } from './notification-mail.composer';
import { NotificationSender } from './notification.sender';

/** A mail that failed this often (an address the server refuses for good) is given up. */
const MAX_SEND_FAILURES = 5;

/**
 * Mails operational events to the project's notification addresses, from a consumer group of
 * its own on hookline.operational (one replica handles each event): every kind the project
 * chose is mailed at once, except `delivery.dead`, kept for the hourly digest
 * (DeadDeliveryDigestJob). Not started when HOOKLINE_SMTP_URL is unset.
 */
@Injectable()
export class OperationalMailConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private runner?: ConsumerRunner;

  constructor(
    private readonly sender: NotificationSender,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: HooklineConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.sender.enabled) {
      this.log.info('e-mail notifications off: HOOKLINE_SMTP_URL is not set');
      return;
    }
    const smtp = new URL(this.config.HOOKLINE_SMTP_URL!);
    this.log.info(
      { smtp: `${smtp.protocol}//${smtp.host}`, from: this.config.HOOKLINE_MAIL_FROM },
      'e-mail notifications on',
    );
    const prefix = this.config.HOOKLINE_TOPIC_PREFIX;
    const topics = topicNames(prefix, this.config.HOOKLINE_RETRY_SCHEDULE.length);
    this.runner = new ConsumerRunner({
      name: 'notifications',
      kafka: this.kafka,
      groupId: `${prefix}hookline.registry.notifications`,
      topics: [topics.operational],
      handle: (message) => this.handle(message),
      onHandlerError: (message, error, failures) => {
        this.log.warn({ err: error, offset: message.offset, failures }, 'notification mail failed');
        return failures >= MAX_SEND_FAILURES ? 'skip' : 'retry';
      },
      maxPendingPerPartition: 20,
      maxPendingTotal: 20,
      commitIntervalMs: 1000,
      drainTimeoutMs: 5000,
      sessionTimeoutMs: this.config.HOOKLINE_KAFKA_SESSION_TIMEOUT,
      // Mail is not in a hurry, and a record answers a waiting fetch at once: a long wait only
      // saves idle polling (the runner's default, 50 ms, is for consumers that pause and hold).
      maxWaitMs: 1000,
      log: this.log,
    });
    // Not awaited: the API starts while Kafka is away; the runner keeps trying to join.
    this.runner.start().catch((e) => this.log.error({ err: e }, 'notifications consumer'));
  }

  /** Handles one operational event; resolves once it is mailed, kept or known to be nobody's. */
  async handle(message: ConsumedMessage): Promise<void> {
    let event: OperationalEvent;
    try {
      event = OperationalEventSchema.parse(JSON.parse(message.value?.toString('utf8') ?? ''));
    } catch (e) {
      this.log.warn({ err: e, offset: message.offset }, 'unreadable operational event skipped');
      return;
    }
    if (event.event === 'delivery.dead') {
      const { data } = event;
      const attempts = Number(data.attempts);
      await this.sender.store.recordDead({
        eventId: event.id,
        projectId: event.project_id,
        webhookId: storable(data.webhook_id, 128),
        deliveryId: storable(data.delivery_id, 128),
        deadEventId: storable(data.event_id, 256),
        eventType: storable(data.event_type ?? 'unknown', 200),
        attempts: Number.isInteger(attempts) && attempts >= 0 && attempts < 2 ** 31 ? attempts : 0,
        lastError: storable(data.last_error ?? '', MAX_ERROR_TEXT),
        diedAt: new Date(event.occurred_at),
      });
      return;
    }
    const webhookId = typeof event.data.webhook_id === 'string' ? event.data.webhook_id : undefined;
    await this.sender.send(
      event.project_id,
      { id: event.id, kind: event.event, eventType: event.event, now: new Date() },
      async (to, project) => {
        const webhooks = await this.sender.webhooks(event.project_id, webhookId ? [webhookId] : []);
        const webhook = webhookId
          ? (webhooks.get(webhookId) ?? { id: webhookId, url: null })
          : undefined;
        return NotificationMails.operational(to, project, event, webhook);
      },
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}

/** The most of a dead delivery's error kept for the digest (the dispatcher's own are short). */
const MAX_ERROR_TEXT = 4096;

/**
 * `data` of an operational event is any JSON a producer of the topic wrote: text Postgres cannot
 * store (NUL, lone surrogates) is replaced and length bounded, so one such event cannot fail its
 * row (and be skipped after retries) or fill the table.
 */
function storable(value: unknown, max: number): string {
  // Cut first: a cut through a surrogate pair leaves a lone one, which is then replaced too.
  return replaceUnportableText(String(value).slice(0, max));
}
