import { Controller, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { ApiRoute, RouteBody, RouteParam } from '../openapi/api-route.decorator';
import { CreateApiKeyBody, newApiKey } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';
const tag = 'API keys';

@Controller()
@UseGuards(ApiKeyGuard)
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @ApiRoute('post', '/v1/api-keys', {
    summary: 'Create an API key (its secret is shown once); scope full or read, optional expiry',
    tag,
    auth: 'api_key',
    body: CreateApiKeyBody,
    bodyOptional: true,
    status: 201,
  })
  create(@CurrentKey() caller: CallerKey, @RouteBody() body: CreateApiKeyBody) {
    return this.keys.create(caller.projectId, newApiKey(body), caller.keyId);
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
    summary:
      'Revoke an API key; it is refused at once. The last unexpired key of scope full cannot be revoked (409).',
    tag,
    auth: 'api_key',
    status: 204,
    errors: [409],
  })
  async revoke(@CurrentKey() caller: CallerKey, @RouteParam('id') id: string) {
    await this.keys.revoke(caller.projectId, id);
  }
}
