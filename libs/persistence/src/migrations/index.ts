import { InitialSchema1763856000000 } from './1763856000000-initial-schema';
import { EventOutbox1764460800000 } from './1764460800000-event-outbox';
import { DeliveryChain1764633600000 } from './1764633600000-delivery-chain';
import { PortalSessions1764806400000 } from './1764806400000-portal-sessions';
import { WebhookDeliveryProfile1764892800000 } from './1764892800000-webhook-delivery-profile';
import { DeliveryStats1764979200000 } from './1764979200000-delivery-stats';
import { EventTypes1765065600000 } from './1765065600000-event-types';
import { WebhookBatch1765152000000 } from './1765152000000-webhook-batch';
import { Notifications1765200000000 } from './1765200000000-notifications';
import { SkippedDeliveries1765210000000 } from './1765210000000-skipped-deliveries';
import { RecoveriesAndEventRecords1765210001000 } from './1765210001000-recoveries-and-event-records';
import { WebhookEndpointSettings1765220000000 } from './1765220000000-webhook-endpoint-settings';
import { EndpointCircuits1765221000000 } from './1765221000000-endpoint-circuits';
import { ApiKeyScope1765230000000 } from './1765230000000-api-key-scope';
import { PartitionedDeliveryLog1765270000000 } from './1765270000000-partitioned-delivery-log';
import { EventPayloadOnce1765300000000 } from './1765300000000-event-payload-once';
import { LogColumnStatistics1765310000000 } from './1765310000000-log-column-statistics';

/** In order. Add a new migration as a new file and append it here; never edit a shipped one. */
export const MIGRATIONS = [
  InitialSchema1763856000000,
  EventOutbox1764460800000,
  DeliveryChain1764633600000,
  PortalSessions1764806400000,
  WebhookDeliveryProfile1764892800000,
  DeliveryStats1764979200000,
  EventTypes1765065600000,
  WebhookBatch1765152000000,
  Notifications1765200000000,
  SkippedDeliveries1765210000000,
  RecoveriesAndEventRecords1765210001000,
  WebhookEndpointSettings1765220000000,
  EndpointCircuits1765221000000,
  ApiKeyScope1765230000000,
  PartitionedDeliveryLog1765270000000,
  EventPayloadOnce1765300000000,
  LogColumnStatistics1765310000000,
];
