export * from './webhook-event-store';
export * from './webhook-state.mapper';
export * from './secret-resealer';
