import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useClient } from '../api/client-context';
import { DeliveryStatus, ErrorMessage, Loading, formatTime } from '../components/common.components';
import { href } from '../routing/hash-route';
import { useReadOnly } from '../session/read-only-context';

export function DeliveryPage({ id }: { id: string }) {
  const client = useClient();
  const readOnly = useReadOnly();
  const queries = useQueryClient();
  const delivery = useQuery({
    queryKey: ['delivery', id],
    queryFn: () => client.deliveries.get(id),
    // Until it settles the dispatcher is still adding attempts.
    refetchInterval: (q) => (q.state.data?.status === 'pending' ? 1000 : 5000),
  });
  const redeliver = useMutation({
    mutationFn: () => client.deliveries.redeliver(id),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['delivery', id] }),
  });

  if (delivery.isLoading) return <Loading what="the delivery" />;
  if (!delivery.data) return <ErrorMessage error={delivery.error} />;
  const d = delivery.data;
  const attempts = [...d.attempts_log].sort((a, b) => b.attempt - a.attempt);

  return (
    <main>
      <p>
        <a href={href({ page: 'webhook', id: d.webhook_id })}>← Webhook {d.webhook_id}</a>
      </p>
      <div className="title-row">
        <h1>Delivery {d.id}</h1>
        <DeliveryStatus status={d.status} />
      </div>
      <dl className="facts">
        <dt>Event</dt>
        <dd>
          {d.event_type} ({d.event_id})
        </dd>
        <dt>Attempts</dt>
        <dd>{d.attempts}</dd>
        <dt>Next retry</dt>
        <dd>{formatTime(d.next_attempt_at)}</dd>
        <dt>Created</dt>
        <dd>{formatTime(d.created_at)}</dd>
      </dl>
      <div className="row">
        <button
          type="button"
          disabled={readOnly || redeliver.isPending}
          onClick={() => redeliver.mutate()}
        >
          {redeliver.isPending ? 'Queuing…' : 'Redeliver'}
        </button>
        {redeliver.data && (
          <span role="status" className="muted">
            Attempt {redeliver.data.attempt} queued.
          </span>
        )}
      </div>
      <ErrorMessage error={redeliver.error} />

      <h2>Attempts</h2>
      {attempts.length === 0 && <p className="muted">No attempt yet.</p>}
      {attempts.map((a) => (
        <article key={a.attempt} className="panel attempt" data-testid="attempt">
          <h3>
            Attempt {a.attempt} <span className="muted small">({a.trigger})</span>{' '}
            {a.response_status !== null ? (
              <span className={`badge ${a.response_status < 300 ? 'ok' : 'bad'}`}>
                HTTP {a.response_status}
              </span>
            ) : (
              <span className="badge bad">{a.error_class ?? 'no answer'}</span>
            )}
          </h3>
          <p className="muted small">
            {formatTime(a.started_at)} · {a.duration_ms} ms · {a.url}
          </p>
          {a.error && <p className="error-inline">{a.error}</p>}
          <details>
            <summary>Request headers</summary>
            <pre>
              {Object.entries(a.request_headers)
                .map(([k, v]) => `${k}: ${v}`)
                .join('\n')}
            </pre>
          </details>
          <details>
            <summary>Response body</summary>
            <pre>{a.response_body ?? '(none)'}</pre>
          </details>
        </article>
      ))}

      <details>
        <summary>Event payload</summary>
        <pre>{JSON.stringify(d.event, null, 2)}</pre>
      </details>
    </main>
  );
}
