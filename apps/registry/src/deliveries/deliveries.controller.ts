import { Controller, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { ActionLimit } from '../limits/rate-limit.decorator';
import { ApiRoute, RouteBody, RouteParam, RouteQuery } from '../openapi/api-route.decorator';
import { DeliveriesService } from './deliveries.service';
import {
  DeliveryResponse,
  DeliveryWithAttemptsResponse,
  EmptyBody,
  ListDeliveriesQuery,
  RedeliverResponse,
  TestResponse,
} from './delivery.dto';

const tag = 'Deliveries';

@Controller()
@UseGuards(ApiKeyGuard)
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @ApiRoute('get', '/v1/webhooks/{id}/deliveries', {
    summary:
      "A webhook's deliveries, newest first; filter by status, event (type or evt_ id) and time",
    tag,
    auth: 'api_key',
    query: ListDeliveriesQuery,
    response: z.object({ data: z.array(DeliveryResponse), next_cursor: z.string().nullable() }),
  })
  list(
    @CurrentKey() caller: CallerKey,
    @RouteParam('id') webhookId: string,
    @RouteQuery() query: ListDeliveriesQuery,
  ) {
    return this.deliveries.list(caller, webhookId, query);
  }

  @ApiRoute('get', '/v1/deliveries', {
    summary:
      "The project's deliveries (every webhook), newest first; same filters and cursor as a webhook's",
    tag,
    auth: 'api_key',
    query: ListDeliveriesQuery,
    response: z.object({ data: z.array(DeliveryResponse), next_cursor: z.string().nullable() }),
  })
  listProject(@CurrentKey() caller: CallerKey, @RouteQuery() query: ListDeliveriesQuery) {
    return this.deliveries.list(caller, null, query);
  }

  @ApiRoute('post', '/v1/webhooks/{id}/test', {
    summary: 'Send webhook.ping now and answer with the attempt’s result',
    tag: 'Webhooks',
    auth: 'api_key',
    body: EmptyBody,
    bodyOptional: true,
    response: TestResponse,
    errors: [409, 503],
  })
  @ActionLimit('test_ping')
  test(
    @CurrentKey() caller: CallerKey,
    @RouteParam('id') webhookId: string,
    @RouteBody() _: object,
  ) {
    return this.deliveries.test(caller, webhookId);
  }

  @ApiRoute('get', '/v1/deliveries/{id}', {
    summary: 'A delivery with every attempt',
    tag,
    auth: 'api_key',
    response: DeliveryWithAttemptsResponse,
  })
  get(@CurrentKey() caller: CallerKey, @RouteParam('id') id: string) {
    return this.deliveries.get(caller, id);
  }

  @ApiRoute('post', '/v1/deliveries/{id}/redeliver', {
    summary: 'A new attempt now, whatever the delivery’s state (same webhook-id)',
    tag,
    auth: 'api_key',
    body: EmptyBody,
    bodyOptional: true,
    response: RedeliverResponse,
    status: 202,
    errors: [409, 503],
  })
  @ActionLimit('redeliver')
  redeliver(@CurrentKey() caller: CallerKey, @RouteParam('id') id: string, @RouteBody() _: object) {
    return this.deliveries.redeliver(caller, id);
  }
}
