export * from './delivery-log.repository';
export * from './postgres-safe';
