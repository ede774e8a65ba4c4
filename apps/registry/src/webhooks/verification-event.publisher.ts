import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { OperationalEvents, topicNames } from '@hookline/contracts';
import type { HooklineConfig } from '@hookline/config';
import { BatchingProducer, withDeadline } from '@hookline/kafka';
import type { Logger } from '@hookline/telemetry';
import { CONFIG, KAFKA, LOGGER } from '../infra/tokens';
import type { HandshakeResult } from './endpoint-verifier';

const SEND_TIMEOUT_MS = 5000;

/**
 * Announces `webhook.verification_failed` on hookline.operational. A handshake's outcome is not
 * part of the webhook's state (a failure changes nothing; a pass that activates a pending webhook
 * is a change of `active`, which the changelog relay announces as `webhook.enabled`), so this is
 * not written through the outbox: it is sent before the API answers, and a send Kafka does not
 * acknowledge in a few seconds is logged, not retried — the caller still has the result in the
 * answer, and the failure is not worth failing the request for.
 */
@Injectable()
export class VerificationEventPublisher implements OnApplicationShutdown {
  private readonly topic: string;
  private readonly producer: BatchingProducer;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(CONFIG) config: HooklineConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.topic = topicNames(
      config.HOOKLINE_TOPIC_PREFIX,
      config.HOOKLINE_RETRY_SCHEDULE.length,
    ).operational;
    this.producer = new BatchingProducer(kafka, { closeTimeoutMs: SEND_TIMEOUT_MS });
  }

  async failed(
    webhook: { id: string; projectId: string; url: string },
    result: HandshakeResult,
  ): Promise<void> {
    const message = OperationalEvents.webhookVerificationFailed(
      webhook.projectId,
      {
        webhookId: webhook.id,
        url: webhook.url,
        status: result.status,
        error: result.error ?? 'failed',
      },
      new Date(),
    );
    try {
      await withDeadline(
        this.producer.send(this.topic, message),
        SEND_TIMEOUT_MS,
        () => new Error(`Kafka did not answer within ${SEND_TIMEOUT_MS} ms`),
      );
    } catch (err) {
      this.log.warn({ err, webhookId: webhook.id }, 'failed verification not announced');
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.producer.close();
  }
}
