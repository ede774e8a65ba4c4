import { useState, type ReactNode } from 'react';
import { errorText } from '../api/console-client';

/** An API error in words, announced to screen readers. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {errorText(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/**
 * A credential shown once (a webhook's secret on create or rotate, an API key, a portal link): it
 * is never fetched again, so the page says so.
 */
export function SecretOnce({
  secret,
  onDone,
  label = 'Signing secret',
}: {
  secret: string;
  onDone?: () => void;
  label?: string;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(secret).catch(() => undefined);
    setCopied(true);
  };
  return (
    <section className="secret" aria-label={label}>
      <p>
        <strong>{label}</strong> — copy it now: it is not shown again.
      </p>
      <code data-testid="secret">{secret}</code>
      <div className="row">
        <button type="button" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        {onDone && (
          <button type="button" className="secondary" onClick={onDone}>
            Done
          </button>
        )}
      </div>
    </section>
  );
}

export function StatusBadge({ active, reason }: { active: boolean; reason: string | null }) {
  return active ? (
    <span className="badge ok">active</span>
  ) : (
    <span className="badge off" title={reason ?? undefined}>
      disabled{reason ? `: ${reason}` : ''}
    </span>
  );
}

export function DeliveryStatus({ status }: { status: string }) {
  const cls = status === 'succeeded' ? 'ok' : status === 'failed' ? 'bad' : 'pending';
  return <span className={`badge ${cls}`}>{status}</span>;
}

export const formatTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
