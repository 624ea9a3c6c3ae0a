/** Source of the current time in epoch milliseconds; inject a controllable one in tests. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
