import { Writable } from 'node:stream';
import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { QueryFailedError } from 'typeorm';
import { createLogger } from './logger';

const SECRET = 'whsec_TOPSECRETvalue123';
const EVENT_DATA = { email: 'ada@example.com', card_last4: '4242' };

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger('test', 'info', stream), lines };
}

/** A failed insert as TypeORM throws it: the SQL, its parameters and pg's error (whose detail repeats a value). */
function queryFailed(): QueryFailedError {
  const pgError = Object.assign(new Error('duplicate key value violates unique constraint'), {
    code: '23505',
    detail: `Key (secret)=(${SECRET}) already exists.`,
    constraint: 'webhooks_pkey',
    table: 'webhooks',
  });
  return new QueryFailedError(
    'insert into webhook_events (state) values ($1)',
    [JSON.stringify({ secrets: [SECRET], data: EVENT_DATA })],
    pgError,
  );
}

describe(createLogger.name, () => {
  it('should log a failed query without its parameters, SQL values or driver error', () => {
    const { log, lines } = capture();
    log.error({ err: queryFailed() }, 'delivery log write failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(SECRET);
    expect(lines[0]).not.toContain(EVENT_DATA.email);
    const record = JSON.parse(lines[0]!);
    expect(record.err).toMatchObject({
      type: 'QueryFailedError',
      message: 'duplicate key value violates unique constraint',
      code: '23505',
      constraint: 'webhooks_pkey',
    });
    expect(record.err.stack).toContain('QueryFailedError');
  });

  it('should keep the cause chain, cleaned the same way', () => {
    const { log, lines } = capture();
    const kafka = new KafkaJSNumberOfRetriesExceeded(
      Object.assign(new KafkaJSProtocolError('broker refused'), {
        messages: [{ value: JSON.stringify({ data: EVENT_DATA, secret: SECRET }) }],
      }),
      { retryCount: 5, retryTime: 1000 },
    );
    const wrapped = new Error('produce failed', { cause: queryFailed() });
    log.warn({ err: kafka, error: wrapped }, 'retrying');
    log.warn({ err: { message: 'plain', parameters: [SECRET] } }, 'a thrown plain object');
    expect(lines[0]).not.toContain(SECRET);
    expect(lines[0]).not.toContain(EVENT_DATA.email);
    const record = JSON.parse(lines[0]!);
    expect(record.err.message).toContain('broker refused');
    expect(record.error.cause).toMatchObject({ type: 'QueryFailedError', code: '23505' });
    expect(lines[1]).not.toContain(SECRET);
    expect(JSON.parse(lines[1]!).err).toEqual({ message: 'plain' });
  });

  it('should redact event data, signatures, response bodies and SQL parameters logged as fields', () => {
    const { log, lines } = capture();
    log.info(
      {
        event: { id: 'evt_1', data: EVENT_DATA },
        data: EVENT_DATA,
        headers: { 'webhook-signature': `v1,${SECRET}` },
        signature: `v1,${SECRET}`,
        response: { status: 500, body: `echo ${SECRET}` },
        parameters: [SECRET],
        webhookId: 'wh_1',
      },
      'attempt',
    );
    expect(lines[0]).not.toContain(SECRET);
    expect(lines[0]).not.toContain(EVENT_DATA.email);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      webhookId: 'wh_1',
      event: { id: 'evt_1' },
      response: { status: 500 },
    });
  });
});
