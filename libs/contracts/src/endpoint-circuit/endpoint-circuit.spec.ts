import { endpointCircuitKey, endpointOrigin } from './endpoint-circuit';

describe(endpointCircuitKey.name, () => {
  it('should tell apart endpoints that share an origin, by path and by query', () => {
    const keys = [
      'https://hooks.example.com/a',
      'https://hooks.example.com/b',
      'https://hooks.example.com/a?tenant=2',
    ].map((url) => endpointCircuitKey(url, 'wh_x'));

    expect(new Set(keys).size).toBe(3);
    expect(new Set(keys.map((k) => endpointOrigin(k, 'wh_x')))).toEqual(
      new Set(['https://hooks.example.com']),
    );
  });

  it('should give one key for spellings of the same URL, the fragment (never sent) left out', () => {
    expect(endpointCircuitKey('HTTPS://Hooks.Example.com:443/a?x=1#frag', 'wh_x')).toBe(
      'https://hooks.example.com/a?x=1',
    );
  });

  it("should fall back to the webhook's id when the URL is missing or does not parse", () => {
    expect(endpointCircuitKey(undefined, 'wh_x')).toBe('wh_x');
    expect(endpointCircuitKey('not a url', 'wh_x')).toBe('wh_x');
  });
});
