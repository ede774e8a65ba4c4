import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { EventType } from '@hookline/contracts';
import type { EventTypeInfo, Webhook } from '@hookline/sdk';
import { useClient } from '../api/client-context';
import { DeliveryStatus, Empty, ErrorMessage, Loading } from '../components/common.components';
import { href } from '../routing/hash-route';
import { useReadOnly } from '../session/read-only-context';

/** The catalog as `GET /v1/event-types` gives it; an example payload when the catalog has one. */
type CatalogEntry = EventTypeInfo & { example?: unknown };

/** The event catalog: each type's description, JSON Schema and example, and a test send. */
export function EventTypesPage() {
  const client = useClient();
  const types = useQuery({ queryKey: ['event-types'], queryFn: () => client.eventTypes.list() });
  const webhooks = useQuery({
    queryKey: ['webhooks', 'all'],
    queryFn: () => client.webhooks.list().toArray(),
  });
  return (
    <main>
      <h1>Event catalog</h1>
      {types.isLoading && <Loading what="event types" />}
      <ErrorMessage error={types.error} />
      {types.data?.length === 0 && <Empty>The catalog is empty.</Empty>}
      {(types.data as CatalogEntry[] | undefined)?.map((t) => (
        <CatalogEntryView key={t.name} type={t} webhooks={webhooks.data ?? []} />
      ))}
    </main>
  );
}

function CatalogEntryView({ type, webhooks }: { type: CatalogEntry; webhooks: Webhook[] }) {
  const hasExample = type.example !== undefined;
  return (
    <section className="panel catalog-entry" data-testid="event-type" aria-label={type.name}>
      <h2>
        <code>{type.name}</code>
      </h2>
      <p>{type.description}</p>
      <details>
        <summary>JSON Schema of data</summary>
        <pre>{JSON.stringify(type.schema, null, 2)}</pre>
      </details>
      {hasExample ? (
        <details>
          <summary>Example payload</summary>
          <pre>{JSON.stringify(type.example, null, 2)}</pre>
        </details>
      ) : (
        <p className="muted small">The catalog has no example of this type; see its schema.</p>
      )}
      <TestSend type={type} webhooks={webhooks} />
    </section>
  );
}

/**
 * Publishes one event of this type through `POST /v1/events` (the API checks it against the
 * catalog) and follows its delivery to the chosen webhook. The data starts as the catalog's example,
 * or empty for the sender to fill in; nothing is made up.
 */
function TestSend({ type, webhooks }: { type: CatalogEntry; webhooks: Webhook[] }) {
  const client = useClient();
  const readOnly = useReadOnly();
  const id = useId();
  const [webhookId, setWebhookId] = useState('');
  const [data, setData] = useState(() =>
    type.example === undefined ? '{}' : JSON.stringify(exampleData(type.example), null, 2),
  );
  const send = useMutation({
    mutationFn: async () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        throw new Error('The data is not valid JSON.');
      }
      return client.events.publish(type.name as EventType, parsed as never);
    },
  });
  const target = webhookId || webhooks[0]?.id || '';
  const delivery = useQuery({
    queryKey: ['deliveries', target, 'event', send.data?.id],
    queryFn: () => client.deliveries.page(target, { event: send.data!.id, limit: 1 }),
    enabled: !!send.data && !!target,
    refetchInterval: (q) =>
      q.state.data?.data[0]?.status === 'pending' || !q.state.data?.data[0] ? 1000 : false,
  });
  if (readOnly) return null;
  if (webhooks.length === 0)
    return <p className="muted small">Add a webhook to send a test event of this type.</p>;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate();
  };
  const found = delivery.data?.data[0];
  return (
    <details>
      <summary>Send a test event of this type</summary>
      <form className="form" onSubmit={submit} aria-label={`Send a test ${type.name}`}>
        <label htmlFor={`${id}-webhook`}>Webhook</label>
        <select id={`${id}-webhook`} value={target} onChange={(e) => setWebhookId(e.target.value)}>
          {webhooks.map((w) => (
            <option key={w.id} value={w.id}>
              {w.url} ({w.events.join(', ')})
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-data`}>Data (checked against the schema by the API)</label>
        <textarea
          id={`${id}-data`}
          rows={4}
          value={data}
          onChange={(e) => setData(e.target.value)}
          spellCheck={false}
        />
        <span className="help">
          Published to the project: every webhook subscribed to {type.name} receives it.
        </span>
        <ErrorMessage error={send.error} />
        <button type="submit" disabled={send.isPending}>
          {send.isPending ? 'Sending…' : 'Send a test event of this type'}
        </button>
        {send.data && (
          <p role="status" data-testid="test-event-result">
            Published <code>{send.data.id}</code>.{' '}
            {found ? (
              <>
                Delivery to this webhook: <DeliveryStatus status={found.status} />{' '}
                <a href={href({ page: 'delivery', id: found.id })}>see its attempts</a>
              </>
            ) : (
              <span className="muted">
                Waiting for its delivery to this webhook (none comes if it is not subscribed to this
                type).
              </span>
            )}
          </p>
        )}
      </form>
    </details>
  );
}

/** An example may be the whole envelope or only its data. */
function exampleData(example: unknown): unknown {
  return example && typeof example === 'object' && 'data' in example
    ? (example as { data: unknown }).data
    : example;
}
