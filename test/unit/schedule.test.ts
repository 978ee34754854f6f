import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nextRunDelay } from "../../src/agent/schedule.ts";

// Times are ms on a fake clock; intervals are seconds, as in the config.
const T = 1_000_000;

describe("nextRunDelay", () => {
  const cases: Array<{
    name: string;
    lastRunAt: number | undefined;
    intervalS: number;
    now: number;
    delay: number;
  }> = [
    { name: "first run is immediate", lastRunAt: undefined, intervalS: 10, now: T, delay: 0 },
    {
      name: "first run is immediate even with a long interval",
      lastRunAt: undefined,
      intervalS: 86_400,
      now: T,
      delay: 0,
    },
    { name: "just after a run: a whole interval", lastRunAt: T, intervalS: 10, now: T, delay: 10_000 },
    { name: "part of the interval elapsed", lastRunAt: T, intervalS: 10, now: T + 4_000, delay: 6_000 },
    { name: "exact boundary: due now", lastRunAt: T, intervalS: 10, now: T + 10_000, delay: 0 },
    { name: "one ms before the boundary", lastRunAt: T, intervalS: 10, now: T + 9_999, delay: 1 },
    {
      name: "overdue (slow run or late timer): at once, never negative",
      lastRunAt: T,
      intervalS: 10,
      now: T + 25_000,
      delay: 0,
    },
    // A config change 10 s -> 2 s, 4.1 s after the last run: 2 s have passed, run at once.
    {
      name: "shortened interval that has already passed",
      lastRunAt: T,
      intervalS: 2,
      now: T + 4_100,
      delay: 0,
    },
    { name: "shortened interval not yet passed", lastRunAt: T, intervalS: 5, now: T + 4_100, delay: 900 },
    // 2 s -> 60 s, 1 s after the last run: wait the rest of the new interval, not a fresh one.
    {
      name: "lengthened interval counts from the last run",
      lastRunAt: T,
      intervalS: 60,
      now: T + 1_000,
      delay: 59_000,
    },
    { name: "an hour-long interval", lastRunAt: T, intervalS: 3_600, now: T + 1, delay: 3_600_000 - 1 },
    {
      name: "last run at epoch 0 is a real run, not 'never'",
      lastRunAt: 0,
      intervalS: 10,
      now: 4_000,
      delay: 6_000,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(nextRunDelay(c.lastRunAt, c.intervalS, c.now), c.delay);
    });
  }

  // The agent's clock is Date.now (wall clock). If it steps back (NTP, VM resume), the last run
  // lies in the future and the delay exceeds the interval by the size of the step.
  test("a wall clock stepped back still waits at most one interval", () => {
    assert.ok(nextRunDelay(T, 10, T - 3_600_000) <= 10_000);
  });

  test("the next run time (now + delay) does not depend on when it is computed", () => {
    for (const now of [T, T + 1, T + 3_000, T + 9_999]) {
      assert.equal(now + nextRunDelay(T, 10, now), T + 10_000, `computed at ${now - T} ms`);
    }
  });
});
