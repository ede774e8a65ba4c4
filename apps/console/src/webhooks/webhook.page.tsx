import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { Webhook } from '@hookline/sdk';
import { useClient } from '../api/client-context';
import { ConfirmButton } from '../components/confirm-button.component';
import {
  DeliveryStatus,
  ErrorMessage,
  Loading,
  SecretOnce,
  StatusBadge,
  formatTime,
} from '../components/common.components';
import { DeliveryLog } from '../deliveries/delivery-log.component';
import { DeliveryCharts } from '../stats/delivery-charts.component';
import { href, navigate } from '../routing/hash-route';
import { useReadOnly } from '../session/read-only-context';
import { WebhookForm } from './webhook-form.component';
import { validateTransitionHours } from './webhook-form.validation';

export function WebhookPage({ id }: { id: string }) {
  const client = useClient();
  const readOnly = useReadOnly();
  const queries = useQueryClient();
  const webhook = useQuery({ queryKey: ['webhook', id], queryFn: () => client.webhooks.get(id) });
  const [editing, setEditing] = useState(false);
  const refresh = (w?: Webhook) => {
    if (w) queries.setQueryData(['webhook', id], w);
    return queries.invalidateQueries({ queryKey: ['webhooks'] });
  };
  const update = useMutation({
    mutationFn: (patch: Parameters<typeof client.webhooks.update>[1]) =>
      client.webhooks.update(id, patch),
    onSuccess: (w) => {
      setEditing(false);
      return refresh(w);
    },
  });
  const remove = useMutation({
    mutationFn: () => client.webhooks.delete(id),
    onSuccess: async () => {
      await refresh();
      navigate({ page: 'webhooks' });
    },
  });
  const test = useMutation({
    mutationFn: () => client.webhooks.test(id),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['deliveries', id] }),
  });

  if (webhook.isLoading) return <Loading what="the webhook" />;
  if (!webhook.data) return <ErrorMessage error={webhook.error} />;
  const w = webhook.data;

  return (
    <main>
      <p>
        <a href={href({ page: 'webhooks' })}>← Webhooks</a>
      </p>
      <div className="title-row">
        <h1 className="url">{w.url}</h1>
        <StatusBadge active={w.active} reason={w.disabled_reason} />
      </div>
      <dl className="facts">
        <dt>Id</dt>
        <dd>{w.id}</dd>
        <dt>Events</dt>
        <dd>{w.events.join(', ')}</dd>
        <dt>Scheme</dt>
        <dd>{w.signature_scheme}</dd>
        {w.description && (
          <>
            <dt>Description</dt>
            <dd>{w.description}</dd>
          </>
        )}
        {w.old_secret_expires_at && (
          <>
            <dt>Previous secret signs until</dt>
            <dd>{formatTime(w.old_secret_expires_at)}</dd>
          </>
        )}
        <dt>Updated</dt>
        <dd>{formatTime(w.updated_at)}</dd>
      </dl>

      <div className="row wrap actions">
        <button
          type="button"
          className="secondary"
          disabled={readOnly}
          onClick={() => setEditing((e) => !e)}
        >
          {editing ? 'Cancel edit' : 'Edit'}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={readOnly || update.isPending}
          onClick={() => update.mutate({ active: !w.active })}
        >
          {w.active ? 'Disable' : 'Enable'}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={readOnly || test.isPending || !w.active}
          onClick={() => test.mutate()}
        >
          {test.isPending ? 'Sending…' : 'Send test'}
        </button>
        <ConfirmButton
          label="Delete"
          danger
          question={`Delete the webhook to ${w.url}? Deliveries stop at once.`}
          confirmLabel="Delete webhook"
          disabled={readOnly}
          onConfirm={() => remove.mutate()}
        />
      </div>
      <ErrorMessage error={update.error ?? remove.error ?? test.error} />

      {test.data && (
        <section className="panel" aria-label="Test result" data-testid="test-result">
          <h2>Test ping</h2>
          <p>
            <DeliveryStatus status={test.data.status} />{' '}
            {test.data.response_status !== null && <>HTTP {test.data.response_status} </>}
            {test.data.duration_ms !== null && <>in {test.data.duration_ms} ms </>}
            {test.data.error && <span className="error-inline">{test.data.error}</span>}
          </p>
          <p>
            <a href={href({ page: 'delivery', id: test.data.delivery_id })}>
              See the delivery {test.data.delivery_id}
            </a>
          </p>
        </section>
      )}

      {editing && (
        <section className="panel">
          <h2>Edit</h2>
          <WebhookForm
            editing
            submitLabel="Save changes"
            initial={{
              url: w.url,
              events: w.events.join(', '),
              description: w.description ?? '',
              signatureScheme: w.signature_scheme,
            }}
            pending={update.isPending}
            error={update.error}
            onSubmit={({ url, events, description }) => update.mutate({ url, events, description })}
          />
        </section>
      )}

      {!readOnly && <RotateSecret id={id} onRotated={(rotated) => refresh(rotated)} />}

      <DeliveryCharts webhookId={id} />
      <section>
        <h2>Deliveries</h2>
        <DeliveryLog webhookId={id} />
      </section>
    </main>
  );
}

function RotateSecret({ id, onRotated }: { id: string; onRotated: (w: Webhook) => void }) {
  const client = useClient();
  const field = useId();
  const [hours, setHours] = useState('24');
  const [error, setError] = useState<string | null>(null);
  const rotate = useMutation({
    mutationFn: (transition: number) => client.webhooks.rotateSecret(id, transition),
    onSuccess: (r) => onRotated(r.webhook),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = validateTransitionHours(hours);
    if (!result.ok) return setError(result.error);
    setError(null);
    rotate.mutate(result.hours);
  };
  return (
    <section className="panel">
      <h2>Rotate the secret</h2>
      {rotate.data ? (
        <SecretOnce secret={rotate.data.secret} onDone={() => rotate.reset()} />
      ) : (
        <form className="row wrap" onSubmit={submit} noValidate aria-label="Rotate the secret">
          <label htmlFor={field} className="inline">
            The old secret keeps signing for (hours, 0–24)
          </label>
          <input
            id={field}
            name="transition_hours"
            inputMode="decimal"
            className="narrow"
            value={hours}
            onChange={(e) => setHours(e.target.value)}
            aria-invalid={!!error}
          />
          <button type="submit" disabled={rotate.isPending}>
            Rotate secret
          </button>
          {error && <span className="field-error">{error}</span>}
        </form>
      )}
      <ErrorMessage error={rotate.error} />
    </section>
  );
}
