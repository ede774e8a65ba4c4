export * from './advisory-locks';
export * from './data-source';
export * from './delivery-log';
export * from './entities';
export { MIGRATIONS } from './migrations';
export * from './secret-box';
export { EventOutbox1764460800000 } from './migrations/1764460800000-event-outbox';
export * from './outbox/ordered-relay';
export * from './webhook-store';
