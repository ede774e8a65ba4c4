/** Whole days; past that a timer would overflow (Node caps a delay at 2^31-1 ms, ~24.8 days). */
const MOST_MINUTES = 24 * 60;

/**
 * HOOKLINE_TEST_LIMIT_MINUTES: how long `npm test` lets the tests run before it stops them (40
 * minutes unless set). A value that is not a number of minutes above 0 is refused with a line
 * that names it, rather than arming a timer that fires at once.
 */
export function testLimitMinutes(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 40;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > MOST_MINUTES) {
    throw new RangeError(
      `HOOKLINE_TEST_LIMIT_MINUTES must be a number of minutes above 0 and at most ${MOST_MINUTES}, not ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return minutes;
}
