export * from './config';
export * from './duration';
export * from './heap-growth';
export * from './config-error';
export * from './kafka-settings';
