import assert from "node:assert/strict";
import { describe, mock, test } from "node:test";
import type { ProcSample } from "../../bench/proc.ts";
import { ProcSeries, summarizeRss } from "../../bench/proc-series.ts";

const MB = 2 ** 20;

describe("summarizeRss", () => {
  test("median (lower middle), max and the last sample, in MB", () => {
    assert.deepEqual(summarizeRss([190 * MB, 274 * MB, 180 * MB, 200 * MB, 185 * MB]), {
      n: 5,
      medianMB: 190,
      maxMB: 274,
      endMB: 185,
    });
    // Even count: the lower of the two middle values, not their mean.
    assert.deepEqual(summarizeRss([100 * MB, 300 * MB, 200 * MB, 400 * MB]), {
      n: 4,
      medianMB: 200,
      maxMB: 400,
      endMB: 400,
    });
  });

  test("one GC-timed peak moves the max and the end, not the median", () => {
    const steady = Array.from({ length: 29 }, (_, i) => (190 + (i % 3)) * MB);
    const s = summarizeRss([...steady, 274 * MB]);
    assert.equal(s?.medianMB, 191);
    assert.equal(s?.maxMB, 274);
    assert.equal(s?.endMB, 274);
  });

  test("no samples: undefined, not zeros", () => {
    assert.equal(summarizeRss([]), undefined);
  });
});

describe("ProcSeries", () => {
  test("samples at start, every period and at stop; CPU from the first to the last sample", () => {
    mock.timers.enable({ apis: ["setInterval"] });
    try {
      let at = 0;
      const seen: number[] = [];
      // pid 1: RSS grows 1 MB per sample, 100 ms of CPU per second; pid 2 exits after two samples.
      const sample = (pid: number): ProcSample | undefined => {
        seen.push(pid);
        const i = seen.filter((p) => p === pid).length - 1;
        if (pid === 2 && i >= 2) return undefined;
        return { at, rss: (100 + i) * MB, cpuMs: at / 10 };
      };
      const series = new ProcSeries({ a: 1, b: 2, none: undefined }, 2000, sample);
      for (let i = 0; i < 5; i++) {
        at += 2000;
        mock.timers.tick(2000);
      }
      at += 500;
      const r = series.stop();
      // start + 5 ticks + stop = 7 samples of a; b answered twice; no pid, no sample.
      assert.deepEqual(r.a.rss, { n: 7, medianMB: 103, maxMB: 106, endMB: 106 });
      assert.equal(r.a.cpuPct, 10);
      assert.deepEqual(r.b.rss, { n: 2, medianMB: 100, maxMB: 101, endMB: 101 });
      assert.equal(r.none.rss, undefined);
      assert.equal(r.none.cpuPct, undefined);
      // Stopped: no more samples.
      const before = seen.length;
      mock.timers.tick(10_000);
      assert.equal(seen.length, before);
    } finally {
      mock.timers.reset();
    }
  });

  test("a period that is not positive is refused", () => {
    assert.throws(() => new ProcSeries({ a: 1 }, 0, () => undefined), /everyMs must be > 0, got 0/);
    assert.throws(() => new ProcSeries({ a: 1 }, Number.NaN, () => undefined), /everyMs must be > 0/);
  });
});
