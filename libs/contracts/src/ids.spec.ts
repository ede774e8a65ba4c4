import { ID_PREFIXES, newId } from './ids';

describe(newId.name, () => {
  it('should be its prefix, the time in 12 hex digits, and 16 base62 characters', () => {
    const before = Date.now();
    const id = newId('event');
    const after = Date.now();
    expect(id).toMatch(/^evt_[0-9a-f]{12}[0-9A-Za-z]{16}$/);
    const ms = parseInt(id.slice(ID_PREFIXES.event.length, ID_PREFIXES.event.length + 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  // Many ids in one burst (a batch of POST /v1/events), past any pool of random bytes they draw on.
  it('should give a burst of ids that are all different', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('event'));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.slice(-16))).size).toBe(ids.length);
  });

  it('should sort by creation time', async () => {
    const first = newId('webhook');
    await new Promise((resolve) => setTimeout(resolve, 3));
    const second = newId('webhook');
    expect([second, first].sort()).toEqual([first, second]);
  });
});
