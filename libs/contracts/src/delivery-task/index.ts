export * from './codec';
export * from './key';
export * from './value';
