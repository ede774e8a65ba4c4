import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useClient } from '../api/client-context';
import { errorText } from '../api/console-client';
import {
  DeliveryStatus,
  Empty,
  ErrorMessage,
  Loading,
  formatTime,
} from '../components/common.components';
import { href } from '../routing/hash-route';
import { useReadOnly } from '../session/read-only-context';
import { NO_FILTERS, toQuery, type DeliveryFilterValues } from './delivery-filters';

const PAGE_SIZE = 20;

/**
 * A webhook's deliveries (or the whole project's, without webhookId), newest first, filtered and
 * paged by the API's cursor. The cursors of the pages already seen are kept so "Newer" goes back
 * without the API needing a reverse cursor. Failed deliveries can be selected and redelivered.
 */
export function DeliveryLog({ webhookId }: { webhookId?: string }) {
  const client = useClient();
  const readOnly = useReadOnly();
  const id = useId();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [draft, setDraft] = useState<DeliveryFilterValues>(NO_FILTERS);
  const [filters, setFilters] = useState<DeliveryFilterValues>(NO_FILTERS);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useQuery({
    queryKey: ['deliveries', webhookId ?? null, filters, cursor],
    queryFn: () => {
      const query = { ...toQuery(filters), cursor, limit: PAGE_SIZE };
      return webhookId
        ? client.deliveries.page(webhookId, query)
        : client.deliveries.projectPage(query);
    },
    placeholderData: keepPreviousData,
    // The log fills while the page is open (the dispatcher writes attempts as they happen).
    refetchInterval: 3000,
  });

  // One redeliver per delivery (the API's own call), all sent; the failures are named after.
  const redeliver = useMutation({
    mutationFn: async (ids: string[]) => {
      const results = await Promise.allSettled(ids.map((d) => client.deliveries.redeliver(d)));
      const refused = results.flatMap((r, i) =>
        r.status === 'rejected' ? [`${ids[i]}: ${errorText(r.reason)}`] : [],
      );
      if (refused.length) throw new Error(`Not redelivered: ${refused.join('; ')}`);
      return ids.length;
    },
    onSuccess: () => setSelected(new Set()),
    onSettled: () => page.refetch(),
  });
  const toggle = (delivery: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(delivery)) next.add(delivery);
      return next;
    });

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };
  const set = (field: keyof DeliveryFilterValues) => (value: string) =>
    setDraft((d) => ({ ...d, [field]: value }));

  return (
    <div>
      <form className="filters" onSubmit={apply} aria-label="Filter deliveries">
        <div>
          <label htmlFor={`${id}-status`}>Status</label>
          <select
            id={`${id}-status`}
            name="status"
            value={draft.status}
            onChange={(e) => set('status')(e.target.value)}
          >
            <option value="">any</option>
            <option value="succeeded">succeeded</option>
            <option value="failed">failed</option>
            <option value="pending">pending</option>
            <option value="skipped">skipped</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-event`}>Event type or id</label>
          <input
            id={`${id}-event`}
            name="event"
            value={draft.event}
            placeholder="project.updated or evt_…"
            onChange={(e) => set('event')(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor={`${id}-since`}>From</label>
          <input
            id={`${id}-since`}
            name="since"
            type="datetime-local"
            value={draft.since}
            onChange={(e) => set('since')(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor={`${id}-until`}>Until</label>
          <input
            id={`${id}-until`}
            name="until"
            type="datetime-local"
            value={draft.until}
            onChange={(e) => set('until')(e.target.value)}
          />
        </div>
        <div className="filters-buttons">
          <button type="submit">Apply</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
              setCursors([undefined]);
            }}
          >
            Clear
          </button>
        </div>
      </form>

      {!readOnly && (
        <div className="row">
          <button
            type="button"
            disabled={selected.size === 0 || redeliver.isPending}
            onClick={() => redeliver.mutate([...selected])}
          >
            {redeliver.isPending ? 'Redelivering…' : `Redeliver selected (${selected.size})`}
          </button>
          {redeliver.isSuccess && (
            <span role="status" className="muted">
              {redeliver.data} {redeliver.data === 1 ? 'redelivery' : 'redeliveries'} queued.
            </span>
          )}
        </div>
      )}
      <ErrorMessage error={redeliver.error} />
      {page.isLoading && <Loading what="deliveries" />}
      <ErrorMessage error={page.error} />
      {page.data && page.data.data.length === 0 && (
        <Empty>
          {filters === NO_FILTERS
            ? `No deliveries yet: publish an event ${webhookId ? 'this webhook subscribes to' : 'a webhook subscribes to'}, or send a test.`
            : 'No deliveries match these filters.'}
        </Empty>
      )}
      {page.data && page.data.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                {!readOnly && <th aria-label="Select" />}
                <th>Delivery</th>
                {!webhookId && <th>Webhook</th>}
                <th>Event</th>
                <th>Status</th>
                <th>Attempts</th>
                <th>Created</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((d) => (
                <tr key={d.id} data-testid="delivery-row" data-status={d.status}>
                  {!readOnly && (
                    <td>
                      {d.status === 'failed' && (
                        <input
                          type="checkbox"
                          aria-label={`Select ${d.id}`}
                          checked={selected.has(d.id)}
                          onChange={() => toggle(d.id)}
                        />
                      )}
                    </td>
                  )}
                  <td>
                    <a href={href({ page: 'delivery', id: d.id })}>{d.id}</a>
                  </td>
                  {!webhookId && (
                    <td>
                      <a href={href({ page: 'webhook', id: d.webhook_id })}>{d.webhook_id}</a>
                    </td>
                  )}
                  <td>{d.event_type}</td>
                  <td>
                    <DeliveryStatus status={d.status} />
                  </td>
                  <td>{d.attempts}</td>
                  <td>{formatTime(d.created_at)}</td>
                  <td className="small">{d.last_error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="row pager">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length === 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          ← Newer
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!page.data?.next_cursor}
          onClick={() => setCursors((c) => [...c, page.data!.next_cursor!])}
        >
          Older →
        </button>
      </div>
    </div>
  );
}
