export * from './chat-message';
