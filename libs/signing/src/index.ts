export * from './web';
// Named here, Node's verifier takes the place of the Web Crypto one the line above exports.
export { verify, constructEvent } from './node-verify';
export { signHeaders, generateSecret, type SignInput } from './sign';
export { secretProblem, estimateEntropyBits, SECRET_POLICY } from './secret-policy';
