export * from './catalog';
export * from './delivery-task';
export * from './envelope';
export * from './headers';
export * from './ids';
export * from './operational';
export * from './topics';
export * from './webhook-state';
