import { heapGrowthFlag } from './heap-growth';

// Whether V8 honours the flag set at run time is measured in the bench (docs/performance.md,
// "The old generation's growth"): a child process's count of full collections, tried here, moved
// too much with the machine's load to be asserted.
describe('heapGrowthFlag', () => {
  it('should set the growth asked for', () => {
    expect(heapGrowthFlag(100, [])).toBe('--heap-growing-percent=100');
    expect(heapGrowthFlag(150, ['--enable-source-maps'])).toBe('--heap-growing-percent=150');
  });

  it("should leave V8's own choice for 0", () => {
    expect(heapGrowthFlag(0, [])).toBeUndefined();
  });

  it('should leave a growth the process was started with as it is', () => {
    expect(heapGrowthFlag(100, ['--heap-growing-percent=300'])).toBeUndefined();
    expect(heapGrowthFlag(100, ['--heap-growing-percent', '300'])).toBeUndefined();
  });
});
