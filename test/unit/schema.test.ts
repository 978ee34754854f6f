import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeConfig, mergeConfig, sameConfig } from "../../src/shared/config-merge.ts";
import {
  BUILTIN_DEFAULT_CONFIG,
  type ConfigOverride,
  type EffectiveConfig,
  MAX_CONFIG_BYTES,
  METRIC_NAMES,
  parseConfigText,
  parseHeartbeat,
  validateConfig,
} from "../../src/shared/schema.ts";
import { badConfigs, goodConfigs } from "./config-vectors.ts";

function reasonOf(text: string): string {
  const result = parseConfigText(text);
  assert.equal(result.ok, false, `expected ${text.slice(0, 80)} to be rejected`);
  return result.ok ? "" : result.reason;
}

describe("parseConfigText: rejected values name the field or rule", () => {
  for (const c of badConfigs) {
    test(c.name, () => {
      assert.match(reasonOf(c.text), c.reason);
    });
  }

  test("a value with two problems reports both", () => {
    const reason = reasonOf('{"interval": "abc", "metrics": "x"}');
    assert.match(reason, /interval: /);
    assert.match(reason, /metrics: /);
  });

  test("the unknown-metric reason lists every known metric", () => {
    const reason = reasonOf('{"metrics": ["gpu"]}');
    for (const m of METRIC_NAMES) assert.ok(reason.includes(m), `${m} missing from: ${reason}`);
  });

  test("a long bad string is shortened in the reason", () => {
    const reason = reasonOf(JSON.stringify({ interval: "x".repeat(1000) }));
    assert.ok(reason.length < 200, reason);
  });

  test("the size check runs before parsing (a huge non-JSON value is rejected for its size)", () => {
    assert.match(reasonOf("x".repeat(MAX_CONFIG_BYTES + 10)), /limit is 65536/);
  });

  // The reason must describe what was found; today zod 4 does not put `input` on the final
  // issue, so the top-level "got ..." always says "nothing".
  const topLevel: Array<{ text: string; got: string }> = [
    { text: "[10]", got: "a list" },
    { text: "null", got: "null" },
    { text: '"interval"', got: '"interval"' },
    { text: "10", got: "10" },
  ];
  for (const c of topLevel) {
    test(`a top-level ${c.text} is described as "${c.got}" in the reason`, () => {
      assert.match(reasonOf(c.text), new RegExp(`\\(got ${c.got.replace(/[[\]"]/g, "\\$&")}\\)`));
    });
  }
});

describe("parseConfigText / validateConfig: accepted values", () => {
  for (const c of goodConfigs) {
    test(c.name, () => {
      const result = parseConfigText(c.text);
      assert.deepEqual(result, { ok: true, value: c.value });
    });
  }

  test("validateConfig accepts an already-parsed object and rejects a non-object", () => {
    assert.deepEqual(validateConfig({ interval: 4 }), { ok: true, value: { interval: 4 } });
    assert.equal(validateConfig(undefined).ok, false);
    assert.equal(validateConfig([]).ok, false);
    assert.equal(validateConfig({ interval: Number.NaN }).ok, false);
    assert.equal(validateConfig({ interval: Number.POSITIVE_INFINITY }).ok, false);
  });

  test("an explicit undefined field counts as absent", () => {
    assert.deepEqual(validateConfig({ interval: undefined, metrics: ["cpu"] }).ok, true);
  });
});

describe("parseHeartbeat", () => {
  const cases: Array<{ text: string; expected: unknown }> = [
    { text: '{"status":"alive","ts":1}', expected: { status: "alive", ts: 1 } },
    { text: '{"status":"leaving","ts":2}', expected: { status: "leaving", ts: 2 } },
    // Anything may be added to the object; status and ts stay (unknown fields are dropped).
    { text: '{"status":"alive","ts":3,"pid":42}', expected: { status: "alive", ts: 3 } },
    {
      text: '{"status":"alive","ts":3,"config":{"nodeRevision":1,"defaultRevision":0,"interval":5,"metrics":["cpu"]}}',
      expected: {
        status: "alive",
        ts: 3,
        config: { nodeRevision: 1, defaultRevision: 0, interval: 5, metrics: ["cpu"] },
      },
    },
    // The ack is decoded too: a wrong-typed one makes the whole value unknown (issue 11).
    { text: '{"status":"alive","ts":1,"config":{"metrics":5}}', expected: undefined },
    { text: '{"status":"alive","ts":3,"config":{"nodeRevision":1}}', expected: undefined },
    {
      text: '{"status":"alive","ts":1,"config":{"nodeRevision":1,"defaultRevision":0,"interval":5,"metrics":["cpu"],"rejected":{"key":"k","revision":"x","reason":"r"}}}',
      expected: undefined,
    },
    { text: '{"status":"alive","ts":1e300}', expected: undefined },
    { text: '{"status":"dead","ts":1}', expected: undefined },
    { text: '{"status":"ALIVE","ts":1}', expected: undefined },
    { text: '{"status":"alive"}', expected: undefined },
    { text: '{"ts":1}', expected: undefined },
    { text: '{"status":"alive","ts":"1"}', expected: undefined },
    { text: "[]", expected: undefined },
    { text: "null", expected: undefined },
    { text: "alive", expected: undefined },
    { text: "", expected: undefined },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.text)} -> ${c.expected === undefined ? "undefined" : "heartbeat"}`, () => {
      assert.deepEqual(parseHeartbeat(c.text), c.expected);
    });
  }
});

describe("mergeConfig: built-in <- fleet default <- node override", () => {
  const builtin: EffectiveConfig = { interval: 10, metrics: ["cpu", "memory"] };
  const cases: Array<{
    name: string;
    fleet: ConfigOverride | undefined;
    node: ConfigOverride | undefined;
    expected: EffectiveConfig;
  }> = [
    { name: "nothing stored: built-in", fleet: undefined, node: undefined, expected: builtin },
    { name: "empty objects: built-in", fleet: {}, node: {}, expected: builtin },
    {
      name: "fleet default interval only",
      fleet: { interval: 30 },
      node: undefined,
      expected: { interval: 30, metrics: ["cpu", "memory"] },
    },
    {
      name: "fleet default metrics only",
      fleet: { metrics: ["load"] },
      node: undefined,
      expected: { interval: 10, metrics: ["load"] },
    },
    {
      name: "node override beats fleet default for the field it names",
      fleet: { interval: 30, metrics: ["load"] },
      node: { interval: 2 },
      expected: { interval: 2, metrics: ["load"] },
    },
    {
      name: "node metrics with fleet interval",
      fleet: { interval: 30, metrics: ["load"] },
      node: { metrics: ["network", "disk_io"] },
      expected: { interval: 30, metrics: ["network", "disk_io"] },
    },
    {
      name: "node override alone",
      fleet: undefined,
      node: { interval: 5, metrics: ["memory"] },
      expected: { interval: 5, metrics: ["memory"] },
    },
    {
      name: "node override without interval falls through to built-in interval",
      fleet: {},
      node: { metrics: ["cpu"] },
      expected: { interval: 10, metrics: ["cpu"] },
    },
    {
      name: "empty node metrics list is allowed and wins",
      fleet: { metrics: ["load"] },
      node: { metrics: [] },
      expected: { interval: 10, metrics: [] },
    },
    {
      name: "empty fleet metrics list wins over built-in",
      fleet: { metrics: [] },
      node: { interval: 3 },
      expected: { interval: 3, metrics: [] },
    },
    {
      name: "full node override wins over full fleet default",
      fleet: { interval: 60, metrics: ["load", "network"] },
      node: { interval: 1, metrics: ["process_count"] },
      expected: { interval: 1, metrics: ["process_count"] },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(mergeConfig(c.fleet, c.node, builtin), c.expected);
    });
  }

  test("without a built-in argument the lab default (10 s, cpu + memory) applies", () => {
    assert.deepEqual(mergeConfig(undefined, undefined), { interval: 10, metrics: ["cpu", "memory"] });
    assert.deepEqual(mergeConfig(undefined, undefined), BUILTIN_DEFAULT_CONFIG);
  });

  test("the result does not share its metrics list with any input", () => {
    const node: ConfigOverride = { metrics: ["cpu"] };
    const merged = mergeConfig(undefined, node);
    merged.metrics.push("load");
    assert.deepEqual(node.metrics, ["cpu"]);
    const fromBuiltin = mergeConfig(undefined, undefined);
    fromBuiltin.metrics.push("load");
    assert.deepEqual(BUILTIN_DEFAULT_CONFIG.metrics, ["cpu", "memory"]);
  });
});

describe("sameConfig", () => {
  const a: EffectiveConfig = { interval: 10, metrics: ["cpu", "memory"] };
  const cases: Array<{ name: string; b: EffectiveConfig; same: boolean }> = [
    { name: "equal copy", b: { interval: 10, metrics: ["cpu", "memory"] }, same: true },
    { name: "other interval", b: { interval: 11, metrics: ["cpu", "memory"] }, same: false },
    { name: "fewer metrics", b: { interval: 10, metrics: ["cpu"] }, same: false },
    { name: "more metrics", b: { interval: 10, metrics: ["cpu", "memory", "load"] }, same: false },
    { name: "no metrics", b: { interval: 10, metrics: [] }, same: false },
    { name: "other metric", b: { interval: 10, metrics: ["cpu", "load"] }, same: false },
    // Order decides the output order of a collection run, so it counts as a change.
    { name: "same metrics in another order", b: { interval: 10, metrics: ["memory", "cpu"] }, same: false },
  ];
  for (const c of cases) {
    test(`${c.name} -> ${c.same}`, () => {
      assert.equal(sameConfig(a, c.b), c.same);
      assert.equal(sameConfig(c.b, a), c.same, "symmetric");
    });
  }

  test("describeConfig names interval and metrics", () => {
    const text = describeConfig({ interval: 7, metrics: ["cpu", "disk_io"] });
    assert.match(text, /7s/);
    assert.match(text, /cpu, disk_io/);
  });
});
