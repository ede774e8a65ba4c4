import { OperationalEventSchema } from './operational-event';

/** Every kind of operational event, as the schema lists them (kinds added there count at once). */
export const OPERATIONAL_EVENT_TYPES: readonly string[] =
  OperationalEventSchema.shape.event.options;
const operationalTypes = new Set(OPERATIONAL_EVENT_TYPES);

export function isOperationalEventType(type: string): boolean {
  return operationalTypes.has(type);
}

/**
 * Whether an operational event may be delivered to webhooks. A `delivery.dead` of a delivery that
 * was itself an operational event is not: delivering it could die in turn and announce another,
 * an endless chain between failing endpoints when nothing disables them. It is still mailed (a
 * mail cannot start a chain); only its HTTP delivery stops here, one link after the first.
 */
export function deliverableOverHttp(event: {
  event: string;
  data: Record<string, unknown>;
}): boolean {
  if (event.event !== 'delivery.dead') return true;
  const deadType = event.data.event_type;
  return !(typeof deadType === 'string' && isOperationalEventType(deadType));
}
