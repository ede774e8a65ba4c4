export * from './delivery-log';
export * from './delivery-stats';
export * from './recovery';
