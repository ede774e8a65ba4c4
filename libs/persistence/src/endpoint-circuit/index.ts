export * from './endpoint-circuit.repository';
