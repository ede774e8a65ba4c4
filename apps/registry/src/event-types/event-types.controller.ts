import { Controller, Get } from '@nestjs/common';
import { describeCatalog } from '@hookline/contracts';
import { declareRoute } from '../openapi/route-registry';

declareRoute({
  method: 'get',
  path: '/v1/event-types',
  summary: 'The event catalog: names, descriptions, JSON Schemas of data',
  tag: 'Event types',
  auth: 'none',
  errors: [],
});

// Computed once: the catalog is part of the build.
const CATALOG = { data: describeCatalog() };

@Controller('v1/event-types')
export class EventTypesController {
  @Get()
  list() {
    return CATALOG;
  }
}
