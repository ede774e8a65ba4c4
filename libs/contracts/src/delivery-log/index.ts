export * from './delivery-log';
export * from './delivery-stats';
