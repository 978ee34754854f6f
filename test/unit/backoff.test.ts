import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { describe, test } from "node:test";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, sleep } from "../../src/shared/backoff.ts";

const policy: BackoffPolicy = { initialMs: 100, maxMs: 3_000 };
const ALMOST_ONE = 1 - Number.EPSILON;

/** Whether `promise` has settled once the current microtasks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("backoffDelay", () => {
  // ceiling(n) = min(maxMs, initialMs * 2^n); the delay lies in [ceiling/2, ceiling].
  const bounds: Array<{ attempt: number; low: number; high: number }> = [
    { attempt: 0, low: 50, high: 100 },
    { attempt: 1, low: 100, high: 200 },
    { attempt: 2, low: 200, high: 400 },
    { attempt: 3, low: 400, high: 800 },
    { attempt: 4, low: 800, high: 1_600 },
    { attempt: 5, low: 1_500, high: 3_000 }, // 3,200 capped at 3,000
    { attempt: 6, low: 1_500, high: 3_000 },
    { attempt: 20, low: 1_500, high: 3_000 },
  ];
  for (const b of bounds) {
    test(`attempt ${b.attempt}: random 0 -> ${b.low}, random ~1 -> ${b.high}`, () => {
      assert.equal(backoffDelay(b.attempt, policy, 0), b.low);
      assert.equal(backoffDelay(b.attempt, policy, ALMOST_ONE), b.high);
      const mid = backoffDelay(b.attempt, policy, 0.5);
      assert.ok(mid > b.low && mid < b.high, `${mid} inside (${b.low}, ${b.high})`);
    });
  }

  test("never below half the ceiling: a retry loop cannot turn hot", () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      assert.ok(backoffDelay(attempt, DEFAULT_BACKOFF, 0) >= DEFAULT_BACKOFF.initialMs / 2);
    }
  });

  test("grows with the attempt number until the cap (same random)", () => {
    let previous = 0;
    for (let attempt = 0; attempt < 12; attempt++) {
      const delay = backoffDelay(attempt, policy, 0.3);
      assert.ok(delay >= previous, `attempt ${attempt}: ${delay} < ${previous}`);
      previous = delay;
    }
    assert.ok(backoffDelay(3, policy, 0.3) > backoffDelay(0, policy, 0.3));
  });

  test("grows with random for a fixed attempt", () => {
    assert.ok(backoffDelay(2, policy, 0.1) < backoffDelay(2, policy, 0.9));
  });

  test("never exceeds maxMs", () => {
    for (let attempt = 0; attempt < 100; attempt++) {
      for (const r of [0, 0.25, 0.5, 0.75, ALMOST_ONE]) {
        assert.ok(backoffDelay(attempt, policy, r) <= policy.maxMs);
        assert.ok(backoffDelay(attempt, DEFAULT_BACKOFF, r) <= DEFAULT_BACKOFF.maxMs);
      }
    }
  });

  for (const attempt of [31, 64, 1_024, 1e6, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY]) {
    test(`attempt ${attempt} does not overflow: a finite delay within the cap`, () => {
      for (const r of [0, ALMOST_ONE]) {
        const delay = backoffDelay(attempt, policy, r);
        assert.ok(Number.isFinite(delay), `${delay}`);
        assert.ok(delay >= policy.maxMs / 2 && delay <= policy.maxMs, `${delay}`);
      }
    });
  }

  test("the default policy starts small and caps at 5 s", () => {
    assert.ok(backoffDelay(0, undefined, ALMOST_ONE) <= 200);
    assert.equal(backoffDelay(100, undefined, ALMOST_ONE), 5_000);
  });

  test("whole milliseconds", () => {
    assert.ok(Number.isInteger(backoffDelay(3, { initialMs: 33, maxMs: 10_000 }, 0.123)));
  });

  test("without an injected random the delay still lies inside the bounds", () => {
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(2, policy);
      assert.ok(delay >= 200 && delay <= 400, `${delay}`);
    }
  });
});

describe("sleep", () => {
  test("resolves after the given time, not before", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const p = sleep(1_000);
    t.mock.timers.tick(999);
    assert.equal(await settled(p), false);
    t.mock.timers.tick(1);
    assert.equal(await settled(p), true);
  });

  test("an abort resolves it early", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const controller = new AbortController();
    const p = sleep(60_000, controller.signal);
    t.mock.timers.tick(10);
    assert.equal(await settled(p), false);
    controller.abort();
    assert.equal(await settled(p), true, "resolved without the timer firing");
  });

  test("an already-aborted signal resolves at once", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const controller = new AbortController();
    controller.abort();
    assert.equal(await settled(sleep(60_000, controller.signal)), true);
  });

  test("the abort listener is removed once the timer fires (no leak across many sleeps)", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const controller = new AbortController();
    const sleeps = [sleep(10, controller.signal), sleep(20, controller.signal)];
    assert.equal(getEventListeners(controller.signal, "abort").length, 2);
    t.mock.timers.tick(20);
    assert.deepEqual(await Promise.all(sleeps.map(settled)), [true, true]);
    assert.equal(getEventListeners(controller.signal, "abort").length, 0);
  });

  test("the listener is removed after an abort too", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const controller = new AbortController();
    const p = sleep(60_000, controller.signal);
    controller.abort();
    await p;
    assert.equal(getEventListeners(controller.signal, "abort").length, 0);
  });
});
