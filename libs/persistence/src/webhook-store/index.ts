export * from './webhook-event-store';
export * from './webhook-state.mapper';
