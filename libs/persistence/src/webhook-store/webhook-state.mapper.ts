import type { WebhookState } from '@hookline/contracts';
import type { WebhookEntity } from '../entities/webhook.entity';

/** The projection row as the changelog carries it (secrets still encrypted). */
export function toWebhookState(w: WebhookEntity): WebhookState {
  return {
    id: w.id,
    project_id: w.projectId,
    url: w.url,
    events: w.events,
    description: w.description,
    active: w.active,
    disabled_reason: w.disabledReason,
    signature_scheme: w.signatureScheme,
    signature_header: w.signatureHeader,
    format: w.format,
    batch: w.batch,
    throttle_per_second: w.throttlePerSecond,
    retry_schedule: w.retrySchedule,
    disable_after_failed_deliveries: w.disableAfterFailedDeliveries,
    headers: w.headers,
    secrets: w.secrets,
    version: w.version,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
  };
}
