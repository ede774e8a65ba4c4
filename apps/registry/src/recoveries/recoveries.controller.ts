import { Controller, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { ActionLimit } from '../limits/rate-limit.decorator';
import { ApiRoute, RouteBody, RouteParam } from '../openapi/api-route.decorator';
import { RecoveriesService } from './recoveries.service';
import { BulkRedeliverBody, RecoverBody, RecoveryResponse } from './recovery.dto';

const tag = 'Recoveries';

@Controller()
@UseGuards(ApiKeyGuard)
export class RecoveriesController {
  constructor(private readonly recoveries: RecoveriesService) {}

  @ApiRoute('post', '/v1/webhooks/{id}/recover', {
    summary:
      'Re-send every failed and skipped delivery of the window, in the order of the events, each once; the same request answers the same recovery',
    tag,
    auth: 'api_key',
    body: RecoverBody,
    response: RecoveryResponse,
    status: 202,
    errors: [409],
  })
  // One recovery re-sends many deliveries; each request counts as one redelivery of the project.
  @ActionLimit('redeliver')
  recover(
    @CurrentKey() caller: CallerKey,
    @RouteParam('id') webhookId: string,
    @RouteBody() body: RecoverBody,
  ) {
    return this.recoveries.recover(caller, webhookId, body);
  }

  @ApiRoute('post', '/v1/deliveries/redeliver', {
    summary:
      'Re-send the deliveries a filter selects (status, webhook, event type, window), as a recovery',
    tag,
    auth: 'api_key',
    body: BulkRedeliverBody,
    response: RecoveryResponse,
    status: 202,
    errors: [404, 409],
  })
  @ActionLimit('redeliver')
  bulkRedeliver(@CurrentKey() caller: CallerKey, @RouteBody() body: BulkRedeliverBody) {
    return this.recoveries.bulkRedeliver(caller, body);
  }

  @ApiRoute('get', '/v1/recoveries/{id}', {
    summary: 'A recovery’s progress: status, total, sent',
    tag,
    auth: 'api_key',
    response: RecoveryResponse,
  })
  get(@CurrentKey() caller: CallerKey, @RouteParam('id') id: string) {
    return this.recoveries.get(caller, id);
  }
}
