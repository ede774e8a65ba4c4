import { Controller, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { ApiRoute, RouteBody, RouteParam } from '../openapi/api-route.decorator';
import { ApiKeysService } from './api-keys.service';

const CreateApiKeyBody = z.object({ name: z.string().min(1).max(200).optional() }).strict();
const tag = 'API keys';

@Controller()
@UseGuards(ApiKeyGuard)
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @ApiRoute('post', '/v1/api-keys', {
    summary: 'Create an API key (its secret is shown once)',
    tag,
    auth: 'api_key',
    body: CreateApiKeyBody,
    bodyOptional: true,
    status: 201,
  })
  create(@CurrentKey() caller: CallerKey, @RouteBody() body: z.infer<typeof CreateApiKeyBody>) {
    return this.keys.create(caller.projectId, body.name ?? null, caller.keyId);
  }

  @ApiRoute('get', '/v1/api-keys', {
    summary: "List the project's API keys (no secrets)",
    tag,
    auth: 'api_key',
  })
  async list(@CurrentKey() caller: CallerKey) {
    return { data: await this.keys.list(caller.projectId) };
  }

  @ApiRoute('delete', '/v1/api-keys/{id}', {
    summary: 'Revoke an API key; it is refused at once',
    tag,
    auth: 'api_key',
    status: 204,
  })
  async revoke(@CurrentKey() caller: CallerKey, @RouteParam('id') id: string) {
    await this.keys.revoke(caller.projectId, id);
  }
}
