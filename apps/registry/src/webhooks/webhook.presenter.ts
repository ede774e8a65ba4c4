import type { WebhookEntity } from '@hookline/persistence';
import type { WebhookResponse } from './webhook.dto';

/** The webhook as the API shows it; `secret` only on create and rotate. */
export function presentWebhook(w: WebhookEntity, secret?: string): WebhookResponse {
  const expiring = w.secrets.find(
    (s) => s.expires_at !== null && Date.parse(s.expires_at) > Date.now(),
  );
  return {
    id: w.id,
    project_id: w.projectId,
    url: w.url,
    events: w.events,
    description: w.description,
    active: w.active,
    signature_scheme: w.signatureScheme,
    signature_header: w.signatureHeader,
    format: w.format,
    batch: w.batch,
    throttle_per_second: w.throttlePerSecond,
    retry_schedule: w.retrySchedule,
    disable_after_failed_deliveries: w.disableAfterFailedDeliveries,
    headers: w.headers,
    verification: w.verification,
    ...(secret ? { secret } : {}),
    old_secret_expires_at: expiring?.expires_at ?? null,
    disabled_reason: w.disabledReason,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
    created_by: w.createdBy,
    updated_by: w.updatedBy,
  };
}
