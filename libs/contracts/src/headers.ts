/** Kafka header names used across services. */
export const KafkaHeaders = {
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** Why a message was sent to a dead-letter topic. */
  dlqReason: 'hookline-dlq-reason',
  dlqSourceTopic: 'hookline-dlq-source-topic',
  dlqSourcePartition: 'hookline-dlq-source-partition',
  dlqSourceOffset: 'hookline-dlq-source-offset',
  dlqFailedAt: 'hookline-dlq-failed-at',
  /** Last error of a delivery task that exhausted its retries. */
  lastError: 'hookline-last-error',
  eventType: 'hookline-event-type',
  /** When a retry-tier message is next read (ms since epoch): its due time, or a hop's end. */
  notBefore: 'hookline-not-before',
  /**
   * When a retry-tier task falls due (ms since epoch), so that a task woken before it goes back
   * on its tier without its value being read (see DeliveryTasks.rehop). Its value's `not_before`,
   * or later on a task held again unread (see DeliveryTasks.rehold), whose value keeps the
   * `not_before` of its first hold: the header is what says when the task is due.
   */
  due: 'hookline-due',
  /**
   * Why a retry-tier task was held without an attempt (`circuit_open`, `throttled`,
   * `endpoint_busy`), on its holds and their hops: a task its endpoint's open circuit held is held
   * again while the circuit stays open without its value being read (see DeliveryTasks.rehold).
   */
  heldFor: 'hookline-held-for',
} as const;

/** HTTP header names that Hookline sends to endpoints, besides the signature headers. */
export const HttpHeaders = {
  userAgentPrefix: 'Hookline/',
  traceparent: 'traceparent',
} as const;
