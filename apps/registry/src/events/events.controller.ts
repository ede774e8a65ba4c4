import { Body, Controller, HttpCode, HttpStatus, Headers, Post, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { declareRoute } from '../openapi/route-registry';
import { IngestEventResponseSchema, IngestEventSchema } from './dto/ingest-event.dto';
import { EventsService } from './events.service';

declareRoute({
  method: 'post',
  path: '/v1/events',
  summary:
    'Publish a domain event over HTTP; answered once Kafka has it. `id` makes it idempotent for 24 h.',
  tag: 'events',
  auth: 'api_key',
  body: IngestEventSchema,
  response: IngestEventResponseSchema,
  status: HttpStatus.ACCEPTED,
  errors: [400, 401, 413, 503],
});

@Controller('v1/events')
@UseGuards(ApiKeyGuard)
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  ingest(
    @CurrentKey() caller: CallerKey,
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
  ) {
    const { traceparent, tracestate } = headers;
    return this.events.ingest(caller.projectId, body, {
      ...(traceparent ? { traceparent } : {}),
      ...(tracestate ? { tracestate } : {}),
    });
  }
}
