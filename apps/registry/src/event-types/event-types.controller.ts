import { Controller, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../auth/auth.guards';
import { ApiRoute, RouteBody, RouteParam } from '../openapi/api-route.decorator';
import {
  CreateEventTypeBody,
  EventTypeListResponse,
  EventTypeResponse,
  UpdateEventTypeBody,
} from './event-type.dto';
import { EventTypesService } from './event-types.service';

const tag = 'Event types';

@Controller()
export class EventTypesController {
  constructor(private readonly eventTypes: EventTypesService) {}

  @ApiRoute('get', '/v1/event-types', {
    summary: 'The event catalog: names, descriptions, JSON Schemas of data, examples, versions',
    tag,
    auth: 'none',
    response: EventTypeListResponse,
  })
  list() {
    return this.eventTypes.list();
  }

  @ApiRoute('get', '/v1/event-types/{name}', {
    summary: 'One event type',
    tag,
    auth: 'none',
    response: EventTypeResponse,
  })
  get(@RouteParam('name') name: string) {
    return this.eventTypes.get(name);
  }

  @ApiRoute('post', '/v1/event-types', {
    summary: 'Add an event type (admin token); its example must fit its schema',
    tag,
    auth: 'admin',
    body: CreateEventTypeBody,
    response: EventTypeResponse,
    status: 201,
    errors: [409],
  })
  @UseGuards(AdminTokenGuard)
  create(@RouteBody() body: CreateEventTypeBody) {
    return this.eventTypes.create(body);
  }

  @ApiRoute('patch', '/v1/event-types/{name}', {
    summary: 'Change or deprecate an event type (admin token); raises its version',
    tag,
    auth: 'admin',
    body: UpdateEventTypeBody,
    response: EventTypeResponse,
  })
  @UseGuards(AdminTokenGuard)
  update(@RouteParam('name') name: string, @RouteBody() body: UpdateEventTypeBody) {
    return this.eventTypes.update(name, body);
  }
}
