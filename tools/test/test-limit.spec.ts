import { testLimitMinutes } from './test-limit';

describe('testLimitMinutes', () => {
  it('should default to 40 minutes', () => {
    expect(testLimitMinutes(undefined)).toBe(40);
    expect(testLimitMinutes('')).toBe(40);
  });

  it('should take a positive number of minutes', () => {
    expect(testLimitMinutes('0.5')).toBe(0.5);
    expect(testLimitMinutes('90')).toBe(90);
  });

  // Number('abc') is NaN and a timer of NaN or 0 ms fires at once: the tests would be stopped
  // before they ran.
  it.each(['0', '-5', 'abc', 'Infinity', '\u0000', '\ud800', '1'.repeat(400)])(
    'should refuse %j, naming the variable',
    (raw) => {
      expect(() => testLimitMinutes(raw)).toThrow(/HOOKLINE_TEST_LIMIT_MINUTES/);
    },
  );
});
