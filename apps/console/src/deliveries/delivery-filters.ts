import type { DeliveryFilters } from '@hookline/sdk';

/** The delivery log's filters as the form holds them (datetime-local values, local time). */
export interface DeliveryFilterValues {
  status: '' | 'pending' | 'succeeded' | 'failed' | 'skipped';
  event: string;
  since: string;
  until: string;
}

export const NO_FILTERS: DeliveryFilterValues = { status: '', event: '', since: '', until: '' };

/** The API's query: empty fields left out, local date-times as ISO instants. */
export function toQuery(values: DeliveryFilterValues): DeliveryFilters {
  const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);
  return {
    status: values.status || undefined,
    event: values.event.trim() || undefined,
    since: instant(values.since),
    until: instant(values.until),
  };
}
