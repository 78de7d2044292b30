/** Time is a dependency: core logic takes `now` as an argument, services take a Clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can move; never used outside tests and the benchmark. */
export function manualClock(start: Date = new Date('2026-01-15T12:00:00Z')) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    set(to: Date) {
      current = to.getTime();
    },
    advance(ms: number) {
      current += ms;
    },
  };
}
