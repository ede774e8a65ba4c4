import { Module } from '@nestjs/common';
import { EventLogController } from './event-log.controller';
import { EventLogService } from './event-log.service';

/** Reading published events back: `GET /v1/events`, `GET /v1/events/{id}/deliveries`. */
@Module({ controllers: [EventLogController], providers: [EventLogService] })
export class EventLogModule {}
