import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { parseBody } from '../common/validation';
import { declareRoute } from '../openapi/route-registry';
import { ApiKeysService } from './api-keys.service';

const CreateApiKeyBody = z.object({ name: z.string().min(1).max(200).optional() }).strict();

declareRoute({
  method: 'post',
  path: '/v1/api-keys',
  summary: 'Create an API key (its secret is shown once)',
  tag: 'API keys',
  body: CreateApiKeyBody,
  status: 201,
});
declareRoute({
  method: 'get',
  path: '/v1/api-keys',
  summary: "List the project's API keys (no secrets)",
  tag: 'API keys',
});
declareRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  summary: 'Revoke an API key; it is refused at once',
  tag: 'API keys',
  status: 204,
});

@Controller('v1/api-keys')
@UseGuards(ApiKeyGuard)
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  create(@CurrentKey() caller: CallerKey, @Body() body: unknown) {
    const { name } = parseBody(CreateApiKeyBody, body ?? {});
    return this.keys.create(caller.projectId, name ?? null, caller.keyId);
  }

  @Get()
  async list(@CurrentKey() caller: CallerKey) {
    return { data: await this.keys.list(caller.projectId) };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@CurrentKey() caller: CallerKey, @Param('id') id: string) {
    await this.keys.revoke(caller.projectId, id);
  }
}
