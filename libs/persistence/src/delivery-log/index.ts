export * from './delivery-log.repository';
