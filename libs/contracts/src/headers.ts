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
  /** Earliest time (ms since epoch) a retry-tier message may be attempted. */
  notBefore: 'hookline-not-before',
} as const;

/** HTTP header names that Hookline sends to endpoints, besides the signature headers. */
export const HttpHeaders = {
  userAgentPrefix: 'Hookline/',
  traceparent: 'traceparent',
} as const;
