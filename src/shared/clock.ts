// Pure logic takes time as a parameter; edges read it from here.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that can also run something later: the real one, or a test's fake that advances by hand. */
export interface SchedulingClock extends Clock {
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  schedule(ms: number, fn: () => void): () => void;
}

/**
 * `clock` with real timers. They are ref'd on purpose: a retry waiting for etcd may be the
 * only thing keeping an agent process alive.
 */
export function withSystemTimers(clock: Clock): SchedulingClock {
  return {
    now: () => clock.now(),
    schedule: (ms, fn) => {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    },
  };
}
