// Metric samples of the HTTP server (src/manager/http/samples.ts): parsing the agent's
// /monitor/metrics/<node> value and the bounded per-node window. Time is passed in.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  MAX_SAMPLES,
  type MetricSample,
  parseSample,
  SAMPLE_WINDOW_MS,
  SampleRing,
} from "../../src/manager/http/samples.ts";

describe("parseSample", () => {
  const table: { name: string; text: string; want: MetricSample | undefined }[] = [
    {
      name: "a full sample is flattened to metric.field, ts seconds -> ms",
      text: JSON.stringify({
        ts: 1700000000.5,
        interval: 5,
        values: { cpu: { usage_pct: 12.5 }, memory: { used_bytes: 1024, total_bytes: 4096 } },
      }),
      want: {
        t: 1700000000500,
        interval: 5,
        values: { "cpu.usage_pct": 12.5, "memory.used_bytes": 1024, "memory.total_bytes": 4096 },
      },
    },
    {
      name: "no values: an empty sample",
      text: '{"ts": 10, "interval": 1}',
      want: { t: 10_000, interval: 1, values: {} },
    },
    {
      name: "interval missing or not a number: 0",
      text: '{"ts": 10, "interval": "5", "values": {}}',
      want: { t: 10_000, interval: 0, values: {} },
    },
    {
      name: "non-numeric, non-finite-looking and badly named fields are skipped",
      text: JSON.stringify({
        ts: 1,
        values: {
          cpu: { usage_pct: "12", ok: 1, Bad: 2, "x.y": 3, _lead: 4 },
          "Net-Work": { rx: 1 },
          load: null,
          disk_io: [1, 2],
          process_count: { count: 7 },
        },
      }),
      // An array is an object: its keys "0", "1" do not match the field pattern.
      want: { t: 1000, interval: 0, values: { "cpu.ok": 1, "process_count.count": 7 } },
    },
    { name: "not JSON", text: "garbage", want: undefined },
    { name: "JSON null", text: "null", want: undefined },
    { name: "a JSON number", text: "42", want: undefined },
    { name: "no ts", text: '{"interval": 5, "values": {}}', want: undefined },
    { name: "ts is a string", text: '{"ts": "10"}', want: undefined },
    { name: "ts is null", text: '{"ts": null}', want: undefined },
  ];
  for (const c of table) {
    it(c.name, () => assert.deepEqual(parseSample(c.text), c.want));
  }

  it("values that JSON cannot hold as finite numbers never appear (1e400 parses as Infinity)", () => {
    const s = parseSample('{"ts": 1, "values": {"cpu": {"usage_pct": 1e400, "idle_pct": 5}}}');
    assert.deepEqual(s?.values, { "cpu.idle_pct": 5 });
  });
});

const sample = (t: number, v = 0): MetricSample => ({ t, interval: 1, values: { "cpu.usage_pct": v } });
const times = (ring: SampleRing) => ring.since(0).map((s) => s.t);

describe("SampleRing", () => {
  it("defaults: 10 minutes and 600 samples", () => {
    assert.equal(SAMPLE_WINDOW_MS, 600_000);
    assert.equal(MAX_SAMPLES, 600);
  });

  const addTable: { name: string; adds: [t: number, now: number][]; want: boolean[]; kept: number[] }[] = [
    {
      name: "in order",
      adds: [
        [1000, 1000],
        [2000, 2000],
        [3000, 3000],
      ],
      want: [true, true, true],
      kept: [1000, 2000, 3000],
    },
    {
      name: "a repeat of the newest ts is refused",
      adds: [
        [1000, 1000],
        [1000, 1500],
      ],
      want: [true, false],
      kept: [1000],
    },
    {
      name: "an older sample is refused",
      adds: [
        [2000, 2000],
        [1000, 2500],
      ],
      want: [true, false],
      kept: [2000],
    },
    {
      name: "samples older than the window are dropped when a new one arrives",
      adds: [
        [1000, 1000],
        [5000, 5000],
        [12_000, 12_000],
      ],
      want: [true, true, true],
      kept: [5000, 12_000], // window 10 s in this ring: cutoff 2000
    },
    {
      name: "a sample exactly at the cutoff is kept",
      adds: [
        [2000, 2000],
        [12_000, 12_000],
      ],
      want: [true, true],
      kept: [2000, 12_000],
    },
    {
      name: "a sample already outside the window is added then trimmed away",
      adds: [[1000, 20_000]],
      want: [true],
      kept: [],
    },
  ];
  for (const c of addTable) {
    it(`add: ${c.name}`, () => {
      const ring = new SampleRing(10_000, 100);
      assert.deepEqual(
        c.adds.map(([t, now]) => ring.add(sample(t), now)),
        c.want,
      );
      assert.deepEqual(times(ring), c.kept);
      assert.equal(ring.size, c.kept.length);
      assert.equal(ring.latest?.t, c.kept.at(-1));
    });
  }

  it("keeps at most `max` samples, dropping the oldest", () => {
    const ring = new SampleRing(1_000_000, 3);
    for (let t = 1; t <= 5; t++) ring.add(sample(t * 1000), t * 1000);
    assert.deepEqual(times(ring), [3000, 4000, 5000]);
  });

  it("trim(now) alone ages out a silent node's samples (fake clock)", () => {
    const ring = new SampleRing(10_000, 100);
    let now = 0;
    for (const t of [1000, 2000, 3000]) {
      now = t;
      ring.add(sample(t), now);
    }
    const table: [now: number, kept: number[]][] = [
      [3000, [1000, 2000, 3000]],
      [11_000, [1000, 2000, 3000]],
      [11_001, [2000, 3000]],
      [12_500, [3000]],
      [13_001, []],
    ];
    for (const [at, kept] of table) {
      ring.trim(at);
      assert.deepEqual(times(ring), kept, `at ${at}`);
    }
    assert.equal(ring.latest, undefined);
    // An emptied ring accepts any new sample again.
    assert.equal(ring.add(sample(500), 500), true);
  });

  it("since(t) returns the samples strictly newer than t, oldest first", () => {
    const ring = new SampleRing(1_000_000, 100);
    for (const t of [1000, 2000, 3000]) ring.add(sample(t), t);
    const table: [since: number | undefined, want: number[]][] = [
      [undefined, [1000, 2000, 3000]],
      [0, [1000, 2000, 3000]],
      [1000, [2000, 3000]],
      [2500, [3000]],
      [3000, []],
    ];
    for (const [since, want] of table) {
      assert.deepEqual(
        ring.since(since).map((s) => s.t),
        want,
        `since ${since}`,
      );
    }
  });
});
