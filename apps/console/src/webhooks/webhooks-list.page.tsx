import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useClient } from '../api/client-context';
import {
  Empty,
  ErrorMessage,
  Loading,
  StatusBadge,
  formatTime,
} from '../components/common.components';
import { DeliveryCharts, rate } from '../stats/delivery-charts.component';
import { href } from '../routing/hash-route';
import { useReadOnly } from '../session/read-only-context';

export function WebhooksListPage() {
  const client = useClient();
  const readOnly = useReadOnly();
  const pages = useInfiniteQuery({
    queryKey: ['webhooks'],
    queryFn: ({ pageParam }) => client.webhooks.page({ limit: 50, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const webhooks = pages.data?.pages.flatMap((p) => p.data) ?? [];
  // Each webhook's last attempt and success rate over 24 h, from the stats aggregate.
  const day = useQuery({
    queryKey: ['stats', null, '24h'],
    queryFn: () => client.stats.project('24h'),
    refetchInterval: 15_000,
  });
  const totals = new Map(day.data?.webhooks.map((w) => [w.webhook_id, w]));

  return (
    <main>
      <div className="title-row">
        <h1>Webhooks</h1>
        {!readOnly && (
          <a className="button" href={href({ page: 'new-webhook' })}>
            Add endpoint
          </a>
        )}
      </div>
      {pages.isLoading && <Loading what="webhooks" />}
      <ErrorMessage error={pages.error} />
      {pages.isSuccess && webhooks.length === 0 && (
        <Empty>
          No webhooks yet.{' '}
          {!readOnly && (
            <>
              <a href={href({ page: 'new-webhook' })}>Add an endpoint</a> to receive events.
            </>
          )}
        </Empty>
      )}
      {webhooks.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Endpoint</th>
                <th>Status</th>
                <th>Events</th>
                <th>Scheme</th>
                <th>Last delivery</th>
                <th>Success (24 h)</th>
              </tr>
            </thead>
            <tbody>
              {webhooks.map((w) => (
                <tr key={w.id} data-testid="webhook-row">
                  <td>
                    <a href={href({ page: 'webhook', id: w.id })}>{w.url}</a>
                    {w.description && <div className="muted small">{w.description}</div>}
                  </td>
                  <td>
                    <StatusBadge active={w.active} reason={w.disabled_reason} />
                  </td>
                  <td className="events">{w.events.join(', ')}</td>
                  <td>{w.signature_scheme}</td>
                  <td>{formatTime(totals.get(w.id)?.last_attempt_at ?? null)}</td>
                  <td data-testid="success-rate">{rate(totals.get(w.id)?.success_rate ?? null)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => pages.fetchNextPage()}
          disabled={pages.isFetchingNextPage}
        >
          {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
      <DeliveryCharts />
    </main>
  );
}
