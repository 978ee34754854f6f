// The metric descriptor table (src/shared/metric-descriptors.ts) is the one place a metric is
// declared: these tests pin its Prometheus naming conventions and that every producer of samples
// (real collectors, the simulator) emits exactly the fields it declares.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createCollectors } from "../../src/agent/collectors/index.ts";
import { COLLECTORS } from "../../src/agent/collectors/registry.ts";
import { FleetMetrics } from "../../src/manager/http/prom.ts";
import { METRIC_DESCRIPTORS, METRIC_NAMES, promFields } from "../../src/shared/metric-descriptors.ts";
import { decodeSample, encodeSample } from "../../src/shared/sample.ts";
import { SyntheticSampler } from "../../src/sim/synthetic-sample.ts";

const fieldsOf = (name: string) =>
  (METRIC_DESCRIPTORS.find((d) => d.name === name)?.fields ?? []).map((f) => f.field).sort();

describe("Prometheus names follow issue 12's conventions", () => {
  const all = [...promFields().values()];
  for (const spec of all) {
    test(spec.name, () => {
      assert.match(spec.name, /^fleetwatch_node_[a-z][a-z0-9_]*$/);
      assert.doesNotMatch(spec.name, /_pct$|percent/, "ratios are 0-1, named _ratio");
      if (spec.type === "counter") assert.match(spec.name, /_total$/, "a counter ends in _total");
      else assert.doesNotMatch(spec.name, /_total$/, "a gauge never ends in _total");
      assert.doesNotMatch(spec.name, /per_s(econd)?$/, "no pre-computed per-second series");
      const words = spec.name.replace(/\d+$/, "").split("_");
      assert.equal(new Set(words).size, words.length, `a word repeats in ${spec.name}`);
    });
  }
  test("names are unique", () => assert.equal(new Set(all.map((s) => s.name)).size, all.length));
  test("every ratio field is named _ratio and every byte total _bytes_total", () => {
    for (const d of METRIC_DESCRIPTORS) {
      for (const f of d.fields) {
        if (f.unit === "ratio") assert.match(f.field, /_ratio$/, `${d.name}.${f.field}`);
        if (f.unit === "bytes_total") assert.match(f.field, /_bytes_total$/, `${d.name}.${f.field}`);
      }
    }
  });
  test("each format and chart names only declared fields", () => {
    for (const d of METRIC_DESCRIPTORS) {
      const fields = new Set<string>(fieldsOf(d.name));
      for (const [, key] of d.format.matchAll(/\{([a-z0-9_]+)\}/g)) assert.ok(fields.has(key as string), key);
      for (const key of d.chart.fields) assert.ok(fields.has(key), `${d.name} chart: ${key}`);
    }
  });
});

describe("the registry is the one list: every collector has a descriptor and every descriptor a collector", () => {
  test("the table is the registry's descriptors, in order, with unique names", () => {
    assert.deepEqual(
      METRIC_DESCRIPTORS,
      COLLECTORS.map((c) => c.descriptor),
    );
    assert.equal(new Set(METRIC_NAMES).size, COLLECTORS.length);
  });

  test("the agent builds one collector per descriptor, named as its descriptor", () => {
    const collectors = createCollectors({ minWindowMs: 1 });
    assert.deepEqual(Object.keys(collectors), [...METRIC_NAMES]);
    for (const name of METRIC_NAMES) assert.equal(collectors[name].name, name);
  });

  test("the table is plain data: what /api/metric-descriptors serves is the table itself", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(METRIC_DESCRIPTORS)), METRIC_DESCRIPTORS);
  });
});

describe("producers emit exactly the declared fields", () => {
  test("the simulator: every metric, decodable by the manager's contract, counters growing", () => {
    const sampler = new SyntheticSampler();
    const first = sampler.sample(METRIC_NAMES, 10);
    const second = sampler.sample(METRIC_NAMES, 10);
    for (const name of METRIC_NAMES) assert.deepEqual(Object.keys(first[name] ?? {}).sort(), fieldsOf(name));
    const decoded = decodeSample(encodeSample(1_000, 10, first, true));
    assert.equal(decoded.ok, true);
    assert.ok((second.network?.rx_bytes_total ?? 0) >= (first.network?.rx_bytes_total ?? 0));
    const memory = first.memory ?? {};
    assert.ok((memory.used_bytes ?? 0) <= (memory.total_bytes ?? 0));
    assert.ok((memory.used_ratio ?? 2) <= 1 && (first.cpu?.usage_ratio ?? 2) <= 1);
  });

  test("real collectors on this machine", { skip: process.platform !== "linux" }, async () => {
    const collectors = createCollectors({ minWindowMs: 100 });
    for (const name of METRIC_NAMES) {
      assert.deepEqual(Object.keys(await collectors[name].collect()).sort(), fieldsOf(name), name);
    }
  });

  test("the exporter shows every declared Prometheus series of a node, with its type", async () => {
    // Sample series are exported for ALIVE nodes only (test/unit/prom-conventions.test.ts).
    let known = true;
    const metrics = new FleetMetrics(() => ({
      nodes: known
        ? [{ node: "n-1", state: "ALIVE", lastHeartbeat: 1_000, compliance: { status: "in-sync" } }]
        : [],
      leading: true,
      leaderId: "m-1",
      ready: true,
    }));
    const values = new SyntheticSampler().sample(METRIC_NAMES, 10);
    const decoded = decodeSample(encodeSample(1_000, 10, values));
    assert.ok(decoded.ok);
    metrics.observeSample("n-1", { t: 1, interval: 10, values: { ...decoded.value.values, "evil.x": 1 } });
    const text = (await metrics.render()).body;
    for (const spec of promFields().values()) {
      assert.match(text, new RegExp(`^# TYPE ${spec.name} ${spec.type}$`, "m"));
      assert.match(text, new RegExp(`^${spec.name}\\{node="n-1"\\} \\d`, "m"));
    }
    assert.doesNotMatch(text, /evil/, "a node cannot add series the table does not declare");
    metrics.forgetNodeSamples("n-1");
    known = false;
    assert.doesNotMatch((await metrics.render()).body, /node="n-1"/);
  });
});
