import type { EntityManager } from 'typeorm';
import type { EventData, ProducerEventType } from '@hookline/contracts';
import { injectTraceHeaders } from '@hookline/kafka';
import { buildEnvelope, type PublishOptions } from '../envelope-builder';

/** Channel the outbox notifies on commit, so the relay publishes at once instead of at its next poll. */
export const EVENT_OUTBOX_CHANNEL = 'hookline_event_outbox';

/**
 * The transactional outbox: `add` writes the event in the caller's transaction, next to the domain
 * change it describes. Both commit or neither does; the OutboxRelay publishes what committed.
 */
export class EventOutbox {
  /** Validates the event like `publish` does (same errors) and stores it in `event_outbox`. */
  async add<T extends ProducerEventType>(
    manager: EntityManager,
    type: T,
    data: EventData<T>,
    options: PublishOptions,
  ): Promise<{ id: string }> {
    if (!manager.queryRunner?.isTransactionActive) {
      // Outside a transaction the event would commit on its own, which is what the outbox prevents.
      throw new Error(
        'outbox.add needs the EntityManager of an open transaction (dataSource.transaction(…))',
      );
    }
    const envelope = buildEnvelope(type, data, options);
    // The trace of the transaction, so the relayed event continues it.
    const headers = injectTraceHeaders({});
    await manager.query(
      `insert into event_outbox (event_id, project_id, event_type, envelope, headers)
       values ($1, $2, $3, $4, $5) on conflict (event_id) do nothing`,
      [envelope.id, envelope.project_id, envelope.event, envelope, headers],
    );
    // Delivered by Postgres only if the transaction commits.
    await manager.query('select pg_notify($1, $2)', [EVENT_OUTBOX_CHANNEL, '']);
    return { id: envelope.id };
  }
}

/** `outbox.add(entityManager, type, data, { projectId })`. */
export const outbox = new EventOutbox();
