import { Global, Module } from '@nestjs/common';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { EventsModule } from '../events/events.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { DeliveriesGrpcController } from './deliveries-grpc.controller';
import { EventsGrpcController } from './events-grpc.controller';
import { GrpcHealth } from './grpc-health';
import { GrpcStatusFilter } from './grpc-status.filter';
import { WebhooksGrpcController } from './webhooks-grpc.controller';

/** The internal gRPC API's handlers (served by grpc.server.ts) and its health, which /readyz shows. */
@Global()
@Module({
  imports: [WebhooksModule, EventsModule, DeliveriesModule],
  controllers: [WebhooksGrpcController, EventsGrpcController, DeliveriesGrpcController],
  providers: [GrpcHealth, GrpcStatusFilter],
  exports: [GrpcHealth],
})
export class GrpcModule {}
