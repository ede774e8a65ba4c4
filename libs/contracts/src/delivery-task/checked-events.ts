import type { EventEnvelope } from '../envelope/event-envelope';

/**
 * The events of tasks `decodeDeliveryTask` has checked: the very objects it returned, which nothing
 * changes after (a delivery reads its event, never writes it). A retry, hold or dead letter made
 * from a decoded task carries that event unchanged, so the factory checks only the fields it set
 * anew and leaves out the event's own check, which walked all of its data (the unportable-text
 * rule) and was 60 % of what a hold cost the dispatcher. Any other event is checked in full.
 */
const checked = new WeakSet<EventEnvelope>();

export function markEventChecked(event: EventEnvelope): void {
  checked.add(event);
}

export function isEventChecked(event: EventEnvelope): boolean {
  return checked.has(event);
}
