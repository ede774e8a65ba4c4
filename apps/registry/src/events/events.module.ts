import { Module } from '@nestjs/common';
import { EventTypesModule } from '../event-types/event-types.module';
import { eventPublisherProvider } from './event-publisher.provider';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { IngestedEventsRepository } from './ingested-events.repository';

/** POST /v1/events: HTTP ingest of domain events for producers without a Kafka client. */
@Module({
  imports: [EventTypesModule],
  controllers: [EventsController],
  providers: [EventsService, IngestedEventsRepository, eventPublisherProvider],
  exports: [EventsService],
})
export class EventsModule {}
