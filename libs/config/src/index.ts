export * from './config';
export * from './duration';
export * from './config-error';
export * from './kafka-settings';
