export * from './web';
export { signHeaders, generateSecret, type SignInput } from './sign';
