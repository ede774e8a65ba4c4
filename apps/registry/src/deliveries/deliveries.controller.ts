import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { parseBody, parseQuery } from '../common/validation';
import { declareRoute } from '../openapi/route-registry';
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
declareRoute({
  method: 'get',
  path: '/v1/webhooks/{id}/deliveries',
  summary:
    "A webhook's deliveries, newest first; filter by status, event (type or evt_ id) and time",
  tag,
  query: ListDeliveriesQuery,
  response: z.object({ data: z.array(DeliveryResponse), next_cursor: z.string().nullable() }),
});
declareRoute({
  method: 'get',
  path: '/v1/deliveries/{id}',
  summary: 'A delivery with every attempt',
  tag,
  response: DeliveryWithAttemptsResponse,
});
declareRoute({
  method: 'post',
  path: '/v1/deliveries/{id}/redeliver',
  summary: 'A new attempt now, whatever the delivery’s state (same webhook-id)',
  tag,
  body: EmptyBody,
  response: RedeliverResponse,
  status: 202,
  errors: [401, 404, 409, 503],
});
declareRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/test',
  summary: 'Send webhook.ping now and answer with the attempt’s result',
  tag: 'Webhooks',
  body: EmptyBody,
  response: TestResponse,
  errors: [401, 404, 409, 503],
});

@Controller('v1')
@UseGuards(ApiKeyGuard)
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get('webhooks/:id/deliveries')
  list(@CurrentKey() caller: CallerKey, @Param('id') webhookId: string, @Query() query: unknown) {
    return this.deliveries.list(caller, webhookId, parseQuery(ListDeliveriesQuery, query));
  }

  @Post('webhooks/:id/test')
  @HttpCode(200)
  test(@CurrentKey() caller: CallerKey, @Param('id') webhookId: string, @Body() body: unknown) {
    parseBody(EmptyBody, body ?? {});
    return this.deliveries.test(caller, webhookId);
  }

  @Get('deliveries/:id')
  get(@CurrentKey() caller: CallerKey, @Param('id') id: string) {
    return this.deliveries.get(caller, id);
  }

  @Post('deliveries/:id/redeliver')
  @HttpCode(202)
  redeliver(@CurrentKey() caller: CallerKey, @Param('id') id: string, @Body() body: unknown) {
    parseBody(EmptyBody, body ?? {});
    return this.deliveries.redeliver(caller, id);
  }
}
