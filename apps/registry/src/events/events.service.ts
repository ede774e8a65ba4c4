import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  BrokerUnavailableError,
  InvalidEventDataError,
  UnknownEventTypeError,
  prepareEvent,
  type EventPublisher,
  type PreparedEvent,
  type ValidatedEvent,
} from '@hookline/producer';
import { callerTraceHeaders } from '@hookline/kafka';
import type { Logger } from '@hookline/telemetry';
import { ApiError } from '../common/api-error';
import { EventTypesService } from '../event-types/event-types.service';
import { LOGGER } from '../infra/tokens';
import type { IngestEventDto, IngestEventResponse } from './dto/ingest-event.dto';
import { EVENT_PUBLISHER } from './event-publisher.provider';
import { IngestClaimBatcher } from './ingest-claim.batcher';
import { IngestedEventsRepository } from './ingested-events.repository';

const PURGE_EVERY_MS = 10 * 60_000;

/** HTTP ingest: the producer library's validation and publishing, made idempotent by `id`. */
@Injectable()
export class EventsService implements OnModuleInit, OnModuleDestroy {
  private purgeTimer?: NodeJS.Timeout;
  private readonly claims: IngestClaimBatcher;

  constructor(
    dataSource: DataSource,
    private readonly ingested: IngestedEventsRepository,
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly eventTypes: EventTypesService,
  ) {
    this.claims = new IngestClaimBatcher(dataSource, ingested, (events) => this.publish(events));
  }

  /**
   * Answers once Kafka acknowledged the event. With an `id`, the id is claimed in the transaction
   * that publishes it (IngestClaimBatcher, shared by concurrent requests): a failed publish rolls
   * the claim back (a retry publishes), a repeat within 24 h publishes nothing and answers with
   * the same id.
   */
  async ingest(
    projectId: string,
    dto: IngestEventDto,
    /** The request's `traceparent` / `tracestate`: the caller's trace continues on Kafka (if valid). */
    trace: Record<string, string> = {},
  ): Promise<IngestEventResponse> {
    const catalog = await this.eventTypes.current(dto.event);
    const options = { projectId, id: dto.id, occurredAt: dto.occurred_at };
    const event = {
      ...this.validate(dto.event, dto.data, options, catalog),
      headers: callerTraceHeaders(trace),
    };
    const { id } = event.envelope;
    if (dto.id === undefined) await this.publish([event]);
    else await this.claims.publishOnce(projectId, event);
    return { id };
  }

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => {
      this.ingested
        .purgeExpired()
        .catch((e: unknown) => this.log.warn({ err: e }, 'purging ingested_events failed'));
    }, PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.purgeTimer);
    await this.publisher.disconnect().catch(() => undefined);
  }

  private validate(...args: Parameters<typeof prepareEvent>): ValidatedEvent {
    try {
      return prepareEvent(...args);
    } catch (e) {
      if (e instanceof UnknownEventTypeError) {
        const message = e.reserved ? e.message : `unknown event type "${e.eventType}"`;
        throw ApiError.badRequest(message, [
          { field: 'event', message: `valid types: ${e.validTypes.join(', ')}` },
        ]);
      }
      if (e instanceof InvalidEventDataError) throw ApiError.badRequest(e.message, e.issues);
      throw e;
    }
  }

  private async publish(events: PreparedEvent[]): Promise<void> {
    try {
      await this.publisher.publishPrepared(events);
    } catch (e) {
      if (e instanceof BrokerUnavailableError) {
        this.log.warn(
          { err: e.message, eventIds: events.map((event) => event.envelope.id) },
          'ingest: Kafka unavailable',
        );
        throw ApiError.unavailable('Kafka is unreachable; retry later with the same id');
      }
      throw e;
    }
  }
}
