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
  /** Publish → first receipt at the owed endpoints, of events published from the fault's start on. */
  p50Ms: number | null;
  p99Ms: number | null;
  /**
   * The p99 of events published from one second after the fault's start on: what the fault costs
   * once it is under way, without its onset. Shown beside p99Ms to tell the two apart; the pass
   * rule (ledgerFails) takes p99Ms, onset included.
   */
  steadyP99Ms: number | null;
  /** The same of a fault-free run of the same load (scenarios with a baseline). */
  baselineP50Ms?: number | null;
  baselineP99Ms?: number | null;
  baselineSteadyP99Ms?: number | null;
  seconds: number;
}

/** How much a fault may raise the owed endpoints' p99 over the fault-free run's. */
export const P99_TOLERANCE = 1.2;

export function ledgerFails(ledger: ChaosLedger): boolean {
  const { p99Ms, baselineP99Ms } = ledger;
  const slower = !!baselineP99Ms && p99Ms !== null && p99Ms > baselineP99Ms * P99_TOLERANCE;
  return ledger.missing > 0 || ledger.invalid > 0 || ledger.logDisagreements > 0 || slower;
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
  ['p50Ms', 'p50 ms'],
  ['p99Ms', 'p99 ms'],
  ['baselineP99Ms', 'base p99'],
  ['steadyP99Ms', 'p99 1s+'],
  ['baselineSteadyP99Ms', 'base 1s+'],
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
