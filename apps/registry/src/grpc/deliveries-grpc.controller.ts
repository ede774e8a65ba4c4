import { Controller, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { parseQuery } from '../common/validation';
import { ListDeliveriesQuery } from '../deliveries/delivery.dto';
import { DeliveriesService } from '../deliveries/deliveries.service';
import { ActionLimit } from '../limits/rate-limit.decorator';
import { idOf, type Message } from './grpc-request';
import { ProjectRateLimitInterceptor } from '../limits/project-rate-limit.interceptor';
import { GrpcStatusFilter } from './grpc-status.filter';

/** hookline.v1.DeliveriesService: the delivery log and redelivery of the HTTP API, over gRPC. */
@Controller()
@UseGuards(ApiKeyGuard)
@UseFilters(GrpcStatusFilter)
// A hybrid app's microservice takes no global interceptors: the project's limits, set here.
@UseInterceptors(ProjectRateLimitInterceptor)
export class DeliveriesGrpcController {
  constructor(private readonly deliveries: DeliveriesService) {}

  /** A webhook's deliveries with `webhook_id`, else the project's. */
  @GrpcMethod('DeliveriesService', 'ListDeliveries')
  list(@Payload() req: Message, @CurrentKey() caller: CallerKey) {
    const { webhook_id, ...filters } = req;
    const webhookId = webhook_id === undefined ? null : idOf({ webhook_id }, 'webhook_id');
    return this.deliveries.list(caller, webhookId, parseQuery(ListDeliveriesQuery, filters));
  }

  @GrpcMethod('DeliveriesService', 'GetDelivery')
  async get(@Payload() req: Message, @CurrentKey() caller: CallerKey) {
    const delivery = await this.deliveries.get(caller, idOf(req));
    return { ...delivery, event: JSON.stringify(delivery.event) };
  }

  @GrpcMethod('DeliveriesService', 'RedeliverDelivery')
  @ActionLimit('redeliver')
  redeliver(@Payload() req: Message, @CurrentKey() caller: CallerKey) {
    return this.deliveries.redeliver(caller, idOf(req));
  }
}
