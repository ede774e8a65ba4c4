import { useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useClient } from '../api/client-context';
import { ErrorMessage } from '../components/common.components';
import {
  SIGNATURE_SCHEME_LABELS,
  validateWebhookForm,
  type FieldErrors,
  type SignatureScheme,
  type WebhookFormValues,
  type WebhookInput,
} from './webhook-form.validation';

/**
 * Create and edit share this form. Events are typed or picked from the catalog (a datalist of its
 * types and their wildcards); the scheme is fixed once created, as in the API.
 */
export function WebhookForm(props: {
  initial?: Partial<WebhookFormValues>;
  submitLabel: string;
  editing?: boolean;
  pending: boolean;
  error: unknown;
  onSubmit: (input: WebhookInput) => void;
}) {
  const client = useClient();
  const id = useId();
  const catalog = useQuery({ queryKey: ['event-types'], queryFn: () => client.eventTypes.list() });
  const [values, setValues] = useState<WebhookFormValues>({
    url: '',
    events: '',
    description: '',
    signatureScheme: 'standard',
    ...props.initial,
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const set = (field: keyof WebhookFormValues) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = validateWebhookForm(values);
    if (!result.ok) return setErrors(result.errors);
    setErrors({});
    props.onSubmit(result.input);
  };

  const suggestions = [
    '*',
    ...new Set(
      (catalog.data ?? []).flatMap((t) => {
        const parts = t.name.split('.');
        return [t.name, ...parts.slice(1).map((_, i) => `${parts.slice(0, i + 1).join('.')}.*`)];
      }),
    ),
  ].sort();
  const addEvent = (name: string) =>
    setValues((v) => ({ ...v, events: v.events.trim() ? `${v.events.trim()}, ${name}` : name }));

  return (
    <form className="form" onSubmit={submit} noValidate aria-label={props.submitLabel}>
      <label htmlFor={`${id}-url`}>Endpoint URL</label>
      <input
        id={`${id}-url`}
        name="url"
        type="url"
        value={values.url}
        onChange={(e) => set('url')(e.target.value)}
        aria-invalid={!!errors.url}
        aria-describedby={errors.url ? `${id}-url-error` : undefined}
        placeholder="https://example.com/webhooks"
        autoFocus
      />
      {errors.url && (
        <span id={`${id}-url-error`} className="field-error">
          {errors.url}
        </span>
      )}

      <label htmlFor={`${id}-events`}>Events</label>
      <textarea
        id={`${id}-events`}
        name="events"
        rows={2}
        value={values.events}
        onChange={(e) => set('events')(e.target.value)}
        aria-invalid={!!errors.events}
        aria-describedby={`${id}-events-help`}
        placeholder="ignite.deployment.*, project.member.created"
      />
      <span id={`${id}-events-help`} className={errors.events ? 'field-error' : 'help'}>
        {errors.events ?? 'Comma-separated types; a trailing .* matches a family, * everything.'}
      </span>
      <div className="row wrap">
        <label htmlFor={`${id}-pick`} className="inline">
          Add from the catalog
        </label>
        <select
          id={`${id}-pick`}
          value=""
          onChange={(e) => e.target.value && addEvent(e.target.value)}
          disabled={!catalog.data}
        >
          <option value="">{catalog.isLoading ? 'loading…' : 'choose an event type…'}</option>
          {suggestions.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>

      <label htmlFor={`${id}-description`}>Description (optional)</label>
      <input
        id={`${id}-description`}
        name="description"
        value={values.description}
        onChange={(e) => set('description')(e.target.value)}
        aria-invalid={!!errors.description}
      />
      {errors.description && <span className="field-error">{errors.description}</span>}

      {!props.editing && (
        <>
          <label htmlFor={`${id}-scheme`}>Signature scheme</label>
          <select
            id={`${id}-scheme`}
            name="signature_scheme"
            value={values.signatureScheme}
            onChange={(e) => set('signatureScheme')(e.target.value as SignatureScheme)}
          >
            {Object.entries(SIGNATURE_SCHEME_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </>
      )}

      <ErrorMessage error={props.error} />
      <div className="row">
        <button type="submit" disabled={props.pending}>
          {props.pending ? 'Saving…' : props.submitLabel}
        </button>
      </div>
    </form>
  );
}
