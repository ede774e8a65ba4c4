import { newClusterId } from './kafka-server';

describe(newClusterId.name, () => {
  it('should make 22-character base64url ids that never start with a dash', () => {
    const ids = Array.from({ length: 2000 }, newClusterId);

    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
