import { ApiKeyEntity } from './api-key.entity';
import { DeliveryAttemptEntity } from './delivery-attempt.entity';
import { DeliveryEntity } from './delivery.entity';
import { EventOutboxEntity } from './event-outbox.entity';
import { IngestedEventEntity } from './ingested-event.entity';
import { PortalSessionEntity } from './portal-session.entity';
import { ProjectEntity } from './project.entity';
import { WebhookEventEntity } from './webhook-event.entity';
import { WebhookEntity } from './webhook.entity';

export * from './api-key.entity';
export * from './delivery-attempt.entity';
export * from './delivery.entity';
export * from './event-outbox.entity';
export * from './ingested-event.entity';
export * from './portal-session.entity';
export * from './project.entity';
export * from './webhook-event.entity';
export * from './webhook.entity';

export const ENTITIES = [
  ProjectEntity,
  ApiKeyEntity,
  WebhookEventEntity,
  WebhookEntity,
  IngestedEventEntity,
  DeliveryEntity,
  DeliveryAttemptEntity,
  EventOutboxEntity,
  PortalSessionEntity,
];
