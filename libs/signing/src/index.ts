export * from './web';
export { signHeaders, generateSecret, type SignInput } from './sign';
export { secretProblem, estimateEntropyBits, SECRET_POLICY } from './secret-policy';
