export * from './codec';
export * from './key';
export * from './value';
export * from './factory';
