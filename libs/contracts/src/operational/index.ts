export * from './operational-event';
export * from './operational-loop';
