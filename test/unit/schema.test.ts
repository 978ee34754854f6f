import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeConfig, mergeConfig, sameConfig } from "../../src/shared/config-merge.ts";
import {
  BUILTIN_DEFAULT_CONFIG,
  type ConfigOverride,
  type EffectiveConfig,
  MAX_CONFIG_BYTES,
  MAX_INTERVAL_S,
  METRIC_NAMES,
  parseConfigText,
  parseHeartbeat,
  validateConfig,
} from "../../src/shared/schema.ts";

function reasonOf(text: string): string {
  const result = parseConfigText(text);
  assert.equal(result.ok, false, `expected ${text.slice(0, 80)} to be rejected`);
  return result.ok ? "" : result.reason;
}

/** Pads a JSON object with spaces to exactly `bytes` UTF-8 bytes. */
const padded = (json: string, bytes: number) => json.replace("{", `{${" ".repeat(bytes - json.length)}`);

const badConfigs: Array<{ name: string; text: string; reason: RegExp }> = [
  { name: "not JSON", text: "interval=10", reason: /not valid JSON/ },
  { name: "empty text", text: "", reason: /not valid JSON/ },
  { name: "truncated JSON", text: '{"interval": 10', reason: /not valid JSON/ },
  { name: "trailing comma", text: '{"interval": 10,}', reason: /not valid JSON/ },
  { name: "JSON array", text: "[10]", reason: /must be a JSON object/ },
  { name: "JSON null", text: "null", reason: /must be a JSON object/ },
  { name: "JSON string", text: '"interval"', reason: /must be a JSON object/ },
  { name: "JSON number", text: "10", reason: /must be a JSON object/ },
  { name: "JSON boolean", text: "true", reason: /must be a JSON object/ },
  { name: "interval as a string", text: '{"interval": "10"}', reason: /^interval: must be a number.*"10"/ },
  { name: "interval null", text: '{"interval": null}', reason: /^interval: must be a number/ },
  { name: "interval float", text: '{"interval": 1.5}', reason: /^interval: must be a whole number.*1\.5/ },
  { name: "interval 0", text: '{"interval": 0}', reason: /^interval: must be at least 1/ },
  { name: "interval negative", text: '{"interval": -5}', reason: /^interval: must be at least 1.*-5/ },
  { name: "interval 86401", text: '{"interval": 86401}', reason: /^interval: must be at most 86400/ },
  { name: "interval huge", text: '{"interval": 1e300}', reason: /interval: must be at most 86400/ },
  { name: "interval an object", text: '{"interval": {"s": 10}}', reason: /^interval: must be a number/ },
  { name: "interval a list", text: '{"interval": [10]}', reason: /^interval: must be a number.*a list/ },
  { name: "metrics a string", text: '{"metrics": "cpu"}', reason: /^metrics: must be a list/ },
  { name: "metrics an object", text: '{"metrics": {"0": "cpu"}}', reason: /^metrics: must be a list/ },
  {
    name: "unknown metric",
    text: '{"metrics": ["cpu", "gpu"]}',
    reason: /^metrics\[1\]: unknown metric "gpu"/,
  },
  { name: "metric wrong case", text: '{"metrics": ["CPU"]}', reason: /^metrics\[0\]: unknown metric "CPU"/ },
  { name: "metric a number", text: '{"metrics": [1]}', reason: /^metrics\[0\]: unknown metric/ },
  { name: "metric null", text: '{"metrics": [null]}', reason: /^metrics\[0\]: unknown metric/ },
  { name: "nested metric list", text: '{"metrics": [["cpu"]]}', reason: /^metrics\[0\]: unknown metric/ },
  { name: "duplicate metric", text: '{"metrics": ["cpu", "memory", "cpu"]}', reason: /more than once/ },
  { name: "unknown field intervall", text: '{"intervall": 10}', reason: /unknown field "intervall"/ },
  { name: "two unknown fields", text: '{"a": 1, "b": 2}', reason: /unknown fields "a", "b"/ },
  { name: "__proto__ field", text: '{"__proto__": {"interval": 5}}', reason: /unknown field "__proto__"/ },
  {
    name: "nested garbage",
    text: '{"interval": {"nested": [1, {"deep": null}]}, "metrics": [{"x": 1}], "z": []}',
    reason: /interval: .*metrics\[0\]: |unknown field "z"/,
  },
  {
    name: "one byte over 64 KiB",
    text: padded('{"interval": 10}', MAX_CONFIG_BYTES + 1),
    reason: /65537 bytes.*limit is 65536/,
  },
  {
    name: "oversized by multi-byte characters (counted in bytes, not characters)",
    text: `{"metrics": ["${"é".repeat(MAX_CONFIG_BYTES / 2)}"]}`,
    reason: /bytes; the limit is 65536/,
  },
];

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

const goodConfigs: Array<{ name: string; text: string; value: ConfigOverride }> = [
  {
    name: "full config",
    text: '{"interval": 5, "metrics": ["cpu", "disk_io"]}',
    value: { interval: 5, metrics: ["cpu", "disk_io"] },
  },
  { name: "empty object (no override)", text: "{}", value: {} },
  { name: "interval only", text: '{"interval": 2}', value: { interval: 2 } },
  { name: "metrics only", text: '{"metrics": ["memory"]}', value: { metrics: ["memory"] } },
  { name: "empty metrics list", text: '{"metrics": []}', value: { metrics: [] } },
  { name: "minimum interval", text: '{"interval": 1}', value: { interval: 1 } },
  { name: "maximum interval", text: `{"interval": ${MAX_INTERVAL_S}}`, value: { interval: MAX_INTERVAL_S } },
  { name: "exponent notation that is a whole number", text: '{"interval": 1e3}', value: { interval: 1000 } },
  { name: "10.0 is a whole number", text: '{"interval": 10.0}', value: { interval: 10 } },
  { name: "surrounding whitespace and newlines", text: '\n  {"interval": 3}\n', value: { interval: 3 } },
  {
    name: "every known metric",
    text: JSON.stringify({ metrics: METRIC_NAMES }),
    value: { metrics: [...METRIC_NAMES] },
  },
  {
    name: "exactly 64 KiB",
    text: padded('{"interval": 7}', MAX_CONFIG_BYTES),
    value: { interval: 7 },
  },
];

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
