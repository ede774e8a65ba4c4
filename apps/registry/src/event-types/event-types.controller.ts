import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { describeCatalog } from '@hookline/contracts';
import { ApiRoute } from '../openapi/api-route.decorator';

// Computed once: the catalog is part of the build.
const CATALOG = { data: describeCatalog() };

const EventTypesResponse = z.object({
  data: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      schema: z.record(z.string(), z.unknown()),
    }),
  ),
});

@Controller()
export class EventTypesController {
  @ApiRoute('get', '/v1/event-types', {
    summary: 'The event catalog: names, descriptions, JSON Schemas of data',
    tag: 'Event types',
    auth: 'none',
    response: EventTypesResponse,
  })
  list() {
    return CATALOG;
  }
}
