export * from './delivery-log';
