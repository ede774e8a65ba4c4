import { patchKafkajsModule } from './kafkajs-patch';

/** The part of kafkajs's per-connection request queue (kafkajs 2.x) the patch touches. */
export interface KafkajsRequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own interval between checks of requests held back by in-flight limits. */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

/**
 * kafkajs 2.2.4 re-arms a timer after every response, also when no request waits and no throttle
 * is in force: the delay is then negative (Node runs it after 1 ms), and it re-arms itself again,
 * so every connection ever used spins a 1 ms timer loop for the life of the process (kafkajs
 * issues #1556 and #1751, fixes never released). That was most of the services' idle CPU.
 * Replaced by the same rule without the loop: a check is scheduled only while requests wait —
 * when throttling ends, or every 10 ms for in-flight limits — and a request that has to wait
 * schedules one as it is queued (RequestQueue.push), so none waits unchecked.
 */
export function scheduleCheckPendingRequests(this: KafkajsRequestQueue): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL,
  );
}

/** Process-wide, like kafkajs's codecs: every client of the process gets it. Idempotent. */
export function patchKafkajsRequestQueue(): void {
  patchKafkajsModule<{ prototype: KafkajsRequestQueue }>(
    'kafkajs/src/network/requestQueue',
    (RequestQueue) => {
      RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
    },
  );
}
