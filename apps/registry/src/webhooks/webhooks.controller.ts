import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { parseBody, parseQuery } from '../common/validation';
import { declareRoute } from '../openapi/route-registry';
import {
  CreateWebhookBody,
  ListWebhooksQuery,
  RotateSecretBody,
  UpdateWebhookBody,
  WebhookResponse,
} from './webhook.dto';
import { WebhooksService } from './webhooks.service';

const tag = 'Webhooks';
declareRoute({
  method: 'post',
  path: '/v1/webhooks',
  summary: 'Create a webhook (answers its secret once)',
  tag,
  body: CreateWebhookBody,
  response: WebhookResponse,
  status: 201,
});
declareRoute({
  method: 'get',
  path: '/v1/webhooks',
  summary: 'List webhooks (cursor pagination)',
  tag,
  query: ListWebhooksQuery,
  response: z.object({ data: z.array(WebhookResponse), next_cursor: z.string().nullable() }),
});
declareRoute({
  method: 'get',
  path: '/v1/webhooks/{id}',
  summary: 'Get a webhook',
  tag,
  response: WebhookResponse,
});
declareRoute({
  method: 'patch',
  path: '/v1/webhooks/{id}',
  summary: 'Change a webhook (re-enable with active: true)',
  tag,
  body: UpdateWebhookBody,
  response: WebhookResponse,
  errors: [400, 401, 404, 409],
});
declareRoute({
  method: 'delete',
  path: '/v1/webhooks/{id}',
  summary: 'Delete a webhook',
  tag,
  status: 204,
});
declareRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/secret/rotate',
  summary: 'Rotate the secret; the old one signs until old_secret_expires_at',
  tag,
  body: RotateSecretBody,
});

@Controller('v1/webhooks')
@UseGuards(ApiKeyGuard)
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  create(@CurrentKey() caller: CallerKey, @Body() body: unknown) {
    return this.webhooks.create(caller, parseBody(CreateWebhookBody, body));
  }

  @Get()
  list(@CurrentKey() caller: CallerKey, @Query() query: unknown) {
    const { limit, cursor } = parseQuery(ListWebhooksQuery, query);
    return this.webhooks.list(caller, limit, cursor);
  }

  @Get(':id')
  get(@CurrentKey() caller: CallerKey, @Param('id') id: string) {
    return this.webhooks.get(caller, id);
  }

  @Patch(':id')
  update(@CurrentKey() caller: CallerKey, @Param('id') id: string, @Body() body: unknown) {
    return this.webhooks.update(caller, id, parseBody(UpdateWebhookBody, body));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentKey() caller: CallerKey, @Param('id') id: string) {
    await this.webhooks.delete(caller, id);
  }

  @Post(':id/secret/rotate')
  @HttpCode(200)
  rotate(@CurrentKey() caller: CallerKey, @Param('id') id: string, @Body() body: unknown) {
    return this.webhooks.rotateSecret(
      caller,
      id,
      parseBody(RotateSecretBody, body).transition_hours,
    );
  }
}
