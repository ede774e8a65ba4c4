import { Controller, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { Ctx, GrpcMethod, Payload } from '@nestjs/microservices';
import type { Metadata } from '@grpc/grpc-js';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { ApiError } from '../common/api-error';
import { parseBody } from '../common/validation';
import { IngestEventSchema } from '../events/dto/ingest-event.dto';
import { EventsService } from '../events/events.service';
import { RateBucket } from '../limits/rate-limit.decorator';
import { ProjectRateLimitInterceptor } from '../limits/project-rate-limit.interceptor';
import { GrpcStatusFilter } from './grpc-status.filter';

/** hookline.v1.EventsService: POST /v1/events over gRPC, idempotent by `id` the same way. */
@Controller()
@UseGuards(ApiKeyGuard)
@UseFilters(GrpcStatusFilter)
// A hybrid app's microservice takes no global interceptors: the project's limits, set here.
@UseInterceptors(ProjectRateLimitInterceptor)
export class EventsGrpcController {
  constructor(private readonly events: EventsService) {}

  @GrpcMethod('EventsService', 'PublishEvent')
  @RateBucket('ingest')
  publish(
    @Payload() req: Record<string, unknown>,
    @CurrentKey() caller: CallerKey,
    @Ctx() metadata: Metadata,
  ) {
    const body = parseBody(IngestEventSchema, { ...req, data: jsonObject(req.data) });
    // The caller's trace continues on Kafka, as with the HTTP headers of the same names.
    const trace: Record<string, string> = {};
    for (const name of ['traceparent', 'tracestate']) {
      const value = metadata.get(name)[0];
      if (typeof value === 'string') trace[name] = value;
    }
    return this.events.ingest(caller.projectId, body, trace);
  }
}

/** `data` travels as JSON text; what does not parse is refused on `data`, as a bad body is. */
function jsonObject(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw ApiError.badRequest('invalid body: data', [
      { field: 'data', message: 'must be a JSON object, as JSON text' },
    ]);
  }
}
