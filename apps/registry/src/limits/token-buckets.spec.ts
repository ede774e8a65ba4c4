import { TokenBuckets } from './token-buckets';

describe(TokenBuckets.name, () => {
  it('should allow a burst, then refuse with the seconds until a token is back', () => {
    const sut = new TokenBuckets(2, 4);
    for (let i = 0; i < 4; i++) expect(sut.take('prj_a', 0).allowed).toBe(true);
    const refused = sut.take('prj_a', 0);
    expect(refused).toEqual({
      allowed: false,
      limit: 4,
      remaining: 0,
      resetSeconds: 2,
      retryAfterSeconds: 1,
    });
  });

  it('should refill at the rate and never past the burst', () => {
    const sut = new TokenBuckets(2, 4);
    for (let i = 0; i < 4; i++) sut.take('prj_a', 0);
    expect(sut.take('prj_a', 500).allowed).toBe(true);
    expect(sut.take('prj_a', 500).allowed).toBe(false);
    expect(sut.take('prj_a', 60_000).remaining).toBe(3);
  });

  it('should keep keys apart', () => {
    const sut = new TokenBuckets(1, 1);
    expect(sut.take('prj_a', 0).allowed).toBe(true);
    expect(sut.take('prj_a', 0).allowed).toBe(false);
    expect(sut.take('prj_b', 0).allowed).toBe(true);
  });

  it('should state a slow rate in whole seconds (10 per minute: one every 6 s)', () => {
    const sut = new TokenBuckets(10 / 60, 10);
    for (let i = 0; i < 10; i++) sut.take('wh_1', 0);
    expect(sut.take('wh_1', 0).retryAfterSeconds).toBe(6);
  });

  it('should give a refunded token back', () => {
    const sut = new TokenBuckets(1, 1);
    sut.take('prj_a', 0);
    sut.refund('prj_a');
    expect(sut.take('prj_a', 0).allowed).toBe(true);
  });

  it('should drop idle buckets past its bound', () => {
    const sut = new TokenBuckets(1, 1, 2);
    sut.take('a', 0);
    sut.take('b', 0);
    sut.take('c', 10_000);
    // a and b were full again: dropped, so a starts full.
    expect(sut.take('a', 10_000).allowed).toBe(true);
  });
});
