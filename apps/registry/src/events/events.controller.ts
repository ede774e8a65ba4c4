import { Controller, Headers, HttpStatus, UseGuards } from '@nestjs/common';
import { currentTraceHeaders } from '@hookline/kafka';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { RateBucket } from '../limits/rate-limit.decorator';
import { ApiRoute, RouteBody } from '../openapi/api-route.decorator';
import {
  IngestEventDocument,
  IngestEventResponseSchema,
  IngestEventSchema,
  type IngestEventDto,
} from './dto/ingest-event.dto';
import { EventsService } from './events.service';

@Controller()
@UseGuards(ApiKeyGuard)
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @ApiRoute('post', '/v1/events', {
    summary:
      'Publish a domain event over HTTP; answered once Kafka has it. `id` makes it idempotent for 24 h.',
    tag: 'Events',
    auth: 'api_key',
    body: IngestEventSchema,
    bodyDocument: IngestEventDocument,
    response: IngestEventResponseSchema,
    status: HttpStatus.ACCEPTED,
    errors: [503],
  })
  @RateBucket('ingest')
  ingest(
    @CurrentKey() caller: CallerKey,
    @RouteBody() body: IngestEventDto,
    @Headers() headers: Record<string, string>,
  ) {
    // The request's span (the HTTP instrumentation continues the caller's trace); the caller's own
    // headers when tracing is off.
    const active = currentTraceHeaders();
    const { traceparent, tracestate } = active.traceparent ? active : headers;
    return this.events.ingest(caller.projectId, body, {
      ...(traceparent ? { traceparent } : {}),
      ...(tracestate ? { tracestate } : {}),
    });
  }
}
