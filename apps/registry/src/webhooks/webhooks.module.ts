import { Module } from '@nestjs/common';
import { EventTypesModule } from '../event-types/event-types.module';
import { WebhooksController } from './webhooks.controller';
import { VerificationEventPublisher } from './verification-event.publisher';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [EventTypesModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, VerificationEventPublisher],
  exports: [WebhooksService],
})
export class WebhooksModule {}
