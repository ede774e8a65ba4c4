/** One scenario's count: what went in, what came out, and what the delivery log says. */
export interface ChaosLedger {
  scenario: string;
  /** Events the producer library acknowledged (acks=all). */
  published: number;
  /** Publishes the producer library refused (not counted as published: the caller knows). */
  publishFailed: number;
  /**
   * HTTP ingest answered with an error status (a 5xx after accepting the request): the caller
   * cannot tell whether the event went through. Always 0 when publishing through Kafka.
   */
  publishErrors: number;
  /** Publishes accepted though sent while the API was down (see ChaosStream.apiDown). */
  acceptedWhileDown: number;
  /** Deliveries owed: published events × the scenario's webhooks. */
  expected: number;
  /** Distinct deliveries received and verified. */
  delivered: number;
  missing: number;
  /** Receipts beyond the first of each delivery. */
  duplicates: number;
  /** Most receipts of one delivery. */
  largest: number;
  /**
   * Events delivered whose publish the caller saw fail (an ingest request whose connection was
   * cut after the registry had published it): not owed, not lost, but a caller would send again.
   */
  unacknowledged: number;
  /** Requests that did not verify against the webhook's secret, or had no delivery id. */
  invalid: number;
  /** Delivery-log rows that disagree with the receivers (not succeeded though received, or succeeded though never received). */
  logDisagreements: number;
  /** From the fault until every delivery of events published up to the fault's end had arrived. */
  recoverySeconds: number | null;
  seconds: number;
}

export function ledgerFails(ledger: ChaosLedger): boolean {
  return ledger.missing > 0 || ledger.invalid > 0 || ledger.logDisagreements > 0;
}

const COLUMNS: [keyof ChaosLedger, string][] = [
  ['scenario', 'scenario'],
  ['published', 'published'],
  ['publishFailed', 'refused'],
  ['publishErrors', 'errors'],
  ['acceptedWhileDown', 'acc down'],
  ['expected', 'expected'],
  ['delivered', 'delivered'],
  ['missing', 'missing'],
  ['duplicates', 'dups'],
  ['largest', 'largest'],
  ['unacknowledged', 'unacked'],
  ['invalid', 'invalid'],
  ['logDisagreements', 'log≠'],
  ['recoverySeconds', 'recover s'],
  ['seconds', 'secs'],
];

/** The ledgers as a fixed-width table, one row per scenario. */
export function ledgerTable(ledgers: readonly ChaosLedger[]): string {
  const cell = (l: ChaosLedger, k: keyof ChaosLedger) => String(l[k] ?? '-');
  const widths = COLUMNS.map(([k, title]) =>
    Math.max(title.length, ...ledgers.map((l) => cell(l, k).length)),
  );
  const row = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    row(COLUMNS.map(([, title]) => title)),
    ...ledgers.map((l) => row(COLUMNS.map(([k]) => cell(l, k)))),
  ].join('\n');
}
