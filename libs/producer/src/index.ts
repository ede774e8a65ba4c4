export * from './envelope-builder';
export * from './event-publisher';
export * from './micro-batcher';
export * from './publish-errors';
export * from './outbox/event-outbox';
export * from './outbox/outbox-relay';
