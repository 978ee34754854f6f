// Metric samples: the one contract (src/shared/sample.ts) and the manager's bounded per-node
// windows (src/manager/http/samples.ts). Time is passed in.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  MAX_SAMPLES,
  type MetricSample,
  SAMPLE_WINDOW_MS,
  SampleRing,
  SampleStore,
} from "../../src/manager/http/samples.ts";
import {
  type DecodedSample,
  decodeSample,
  encodeSample,
  MAX_SAMPLE_BYTES,
  MAX_SAMPLE_FIELDS,
} from "../../src/shared/sample.ts";

describe("decodeSample: the one sample contract (src/shared/sample.ts)", () => {
  const ok: { name: string; text: string; want: DecodedSample }[] = [
    {
      name: "a full sample is flattened to metric.field, ts seconds -> ms",
      text: JSON.stringify({
        ts: 1700000000.5,
        interval: 5,
        values: { cpu: { usage_ratio: 0.125 }, memory: { used_bytes: 1024, total_bytes: 4096 } },
      }),
      want: {
        reportedAt: 1700000000500,
        interval: 5,
        values: { "cpu.usage_ratio": 0.125, "memory.used_bytes": 1024, "memory.total_bytes": 4096 },
        synthetic: false,
      },
    },
    {
      name: "the simulator's sample decodes the same way, marked synthetic",
      text: encodeSample(10_000, 1, { cpu: { usage_ratio: 0.5 } }, true),
      want: { reportedAt: 10_000, interval: 1, values: { "cpu.usage_ratio": 0.5 }, synthetic: true },
    },
  ];
  for (const c of ok) it(c.name, () => assert.deepEqual(decodeSample(c.text), { ok: true, value: c.want }));

  const refused: { name: string; text: string; rejection: string; reason: RegExp }[] = [
    { name: "not JSON", text: "garbage", rejection: "invalid", reason: /not JSON/ },
    { name: "JSON null", text: "null", rejection: "invalid", reason: /sample/ },
    { name: "no ts", text: '{"interval": 5, "values": {}}', rejection: "invalid", reason: /^ts: / },
    {
      name: "ts is a string",
      text: '{"ts": "10", "interval": 1, "values": {}}',
      rejection: "invalid",
      reason: /^ts: /,
    },
    {
      name: "interval a string",
      text: '{"ts": 1, "interval": "5", "values": {}}',
      rejection: "invalid",
      reason: /^interval: /,
    },
    {
      name: "the simulator's old shape (a number per metric)",
      text: '{"ts": 1, "interval": 1, "values": {"cpu": 8.1}}',
      rejection: "invalid",
      reason: /^values\.cpu: /,
    },
    {
      name: "a field that is not a number",
      text: '{"ts": 1, "interval": 1, "values": {"cpu": {"usage_ratio": "12"}}}',
      rejection: "invalid",
      reason: /^values\.cpu\.usage_ratio: /,
    },
    {
      name: "a badly named field (upper case, control character)",
      text: JSON.stringify({ ts: 1, interval: 1, values: { cpu: { "Bad\u001b[31m": 1 } } }),
      rejection: "invalid",
      reason: /^values\.cpu\."Bad\\u001b\[31m": bad name/,
    },
    {
      name: "1e400 parses as Infinity: refused",
      text: '{"ts": 1, "interval": 1, "values": {"cpu": {"usage_ratio": 1e400}}}',
      rejection: "invalid",
      reason: /usage_ratio/,
    },
    {
      name: "more bytes than the bound, refused before parsing",
      text: JSON.stringify({
        ts: 1,
        interval: 1,
        values: { cpu: { pad: 1 } },
        x: "y".repeat(MAX_SAMPLE_BYTES),
      }),
      rejection: "too_large",
      reason: new RegExp(`limit is ${MAX_SAMPLE_BYTES}`),
    },
    {
      name: "more fields than the bound (the 40,000-field sample of issue 11, scaled to fit the byte bound)",
      text: JSON.stringify({
        ts: 1,
        interval: 1,
        values: {
          m: Object.fromEntries(Array.from({ length: MAX_SAMPLE_FIELDS + 1 }, (_, i) => [`f${i}`, i])),
        },
      }),
      rejection: "too_many_fields",
      reason: new RegExp(`more than ${MAX_SAMPLE_FIELDS} fields`),
    },
  ];
  for (const c of refused) {
    it(`refused: ${c.name}`, () => {
      const r = decodeSample(c.text);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.rejection, c.rejection);
      assert.match(r.reason, c.reason);
    });
  }
});

describe("SampleStore: ordering by revision and receive time, bounds per node", () => {
  const text = (ts: number, values: Record<string, number> = { usage_ratio: 0.5 }) =>
    JSON.stringify({ ts, interval: 1, values: { cpu: values } });

  it("a far-future ts does not freeze the node's window: later samples are still kept", () => {
    const store = new SampleStore(600_000, 100, 50);
    assert.equal(store.accept("n", text(10 ** 10), 5, 1_000).ok, true); // year 2286
    assert.equal(store.accept("n", text(2), 6, 2_000).ok, true);
    assert.deepEqual(
      store
        .get("n")
        ?.since(0)
        .map((s) => s.t),
      [1_000, 2_000],
    );
  });

  it("a host clock stepping back does not freeze it either", () => {
    const store = new SampleStore(600_000, 100, 50);
    for (const [ts, rev, now] of [
      [100, 2, 1_000],
      [50, 3, 2_000],
      [51, 4, 3_000],
    ] as const) {
      assert.equal(store.accept("n", text(ts), rev, now).ok, true);
    }
    assert.equal(store.get("n")?.size, 3);
  });

  it("a re-list repeats the same revision: a duplicate, not a new point", () => {
    const store = new SampleStore();
    assert.equal(store.accept("n", text(1), 7, 1_000).ok, true);
    assert.deepEqual(store.accept("n", text(1), 7, 2_000), { ok: false, duplicate: true });
    assert.equal(store.get("n")?.size, 1);
  });

  it("the manager's own clock stepping back still keeps the window ordered", () => {
    const store = new SampleStore();
    store.accept("n", text(1), 1, 5_000);
    store.accept("n", text(2), 2, 4_000);
    assert.deepEqual(
      store
        .get("n")
        ?.since(0)
        .map((s) => s.t),
      [5_000, 5_001],
    );
  });

  it("distinct names per node are bounded; over it the sample is refused and nothing is kept", () => {
    const store = new SampleStore(600_000, 100, 3);
    assert.equal(store.accept("n", text(1, { a: 1, b: 2 }), 1, 1).ok, true);
    assert.equal(store.accept("n", text(2, { a: 1, c: 2 }), 2, 2).ok, true);
    const r = store.accept("n", text(3, { d: 1 }), 3, 3);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && !r.duplicate && r.rejection, "too_many_names");
    assert.equal(store.get("n")?.size, 2);
    // Another node has its own budget; forgetting a node resets its budget.
    assert.equal(store.accept("m", text(1, { x: 1, y: 1, z: 1 }), 4, 4).ok, true);
    store.forget("n");
    assert.equal(store.get("n"), undefined);
    assert.equal(store.accept("n", text(4, { d: 1 }), 5, 5).ok, true);
  });
});

const sample = (t: number, v = 0): MetricSample => ({ t, interval: 1, values: { "cpu.usage_ratio": v } });
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

  it("gives back each sample as it was added, when the metric list changes mid-window too", () => {
    const ring = new SampleRing(10_000, 100);
    const added: MetricSample[] = [
      { t: 1000, interval: 1, values: { "cpu.usage_ratio": 0.25, "memory.used_bytes": 5_000_000_000 } },
      { t: 2000, interval: 1, values: { "cpu.usage_ratio": 0.5 } },
      { t: 3000, interval: 5, values: { "cpu.usage_ratio": 0, "load.load1": 1.5, "memory.used_bytes": 7 } },
      { t: 4000, interval: 5, values: {} },
    ];
    for (const s of added) ring.add(s, s.t);
    assert.deepEqual(ring.since(0), added);
    assert.equal(ring.latest, added[3]);
    // The window moves past the samples that held memory and load: they leave with them.
    ring.trim(13_500);
    assert.deepEqual(ring.since(0), [added[3]]);
    ring.add({ t: 14_000, interval: 5, values: { "disk_io.read_bytes": 3 } }, 14_000);
    assert.deepEqual(
      ring.since(0).map((s) => s.values),
      [{}, { "disk_io.read_bytes": 3 }],
    );
  });
});
