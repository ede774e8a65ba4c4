import { Module } from '@nestjs/common';
import { DeadDeliveryDigestJob } from './dead-delivery-digest.job';
import { NotificationSender } from './notification.sender';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { OperationalMailConsumer } from './operational-mail.consumer';

/** E-mail notifications: the project's addresses (API), the mails of operational events, the digest. */
@Module({
  controllers: [NotificationsController],
  providers: [
    NotificationSender,
    NotificationsService,
    OperationalMailConsumer,
    DeadDeliveryDigestJob,
  ],
})
export class NotificationsModule {}
