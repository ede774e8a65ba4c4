import { RunningClock } from './running-clock';

describe(RunningClock.name, () => {
  let wall = 0;
  const clock = () => new RunningClock(250, () => wall);
  /** The process runs on schedule: the wall clock and its timers move together. */
  const run = (ms: number) => {
    for (let i = 0; i < ms; i += 10) {
      wall += 10;
      jest.advanceTimersByTime(10);
    }
  };

  beforeEach(() => {
    wall = 0;
    jest.useFakeTimers();
  });
  afterEach(() => jest.useRealTimers());

  it('should count every millisecond while the process runs on schedule', () => {
    const sut = clock();
    sut.watch(true);
    run(1000);
    expect(sut.now()).toBe(1000);
  });

  it('should leave out a stretch in which the process did not run, and never run backwards', () => {
    const sut = clock();
    sut.watch(true);
    run(1000);
    wall += 3000; // stopped: no timer ran

    const back = sut.now();
    expect(back).toBeLessThanOrEqual(1000 + 2 * 250);
    jest.advanceTimersByTime(250); // the late beat
    expect(sut.now()).toBe(back);
    run(500);
    expect(sut.now()).toBe(back + 500);
  });

  it('should count every millisecond, and run no timer, while unwatched', () => {
    const sut = clock();
    sut.watch(true);
    sut.watch(false);
    expect(jest.getTimerCount()).toBe(0);
    wall += 3000;
    expect(sut.now()).toBe(3000);
  });
});
