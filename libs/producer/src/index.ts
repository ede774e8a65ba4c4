export * from './envelope-builder';
export * from './event-publisher';
export { MicroBatcher, type MicroBatcherLimits } from '@hookline/kafka';
export * from './publish-errors';
export * from './outbox/event-outbox';
export * from './outbox/outbox-relay';
