export * from './event-type-catalog';
export * from './event-type-state';
