export * from './errors';
export * from './schemes';
export { signHeaders, generateSecret, type SignInput } from './sign';
export { verify, constructEvent, detectScheme, timingSafeEqual, type HeaderBag, type RawBody, type VerifyOptions, type WebhookEnvelope } from './verify';
