import { PartitionProgress } from './partition-progress';

describe(PartitionProgress.name, () => {
  it('should commit only below the first unfinished offset when work finishes out of order', () => {
    const sut = new PartitionProgress();
    for (const offset of [10n, 11n, 12n, 13n]) sut.accept(offset);
    sut.complete(12n);
    sut.complete(11n);
    expect(sut.committable()).toBe(10n);
    sut.complete(10n);
    expect(sut.committable()).toBe(13n);
    sut.complete(13n);
    expect(sut.committable()).toBe(14n);
    expect(sut.pending).toBe(0);
  });

  it('should offer an offset once, until a further one is finished', () => {
    const sut = new PartitionProgress();
    sut.accept(0n);
    sut.complete(0n);
    expect(sut.committable()).toBe(1n);
    sut.markCommitted(1n);
    expect(sut.committable()).toBeUndefined();
    sut.accept(1n);
    expect(sut.committable()).toBeUndefined();
    sut.complete(1n);
    expect(sut.committable()).toBe(2n);
  });

  it('should know re-read offsets as accepted, and refuse to accept one twice', () => {
    const sut = new PartitionProgress();
    sut.accept(5n);
    expect(sut.hasAccepted(4n)).toBe(true);
    expect(sut.hasAccepted(5n)).toBe(true);
    expect(sut.hasAccepted(6n)).toBe(false);
    expect(() => sut.accept(5n)).toThrow('accepted twice');
  });

  it('should count the weight of unfinished work', () => {
    const sut = new PartitionProgress();
    sut.accept(0n, 100);
    sut.accept(1n, 50);
    sut.accept(2n);
    expect(sut.pendingWeight).toBe(151);
    sut.complete(1n);
    sut.complete(1n); // a second completion changes nothing
    expect(sut.pendingWeight).toBe(101);
    expect(sut.pending).toBe(2);
  });

  it('should keep its answer right across the compaction of a long finished prefix', () => {
    const sut = new PartitionProgress();
    for (let i = 0n; i < 5000n; i++) sut.accept(i);
    for (let i = 0n; i < 4999n; i++) sut.complete(i);
    expect(sut.committable()).toBe(4999n);
    sut.complete(4999n);
    expect(sut.committable()).toBe(5000n);
  });
});
