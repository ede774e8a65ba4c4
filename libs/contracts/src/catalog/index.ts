export * from './catalog';
export * from './event-type';
export * from './subscription';
