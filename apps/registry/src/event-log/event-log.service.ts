import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  DeliveryLogRepository,
  InvalidCursorError,
  toDeliveryResource,
  toPublishedEventResource,
} from '@hookline/persistence';
import type { CallerKey } from '../auth/current-key.decorator';
import { ApiError } from '../common/api-error';
import type { EventDeliveriesQuery, ListEventsQuery } from './event-log.dto';

/**
 * A project's published events and, for one of them, which webhooks got it and how it went —
 * read from the delivery log, which records each event with its first deliveries.
 */
@Injectable()
export class EventLogService {
  private readonly deliveryLog: DeliveryLogRepository;

  constructor(dataSource: DataSource) {
    this.deliveryLog = new DeliveryLogRepository(dataSource);
  }

  async list(caller: CallerKey, q: ListEventsQuery) {
    if (q.since && q.until && Date.parse(q.until) <= Date.parse(q.since))
      throw ApiError.badRequest('invalid query: until', [
        { field: 'until', message: 'must be after since' },
      ]);
    const page = await paged(() => this.deliveryLog.listEvents(caller.projectId, q));
    return { data: page.rows.map(toPublishedEventResource), next_cursor: page.nextCursor };
  }

  async deliveries(caller: CallerKey, eventId: string, q: EventDeliveriesQuery) {
    const event = await this.deliveryLog.findEvent(caller.projectId, eventId);
    if (!event) throw ApiError.notFound('event');
    const page = await paged(() =>
      this.deliveryLog.list(caller.projectId, null, { ...q, event: eventId }),
    );
    return { data: page.rows.map(toDeliveryResource), next_cursor: page.nextCursor };
  }
}

async function paged<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof InvalidCursorError)
      throw ApiError.badRequest('invalid query: cursor', [{ field: 'cursor', message: e.message }]);
    throw e;
  }
}
