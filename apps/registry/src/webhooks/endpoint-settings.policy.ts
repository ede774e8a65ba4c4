import type { HooklineConfig } from '@hookline/config';
import { profileHeaders, singleSignatureProfile, type Scheme } from '@hookline/signing';
import { ApiError, type ErrorDetail } from '../common/api-error';

/** The operator's bounds of a webhook's own settings (HOOKLINE_WEBHOOK_*). */
export type EndpointSettingsBounds = Pick<
  HooklineConfig,
  | 'HOOKLINE_WEBHOOK_MAX_RETRIES'
  | 'HOOKLINE_WEBHOOK_MIN_RETRY_DELAY'
  | 'HOOKLINE_WEBHOOK_MAX_RETRY_DELAY'
  | 'HOOKLINE_WEBHOOK_MIN_DISABLE_AFTER'
  | 'HOOKLINE_WEBHOOK_MAX_DISABLE_AFTER'
>;

export interface EndpointSettingsInput {
  retry_schedule?: number[] | null;
  disable_after_failed_deliveries?: number | null;
  headers?: Record<string, string> | null;
}

/**
 * A webhook's own retry schedule and threshold within the operator's bounds, and custom headers
 * that do not collide with its signature headers (the fixed reserved names are the schema's);
 * a 400 naming each field outside them.
 */
export function checkEndpointSettings(
  input: EndpointSettingsInput,
  bounds: EndpointSettingsBounds,
  signing: { scheme: Scheme; signatureHeader: string | null },
): void {
  const details: ErrorDetail[] = [];
  const schedule = input.retry_schedule;
  if (schedule) {
    const min = bounds.HOOKLINE_WEBHOOK_MIN_RETRY_DELAY;
    const max = bounds.HOOKLINE_WEBHOOK_MAX_RETRY_DELAY;
    if (schedule.length > bounds.HOOKLINE_WEBHOOK_MAX_RETRIES)
      details.push({
        field: 'retry_schedule',
        message: `at most ${bounds.HOOKLINE_WEBHOOK_MAX_RETRIES} retries`,
      });
    const out = schedule.findIndex((ms) => ms < min || ms > max);
    if (out >= 0)
      details.push({
        field: `retry_schedule.${out}`,
        message: `each delay must be from ${min} to ${max} ms`,
      });
  }
  const threshold = input.disable_after_failed_deliveries;
  if (threshold !== undefined && threshold !== null) {
    const min = bounds.HOOKLINE_WEBHOOK_MIN_DISABLE_AFTER;
    const max = bounds.HOOKLINE_WEBHOOK_MAX_DISABLE_AFTER;
    const never = threshold === 0 && min === 0;
    if (!never && (threshold < Math.max(1, min) || threshold > max))
      details.push({
        field: 'disable_after_failed_deliveries',
        message: `must be from ${Math.max(1, min)} to ${max}${min === 0 ? ', or 0 (never)' : ''}`,
      });
  }
  if (input.headers) {
    const taken = signatureHeaders(signing);
    for (const name of Object.keys(input.headers))
      if (taken.has(name.toLowerCase()))
        details.push({
          field: `headers.${name}`,
          message: `${name} is the webhook's signature header`,
        });
  }
  if (details.length > 0)
    throw ApiError.badRequest(`${details[0]!.field}: ${details[0]!.message}`, details);
}

/** The header names a webhook's own signature header makes the dispatcher send. */
function signatureHeaders(signing: { scheme: Scheme; signatureHeader: string | null }) {
  const profile = singleSignatureProfile(signing.scheme);
  if (!profile) return new Set<string>();
  const names = profileHeaders(profile, signing.signatureHeader);
  return new Set([names.signature, names.next, ...(names.timestamp ? [names.timestamp] : [])]);
}
