/**
 * A line every few seconds while a scenario runs — receipts so far and the rate since the last
 * line — so a long or stuck run shows itself before its table does.
 */
export class BenchProgress {
  private timer?: NodeJS.Timeout;

  constructor(
    /** The receivers' count of receipts; scenarios may reset it, so it can go down. */
    private readonly receipts: () => Promise<number>,
    private readonly say: (line: string) => void,
    private readonly everyMs = 3000,
  ) {}

  start(label: string): void {
    const started = Date.now();
    let last = { at: started, receipts: 0 };
    this.timer = setInterval(() => {
      void this.receipts()
        .then((n) => {
          const now = Date.now();
          const since = n >= last.receipts ? last.receipts : 0;
          const rate = ((n - since) * 1000) / Math.max(1, now - last.at);
          this.say(
            `[bench]   ${label}: ${Math.round((now - started) / 1000)} s, ${n} receipts, ${Math.round(rate)}/s`,
          );
          last = { at: now, receipts: n };
        })
        .catch(() => undefined);
    }, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
