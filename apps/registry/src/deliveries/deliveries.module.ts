import { Module } from '@nestjs/common';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { DeliveryTaskPublisher } from './delivery-task.publisher';

/** The delivery log, redelivery and test pings. */
@Module({
  controllers: [DeliveriesController],
  providers: [DeliveriesService, DeliveryTaskPublisher],
  exports: [DeliveriesService, DeliveryTaskPublisher],
})
export class DeliveriesModule {}
