export * from './delivery-log-partitions';
export * from './delivery-log.repository';
export * from './postgres-safe';
export { toPublishedEventResource, type PublishedEventRow } from './published-event.mapper';
