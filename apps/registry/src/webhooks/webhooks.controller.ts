import { Controller, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { ApiRoute, RouteBody, RouteParam, RouteQuery } from '../openapi/api-route.decorator';
import {
  CreateWebhookBody,
  ListWebhooksQuery,
  RotateSecretBody,
  RotateSecretResponse,
  UpdateWebhookBody,
  VerifyResponse,
  WebhookResponse,
} from './webhook.dto';
import { EmptyBody } from '../deliveries/delivery.dto';
import { WebhooksService } from './webhooks.service';

const tag = 'Webhooks';

@Controller()
@UseGuards(ApiKeyGuard)
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @ApiRoute('post', '/v1/webhooks', {
    summary: 'Create a webhook (answers its secret once)',
    tag,
    auth: 'api_key',
    body: CreateWebhookBody,
    response: WebhookResponse,
    status: 201,
    errors: [409],
  })
  create(@CurrentKey() caller: CallerKey, @RouteBody() body: CreateWebhookBody) {
    return this.webhooks.create(caller, body);
  }

  @ApiRoute('get', '/v1/webhooks', {
    summary: 'List webhooks (cursor pagination)',
    tag,
    auth: 'api_key',
    query: ListWebhooksQuery,
    response: z.object({ data: z.array(WebhookResponse), next_cursor: z.string().nullable() }),
  })
  list(@CurrentKey() caller: CallerKey, @RouteQuery() query: z.output<typeof ListWebhooksQuery>) {
    return this.webhooks.list(caller, query.limit, query.cursor);
  }

  @ApiRoute('get', '/v1/webhooks/{id}', {
    summary: 'Get a webhook',
    tag,
    auth: 'api_key',
    response: WebhookResponse,
  })
  get(@CurrentKey() caller: CallerKey, @RouteParam('id') id: string) {
    return this.webhooks.get(caller, id);
  }

  @ApiRoute('patch', '/v1/webhooks/{id}', {
    summary: 'Change a webhook (re-enable with active: true)',
    tag,
    auth: 'api_key',
    body: UpdateWebhookBody,
    response: WebhookResponse,
    errors: [409],
  })
  update(
    @CurrentKey() caller: CallerKey,
    @RouteParam('id') id: string,
    @RouteBody() body: UpdateWebhookBody,
  ) {
    return this.webhooks.update(caller, id, body);
  }

  @ApiRoute('delete', '/v1/webhooks/{id}', {
    summary: 'Delete a webhook',
    tag,
    auth: 'api_key',
    status: 204,
    errors: [409],
  })
  async delete(@CurrentKey() caller: CallerKey, @RouteParam('id') id: string) {
    await this.webhooks.delete(caller, id);
  }

  @ApiRoute('post', '/v1/webhooks/{id}/secret/rotate', {
    summary:
      'Rotate the secret (a new one, or your own in `secret`); the old one signs until old_secret_expires_at',
    tag,
    auth: 'api_key',
    body: RotateSecretBody,
    response: RotateSecretResponse,
    errors: [409],
  })
  rotate(
    @CurrentKey() caller: CallerKey,
    @RouteParam('id') id: string,
    @RouteBody() body: z.output<typeof RotateSecretBody>,
  ) {
    return this.webhooks.rotateSecret(caller, id, body.transition_hours, body.secret);
  }

  @ApiRoute('post', '/v1/webhooks/{id}/verify', {
    summary:
      'Run the endpoint verification handshake again; a pass makes a pending_verification webhook active',
    tag,
    auth: 'api_key',
    body: EmptyBody,
    bodyOptional: true,
    response: VerifyResponse,
    errors: [409],
  })
  verify(@CurrentKey() caller: CallerKey, @RouteParam('id') id: string, @RouteBody() _: object) {
    return this.webhooks.verify(caller, id);
  }
}
