import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable';

const pgError = (code: string, message = 'pg says no') =>
  Object.assign(new Error(message), { code, severity: 'FATAL' });

describe(isDatabaseUnavailable.name, () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['a server shutting down (TypeORM)', new QueryFailedError('select 1', [], pgError('57P01'))],
    ['a server still starting', pgError('57P03')],
    ['too many connections', pgError('53300')],
    ['a connection exception', pgError('08006')],
    ['one wrapped as a cause', new Error('lookup failed', { cause: pgError('57P01') })],
  ])('should say yes to %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('insert', [], pgError('23505'))],
    ['a syntax error', pgError('42601')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['no error at all', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('should say no to %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
