export * from './operational-event';
