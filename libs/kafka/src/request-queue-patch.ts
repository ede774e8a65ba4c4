import { patchKafkajsModule } from './kafkajs-patch';

/** The part of kafkajs's per-connection request queue (kafkajs 2.x) the patch touches. */
export interface KafkajsRequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
  scheduleRequestTimeoutCheck(): void;
  enforceRequestTimeout: boolean;
  requestTimeout: number;
  requestTimeoutIntervalId?: NodeJS.Timeout;
  inflight: Map<number, { sentAt: number; requestTimeout: number; timeoutRequest(): void }>;
  isConnected(): boolean;
  destroy(): void;
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

/** How often a connection looks for requests past their timeout, at most. */
const REQUEST_TIMEOUT_CHECK_MS = 1000;

/**
 * kafkajs looks for requests past their timeout every 100 ms, on an interval of each connection
 * that runs for as long as the connection: a service has one per client and broker (its
 * consumers, producer and admin each have their own), and their wake-ups, ten a second each, were
 * most of what an idle service's timers cost. The same look once a second (or at the timeout,
 * when shorter): a request is failed at most a second after its 30 s (`requestTimeout`) ran out.
 */
export function scheduleRequestTimeoutCheck(this: KafkajsRequestQueue): void {
  if (!this.enforceRequestTimeout) return;
  this.destroy();
  this.requestTimeoutIntervalId = setInterval(
    () => {
      const now = Date.now();
      for (const request of this.inflight.values())
        if (now - request.sentAt > request.requestTimeout) request.timeoutRequest();
      if (!this.isConnected()) this.destroy();
    },
    Math.min(this.requestTimeout, REQUEST_TIMEOUT_CHECK_MS),
  );
}

/** Process-wide, like kafkajs's codecs: every client of the process gets it. Idempotent. */
export function patchKafkajsRequestQueue(): void {
  patchKafkajsModule<{ prototype: KafkajsRequestQueue }>(
    'kafkajs/src/network/requestQueue',
    (RequestQueue) => {
      RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
      RequestQueue.prototype.scheduleRequestTimeoutCheck = scheduleRequestTimeoutCheck;
    },
  );
}
