import { Controller, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { parseBody, parseQuery } from '../common/validation';
import {
  CreateWebhookBody,
  ListWebhooksQuery,
  RotateSecretBody,
  UpdateWebhookBody,
} from '../webhooks/webhook.dto';
import { WebhooksService } from '../webhooks/webhooks.service';
import { idOf, type Message } from './grpc-request';
import { ProjectRateLimitInterceptor } from '../limits/project-rate-limit.interceptor';
import { GrpcStatusFilter } from './grpc-status.filter';

/**
 * hookline.v1.WebhooksService: the HTTP webhook routes' services and request schemas, over gRPC.
 * A message reads as the JSON body would (absent fields stay absent); `id` is the path parameter.
 */
@Controller()
@UseGuards(ApiKeyGuard)
@UseFilters(GrpcStatusFilter)
// A hybrid app's microservice takes no global interceptors: the project's limits, set here.
@UseInterceptors(ProjectRateLimitInterceptor)
export class WebhooksGrpcController {
  constructor(private readonly webhooks: WebhooksService) {}

  @GrpcMethod('WebhooksService', 'CreateWebhook')
  create(@Payload() req: Message, @CurrentKey() caller: CallerKey) {
    return this.webhooks.create(caller, parseBody(CreateWebhookBody, req));
  }

  @GrpcMethod('WebhooksService', 'GetWebhook')
  get(@Payload() req: Message, @CurrentKey() caller: CallerKey) {
    return this.webhooks.get(caller, idOf(req));
  }

  @GrpcMethod('WebhooksService', 'ListWebhooks')
  list(@Payload() req: Message, @CurrentKey() caller: CallerKey) {
    const query = parseQuery(ListWebhooksQuery, req);
    return this.webhooks.list(caller, query.limit, query.cursor);
  }

  @GrpcMethod('WebhooksService', 'UpdateWebhook')
  update(@Payload() req: Message, @CurrentKey() caller: CallerKey) {
    const { id, clear, ...fields } = req;
    // `clear` names the fields a JSON body would set to null; the schema says which may be.
    const nulls = Array.isArray(clear) ? clear.map((name) => [String(name), null]) : [];
    const body = parseBody(UpdateWebhookBody, { ...fields, ...Object.fromEntries(nulls) });
    return this.webhooks.update(caller, idOf({ id }), body);
  }

  @GrpcMethod('WebhooksService', 'DeleteWebhook')
  async delete(@Payload() req: Message, @CurrentKey() caller: CallerKey) {
    await this.webhooks.delete(caller, idOf(req));
    return {};
  }

  @GrpcMethod('WebhooksService', 'RotateSecret')
  rotate(@Payload() req: Message, @CurrentKey() caller: CallerKey) {
    const { id, ...fields } = req;
    const body = parseBody(RotateSecretBody, fields);
    return this.webhooks.rotateSecret(caller, idOf({ id }), body.transition_hours, body.secret);
  }
}
