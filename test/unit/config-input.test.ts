import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globToRegExp, matchNodes } from "../../src/cli/ctl/glob.ts";
import { parseAssignments, parseConfigDocument } from "../../src/config/input.ts";
import {
  batchPlans,
  MAX_TXN_OPS,
  MAX_VERSIONS,
  parseTarget,
  validateOverrideInput,
  versionKey,
  versionRanges,
} from "../../src/config/service.ts";
import { mergeConfig } from "../../src/shared/config-merge.ts";
import { ValidationError } from "../../src/shared/errors.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";
import { MAX_CONFIG_BYTES } from "../../src/shared/schema.ts";

function rejects(fn: () => unknown, pattern: RegExp, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    assert.match(err.message, pattern);
    if (field) assert.equal(err.field, field);
    return true;
  });
}

describe("merge: builtin <- fleet default <- node override", () => {
  const table = [
    { d: undefined, o: undefined, want: { interval: 10, metrics: ["cpu", "memory"] } },
    { d: { interval: 30 }, o: undefined, want: { interval: 30, metrics: ["cpu", "memory"] } },
    {
      d: { interval: 30 },
      o: { metrics: ["disk_io" as const] },
      want: { interval: 30, metrics: ["disk_io"] },
    },
    {
      d: { interval: 30, metrics: ["cpu" as const] },
      o: { interval: 2 },
      want: { interval: 2, metrics: ["cpu"] },
    },
    { d: {}, o: {}, want: { interval: 10, metrics: ["cpu", "memory"] } },
    { d: { metrics: [] }, o: undefined, want: { interval: 10, metrics: [] } },
  ];
  for (const [i, row] of table.entries()) {
    it(`row ${i}`, () => assert.deepEqual(mergeConfig(row.d, row.o), row.want));
  }
});

describe("validateOverrideInput: rejected with field and rule", () => {
  const bad: [string, unknown, RegExp, string][] = [
    ["unknown field", { interval: 5, intervall: 5 }, /unknown field "intervall"/, "intervall"],
    ["string interval", { interval: "5" }, /interval: must be a number/, "interval"],
    ["fractional interval", { interval: 1.5 }, /whole number/, "interval"],
    ["zero interval", { interval: 0 }, /at least 1/, "interval"],
    ["huge interval", { interval: 86_401 }, /at most 86400/, "interval"],
    ["metrics not a list", { metrics: "cpu" }, /metrics: must be a list/, "metrics"],
    ["unknown metric", { metrics: ["cpu", "gpu"] }, /metrics\[1\]: unknown metric "gpu"/, "metrics"],
    ["duplicate metric", { metrics: ["cpu", "cpu"] }, /more than once/, "metrics"],
    ["array value", [1, 2], /must be a JSON object/, "value"],
    ["null value", null, /must be a JSON object/, "value"],
    ["bad JSON text", "{interval: 5", /not valid JSON/, "value"],
    [
      "oversized text",
      JSON.stringify({ interval: 5, pad: "x".repeat(MAX_CONFIG_BYTES) }),
      /limit is 65536/,
      "value",
    ],
    ["oversized object", { metrics: Array(20_000).fill("cpu") }, /limit is 65536/, "value"],
  ];
  for (const [name, input, pattern, field] of bad) {
    it(name, () => rejects(() => validateOverrideInput(input), pattern, field));
  }
  it("accepts a partial override and JSON text", () => {
    assert.deepEqual(validateOverrideInput({ interval: 5 }), { interval: 5 });
    assert.deepEqual(validateOverrideInput('{"metrics":["cpu"]}'), { metrics: ["cpu"] });
    assert.deepEqual(validateOverrideInput({}), {});
  });
});

describe("console assignments: interval=<n> metrics=a,b", () => {
  it("parses both fields", () =>
    assert.deepEqual(parseAssignments(["interval=5", "metrics=cpu,load"]), {
      interval: 5,
      metrics: ["cpu", "load"],
    }));
  it("empty metrics is an empty list", () =>
    assert.deepEqual(parseAssignments(["metrics="]), { metrics: [] }));
  const bad: [string[], RegExp][] = [
    [[], /nothing to set/],
    [["interval"], /expected field=value/],
    [["=5"], /expected field=value/],
    [["intervl=5"], /unknown field "intervl"/],
    [["interval=abc"], /interval: must be a number of seconds \(got "abc"\)/],
    [["interval=-3"], /at least 1/],
    [["interval=2.5"], /whole number/],
    [["interval=1", "interval=2"], /more than once/],
    [["metrics=cpu,gpu"], /unknown metric "gpu"/],
    [["metrics=cpu,cpu"], /more than once/],
  ];
  for (const [words, pattern] of bad)
    it(JSON.stringify(words), () => rejects(() => parseAssignments(words), pattern));
});

describe("config files", () => {
  it("parses YAML and JSON by extension", () => {
    assert.deepEqual(parseConfigDocument("interval: 5\nmetrics: [cpu, load]\n", "a.yaml"), {
      interval: 5,
      metrics: ["cpu", "load"],
    });
    assert.deepEqual(parseConfigDocument('{"interval": 5}', "a.JSON"), { interval: 5 });
  });
  it("rejects unparsable YAML/JSON, unknown extensions and oversized files", () => {
    rejects(() => parseConfigDocument("interval: [5\n", "a.yml"), /a.yml is not valid YAML/);
    rejects(() => parseConfigDocument("{", "a.json"), /a.json is not valid JSON/);
    rejects(() => parseConfigDocument("{}", "a.toml"), /unsupported file type/);
    rejects(() => parseConfigDocument("x".repeat(MAX_CONFIG_BYTES + 1), "a.json"), /limit is 65536/);
    rejects(() => parseConfigDocument("a: &a [1]\nb: *a\n", "a.yaml"), /not valid YAML/);
  });
});

describe("targets, globs, versions, batching", () => {
  it("parseTarget", () => {
    assert.deepEqual(parseTarget("--default"), { kind: "default" });
    assert.deepEqual(parseTarget("_default"), { kind: "default" });
    assert.deepEqual(parseTarget("web-1.eu"), { kind: "node", node: "web-1.eu" });
    rejects(() => parseTarget("a/b"), /contains "\/"/, "node");
    rejects(() => parseTarget(""), /empty/, "node");
    rejects(() => parseTarget("a\u0007"), /control character/, "node");
    rejects(() => parseTarget("x".repeat(300)), /limit is 253/, "node");
  });
  it("globs", () => {
    const names = ["web-1", "web-2", "web-10", "db-1", "web.x"];
    assert.deepEqual(matchNodes("web-*", names), ["web-1", "web-10", "web-2"]);
    assert.deepEqual(matchNodes("web-?", names), ["web-1", "web-2"]);
    assert.deepEqual(matchNodes("*-[12]", names), ["db-1", "web-1", "web-2"]);
    assert.deepEqual(matchNodes("web-[!1]", names), ["web-2"]);
    assert.deepEqual(matchNodes("web.x", ["web.x", "webax"]), ["web.x"]);
    assert.throws(() => globToRegExp("a/b"), ValidationError);
    assert.throws(() => globToRegExp("web-["), ValidationError);
    assert.throws(() => globToRegExp(""), ValidationError);
  });
  it("version keys sort as versions", () => {
    assert.equal(
      versionKey({ kind: "node", node: nodeName("n") }, 7),
      "/monitor/config-history/n/0000000007",
    );
    assert.ok(versionKey({ kind: "default" }, 10) > versionKey({ kind: "default" }, 9));
  });
  it("versionRanges", () => {
    assert.equal(versionRanges([1, 2, 3, 5, 7, 8]), "1-3, 5, 7-8");
    assert.equal(versionRanges([4]), "4");
  });
  it("batches stay within etcd's --max-txn-ops", () => {
    const plans = Array.from({ length: 200 }, () => ({ version: 1 }));
    const batches = batchPlans(plans);
    assert.equal(batches.length, Math.ceil(200 / (MAX_TXN_OPS / 2)));
    assert.equal(batches.flat().length, 200);
    const pruning = batchPlans(Array.from({ length: 100 }, () => ({ version: MAX_VERSIONS + 1 })));
    for (const b of pruning) assert.ok(b.length * 3 <= MAX_TXN_OPS);
  });
});
