import { Controller, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { DeliveryResponse } from '../deliveries/delivery.dto';
import { ApiRoute, RouteParam, RouteQuery } from '../openapi/api-route.decorator';
import { EventLogService } from './event-log.service';
import { EventDeliveriesQuery, ListEventsQuery, PublishedEventResponse } from './event-log.dto';

const tag = 'Events';

@Controller()
@UseGuards(ApiKeyGuard)
export class EventLogController {
  constructor(private readonly events: EventLogService) {}

  @ApiRoute('get', '/v1/events', {
    summary:
      "The project's published events (those that matched a webhook), newest first; filter by type and time",
    tag,
    auth: 'api_key',
    query: ListEventsQuery,
    response: z.object({
      data: z.array(PublishedEventResponse),
      next_cursor: z.string().nullable(),
    }),
  })
  list(@CurrentKey() caller: CallerKey, @RouteQuery() query: ListEventsQuery) {
    return this.events.list(caller, query);
  }

  @ApiRoute('get', '/v1/events/{id}/deliveries', {
    summary: 'Which webhooks got this event, and how each delivery went',
    tag,
    auth: 'api_key',
    query: EventDeliveriesQuery,
    response: z.object({ data: z.array(DeliveryResponse), next_cursor: z.string().nullable() }),
  })
  deliveries(
    @CurrentKey() caller: CallerKey,
    @RouteParam('id') id: string,
    @RouteQuery() query: EventDeliveriesQuery,
  ) {
    return this.events.deliveries(caller, id, query);
  }
}
