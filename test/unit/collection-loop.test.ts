import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { CollectionLoop } from "../../src/agent/collection-loop.ts";
import type { EffectiveConfig } from "../../src/shared/schema.ts";

const cfg = (interval: number): EffectiveConfig => ({ interval, metrics: ["cpu"] });

/**
 * A fake clock (`now()` reads `t`) kept in step with node:test's mock timers, 1 ms at a
 * time, so a timer callback sees exactly its due time. Between steps the event loop turns
 * once, so promise chains (a run finishing, the next one being scheduled) settle.
 */
function harness(ctx: TestContext, runImpl?: (config: EffectiveConfig) => Promise<void>) {
  ctx.mock.timers.enable({ apis: ["setTimeout"] });
  let t = 0;
  const clock = { now: () => t };
  const runs: Array<{ at: number; interval: number }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const loop = new CollectionLoop({
    clock,
    run: async (config) => {
      runs.push({ at: t, interval: config.interval });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await runImpl?.(config);
      } finally {
        inFlight--;
      }
    },
  });
  const settle = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    ctx.mock.timers.tick(0); // timers set with delay 0 while settling
    await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    loop,
    runs,
    times: () => runs.map((r) => r.at),
    maxInFlight: () => maxInFlight,
    now: () => t,
    settle,
    async advance(ms: number) {
      await settle(); // anything due now runs at the current time first
      for (let i = 0; i < ms; i++) {
        t += 1;
        ctx.mock.timers.tick(1);
        await settle();
      }
    },
    /** Advances to absolute time `to`. */
    async until(to: number) {
      await this.advance(to - t);
    },
  };
}

/** A run that takes `ms` of (mocked) time. */
const slowRun = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("CollectionLoop", () => {
  test("the first run is immediate, then one run per interval", async (ctx) => {
    const h = harness(ctx);
    h.loop.reconfigure(cfg(2));
    await h.settle();
    assert.deepEqual(h.times(), [0], "first run at once");
    await h.until(1_999);
    assert.deepEqual(h.times(), [0], "not before the interval");
    await h.until(2_000);
    assert.deepEqual(h.times(), [0, 2_000]);
    await h.until(6_500);
    assert.deepEqual(h.times(), [0, 2_000, 4_000, 6_000]);
    h.loop.stop();
  });

  test("nothing runs before the first config", async (ctx) => {
    const h = harness(ctx);
    await h.advance(5_000);
    assert.deepEqual(h.runs, []);
    h.loop.reconfigure(cfg(10));
    await h.settle();
    assert.deepEqual(h.times(), [5_000]);
    h.loop.stop();
  });

  test("a shorter interval that has already passed runs at once, then on the new interval", async (ctx) => {
    const h = harness(ctx);
    h.loop.reconfigure(cfg(10));
    await h.until(4_100);
    h.loop.reconfigure(cfg(2)); // 0 + 2 s has passed: run now, not at 10 s
    await h.settle();
    assert.deepEqual(h.times(), [0, 4_100]);
    assert.equal(h.runs.at(-1)?.interval, 2, "the run uses the new config");
    await h.until(8_200);
    assert.deepEqual(h.times(), [0, 4_100, 6_100, 8_100]);
    h.loop.stop();
  });

  test("a shorter interval not yet passed moves the next run to last run + new interval", async (ctx) => {
    const h = harness(ctx);
    h.loop.reconfigure(cfg(10));
    await h.until(1_000);
    h.loop.reconfigure(cfg(3));
    await h.until(2_999);
    assert.deepEqual(h.times(), [0]);
    await h.until(3_000);
    assert.deepEqual(h.times(), [0, 3_000]);
    await h.until(10_000);
    assert.deepEqual(h.times(), [0, 3_000, 6_000, 9_000], "no leftover run at the old 10 s");
    h.loop.stop();
  });

  test("a longer interval counts from the last run", async (ctx) => {
    const h = harness(ctx);
    h.loop.reconfigure(cfg(2));
    await h.until(2_500); // runs at 0 and 2000
    h.loop.reconfigure(cfg(5));
    await h.until(6_999);
    assert.deepEqual(h.times(), [0, 2_000]);
    await h.until(7_000);
    assert.deepEqual(h.times(), [0, 2_000, 7_000]);
    h.loop.stop();
  });

  test("reconfiguring with the same interval does not add a run", async (ctx) => {
    const h = harness(ctx);
    h.loop.reconfigure(cfg(4));
    await h.until(1_000);
    h.loop.reconfigure(cfg(4));
    h.loop.reconfigure(cfg(4));
    await h.until(8_500);
    assert.deepEqual(h.times(), [0, 4_000, 8_000]);
    h.loop.stop();
  });

  test("a slow run does not overlap with the next; the next starts when it ends if overdue", async (ctx) => {
    const h = harness(ctx, slowRun(3_500));
    h.loop.reconfigure(cfg(2));
    await h.until(11_000);
    assert.equal(h.maxInFlight(), 1, "never two runs at once");
    // Each run takes 3.5 s > 2 s interval: the next starts as soon as the previous ends.
    assert.deepEqual(h.times(), [0, 3_500, 7_000, 10_500]);
    h.loop.stop();
  });

  test("a run shorter than the interval keeps the start-to-start rhythm", async (ctx) => {
    const h = harness(ctx, slowRun(700));
    h.loop.reconfigure(cfg(2));
    await h.until(6_100);
    assert.deepEqual(h.times(), [0, 2_000, 4_000, 6_000]);
    assert.equal(h.maxInFlight(), 1);
    h.loop.stop();
  });

  test("reconfigure during a slow run does not start a second run; the next run uses the new config", async (ctx) => {
    const h = harness(ctx, slowRun(3_000));
    h.loop.reconfigure(cfg(10));
    await h.until(1_000);
    h.loop.reconfigure(cfg(2)); // while the first run is still going
    await h.settle();
    assert.deepEqual(h.times(), [0]);
    await h.until(3_000); // first run ends at 3000; 0 + 2 s has passed
    assert.deepEqual(h.times(), [0, 3_000]);
    assert.equal(h.runs.at(-1)?.interval, 2);
    assert.equal(h.maxInFlight(), 1);
    h.loop.stop();
  });

  // `run` rejecting must neither end the loop nor escape as an unhandled rejection (which
  // ends the agent process under Node's default --unhandled-rejections=throw). The test
  // runner's own listener is set aside meanwhile so it does not fail a neighbouring test.
  async function withUnhandledCaptured(body: (seen: unknown[]) => Promise<void>) {
    const runnerListeners = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const seen: unknown[] = [];
    const capture = (reason: unknown) => void seen.push(reason);
    process.on("unhandledRejection", capture);
    try {
      await body(seen);
    } finally {
      process.off("unhandledRejection", capture);
      for (const listener of runnerListeners) process.on("unhandledRejection", listener);
    }
  }
  const failingFirstRun = () => {
    let calls = 0;
    return async () => {
      calls++;
      if (calls === 1) throw new Error("collector broke");
    };
  };

  test("a failing run does not stop the loop", async (ctx) => {
    const h = harness(ctx, failingFirstRun());
    await withUnhandledCaptured(async () => {
      h.loop.reconfigure(cfg(1));
      await h.until(2_100);
      h.loop.stop();
    });
    assert.deepEqual(h.times(), [0, 1_000, 2_000]);
  });

  test("a failing run does not become an unhandled rejection", async (ctx) => {
    const h = harness(ctx, failingFirstRun());
    let seen: unknown[] = [];
    await withUnhandledCaptured(async (s) => {
      h.loop.reconfigure(cfg(1));
      await h.until(100);
      h.loop.stop();
      seen = [...s];
    });
    assert.deepEqual(seen.map(String), []);
  });

  test("stop() cancels the pending run and nothing runs afterwards", async (ctx) => {
    const h = harness(ctx);
    h.loop.reconfigure(cfg(1));
    await h.until(2_500);
    assert.deepEqual(h.times(), [0, 1_000, 2_000]);
    h.loop.stop();
    await h.until(10_000);
    assert.deepEqual(h.times(), [0, 1_000, 2_000]);
  });

  test("stop() during a run: no run is scheduled after it ends", async (ctx) => {
    const h = harness(ctx, slowRun(500));
    h.loop.reconfigure(cfg(1));
    await h.until(200);
    h.loop.stop();
    await h.until(5_000);
    assert.deepEqual(h.times(), [0]);
  });

  test("reconfigure after stop() does not restart the loop", async (ctx) => {
    const h = harness(ctx);
    h.loop.reconfigure(cfg(1));
    await h.settle();
    h.loop.stop();
    h.loop.reconfigure(cfg(1));
    await h.until(3_000);
    assert.deepEqual(h.times(), [0]);
  });
});
