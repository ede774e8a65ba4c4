import { Controller, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { ApiRoute, RouteBody } from '../openapi/api-route.decorator';
import { NotificationSettingsBody, NotificationSettingsResponse } from './notification.dto';
import { NotificationsService } from './notifications.service';

const tag = 'Notifications';

@Controller()
@UseGuards(ApiKeyGuard)
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @ApiRoute('get', '/v1/notifications', {
    summary:
      "The project's notification e-mail addresses and the operational events that mail them",
    tag,
    auth: 'api_key',
    response: NotificationSettingsResponse,
  })
  get(@CurrentKey() caller: CallerKey) {
    return this.notifications.get(caller.projectId);
  }

  @ApiRoute('put', '/v1/notifications', {
    summary:
      'Replace the notification addresses (at most 20) and, optionally, the events that mail them (default webhook.disabled and the delivery.dead digest)',
    tag,
    auth: 'api_key',
    body: NotificationSettingsBody,
    response: NotificationSettingsResponse,
  })
  put(@CurrentKey() caller: CallerKey, @RouteBody() body: NotificationSettingsBody) {
    return this.notifications.put(caller.projectId, body);
  }
}
