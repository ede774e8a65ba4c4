export * from './catalog';
export * from './event-type';
export * from './subscription';
export * from './brief-payloads';
export * from './catalog-file';
export * from './built-in-examples';
export * from './event-types-module';
