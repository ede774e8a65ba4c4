import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { topicNames, type TaskMessage } from '@hookline/contracts';
import type { HooklineConfig } from '@hookline/config';
import { BatchingProducer, injectTraceHeaders, withDeadline } from '@hookline/kafka';
import { ApiError } from '../common/api-error';
import { CONFIG, KAFKA } from '../infra/tokens';

const SEND_TIMEOUT_MS = 5000;
const noAnswer = () => new Error(`Kafka did not answer within ${SEND_TIMEOUT_MS} ms`);

/**
 * Puts manual delivery tasks (redeliver, test) on `hookline.deliveries`, where the dispatcher
 * treats them like any other task: the registry never calls an endpoint itself, so the URL
 * policy, signing and the delivery log stay in one place. Kafka is connected on first use, so the
 * rest of the API works while it is down; a send that Kafka does not acknowledge in a few seconds
 * answers 503. The producer keeps trying such a task until shutdown (its failure policy), so it
 * may still be delivered: the caller's retry then yields a second, separate attempt.
 */
@Injectable()
export class DeliveryTaskPublisher implements OnApplicationShutdown {
  private readonly deliveriesTopic: string;
  private readonly producer: BatchingProducer;

  constructor(@Inject(KAFKA) kafka: Kafka, @Inject(CONFIG) config: HooklineConfig) {
    this.deliveriesTopic = topicNames(
      config.HOOKLINE_TOPIC_PREFIX,
      config.HOOKLINE_RETRY_SCHEDULE.length,
    ).deliveries;
    this.producer = new BatchingProducer(kafka, { closeTimeoutMs: SEND_TIMEOUT_MS });
  }

  /** A task built by DeliveryTasks; the request's trace context is added to its headers. */
  async publish(task: TaskMessage): Promise<void> {
    try {
      await withDeadline(
        this.producer.send(this.deliveriesTopic, {
          ...task,
          headers: injectTraceHeaders({ ...task.headers }),
        }),
        SEND_TIMEOUT_MS,
        noAnswer,
      );
    } catch {
      throw ApiError.unavailable('the message broker is unavailable; try again shortly');
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.producer.close();
  }
}
