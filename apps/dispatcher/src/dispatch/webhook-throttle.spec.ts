import { WebhookThrottle } from './webhook-throttle';

describe(WebhookThrottle.name, () => {
  let now = 1_000_000;
  const sut = new WebhookThrottle(() => now);

  beforeEach(() => {
    now += 600_000;
  });

  it('should let the first task go and give the next ones slots 1/rate apart', () => {
    expect(sut.admit('wh_a', 5)).toEqual({ go: true, waitMs: 0 });
    const slots = [1, 2, 3].map(() => sut.admit('wh_a', 5));
    expect(slots).toEqual([
      { go: false, slot: now + 200 },
      { go: false, slot: now + 400 },
      { go: false, slot: now + 600 },
    ]);
    // Another webhook has its own pace.
    expect(sut.admit('wh_b', 5)).toEqual({ go: true, waitMs: 0 });
  });

  it('should let a held task go at its slot without taking another, and keep the rest queued', () => {
    sut.admit('wh_c', 5);
    const held = sut.admit('wh_c', 5);
    if (held.go) throw new Error('expected a slot');
    now = held.slot;
    expect(sut.admit('wh_c', 5, held.slot)).toEqual({ go: true, waitMs: 0 });
    // A new task now queues behind the reserved slot, not beside it.
    expect(sut.admit('wh_c', 5)).toEqual({ go: false, slot: held.slot + 200 });
  });

  it('should wait out a slot a moment ahead, and re-slot a held task that would break the spacing', () => {
    sut.admit('wh_d', 10);
    const first = sut.admit('wh_d', 10);
    const second = sut.admit('wh_d', 10);
    if (first.go || second.go) throw new Error('expected slots');
    now = first.slot - 40;
    expect(sut.admit('wh_d', 10, first.slot)).toEqual({ go: true, waitMs: 40 });
    // Came back 50 ms after the first went instead of 100 ms: a new slot at the end of the queue.
    now = first.slot + 50;
    expect(sut.admit('wh_d', 10, first.slot + 50)).toEqual({ go: false, slot: second.slot + 100 });
  });
});

describe(`${WebhookThrottle.name} with the longest wait`, () => {
  it('should refuse a slot past the longest a delivery may wait, and not reserve it', () => {
    let now = 2_000_000;
    // 1 a second, no task to wait more than 3 s: a backlog of three slots.
    const sut = new WebhookThrottle(() => now, 3_000);
    expect(sut.admit('wh_a', 1)).toEqual({ go: true, waitMs: 0 });
    expect([1, 2, 3].map(() => sut.admit('wh_a', 1))).toEqual([
      { go: false, slot: now + 1000 },
      { go: false, slot: now + 2000 },
      { go: false, slot: now + 3000 },
    ]);
    expect(sut.admit('wh_a', 1)).toEqual({ go: false, slot: now + 4000, tooLate: true });
    // Not taken: the next task over the rate is refused the same slot, not a later one.
    expect(sut.admit('wh_a', 1)).toEqual({ go: false, slot: now + 4000, tooLate: true });
    // As the backlog drains, the slots past it come within reach again.
    now += 1000;
    expect(sut.admit('wh_a', 1)).toEqual({ go: false, slot: now + 3000 });
  });
});

describe(`${WebhookThrottle.name} spacing`, () => {
  it('should let a request go 1/rate after the last one went (less a timer margin)', () => {
    let now = 5_000_000;
    const sut = new WebhookThrottle(() => now);
    expect(sut.spacing('wh_a', 5)).toBe(0);
    expect(sut.spacing('wh_a', 5)).toBe(194);
    expect(sut.spacing('wh_b', 5)).toBe(0);
    // A wait that overran: the next one is spaced from when this one went, not from its plan.
    now += 400;
    expect(sut.spacing('wh_a', 5)).toBe(0);
    now += 10;
    expect(sut.spacing('wh_a', 5)).toBe(184);
  });
});
