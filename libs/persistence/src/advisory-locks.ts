/**
 * Postgres advisory lock ids of the platform, in one table so two jobs never share one by
 * accident. Arbitrary constants; each elects one holder among the processes of a fleet.
 */
export const ADVISORY_LOCKS = {
  /** Serialises migrations across processes starting together. */
  migrations: 7_201_104,
  /** The registry replica that relays webhook_events to the changelog topic. */
  changelogRelay: 7_201_105,
  /** libs/producer's transactional outbox relay (in the product team's database). */
  eventOutboxRelay: 7_201_106,
  /** The dispatcher that enforces the delivery log's retention. */
  deliveryLogRetention: 7_201_107,
  /** The registry replica that relays event_type_changes to the catalog changelog topic. */
  catalogRelay: 7_201_108,
  /** The registry replica that mails the digest of dead deliveries (never two digests). */
  notificationDigest: 7_201_120,
  /** Serialises the creation of the delivery log's daily partitions across dispatchers. */
  deliveryLogPartitions: 7_201_130,
} as const;
