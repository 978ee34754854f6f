import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import { decodeJson } from "../../src/shared/decode.ts";
import { escapeControl, escapeControlLines, hasControl } from "../../src/shared/escape.ts";
import { type InvalidValueReport, InvalidValues, invalidValueLine } from "../../src/shared/invalid-values.ts";

describe("escapeControl", () => {
  const cases: [string, string][] = [
    ["plain text", "plain text"],
    ["\x1b[31m[-] Node web-1 is DEAD\x1b[0m", "\\x1b[31m[-] Node web-1 is DEAD\\x1b[0m"],
    ["a\nb\rc\td", "a\\x0ab\\x0dc\\x09d"],
    ["bell\x07 del\x7f csi\x9b", "bell\\x07 del\\x7f csi\\x9b"],
    ["rtl\u202eevil", "rtl\\u202eevil"],
    ["line\u2028sep", "line\\u2028sep"],
    ["héllo ✓ 日本", "héllo ✓ 日本"],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => {
      assert.equal(escapeControl(input), expected);
      assert.equal(hasControl(escapeControl(input)), false);
    });
  }
  test("escapeControlLines keeps the newlines between lines and nothing else", () => {
    assert.equal(escapeControlLines("a\x1b\nb\r"), "a\\x1b\nb\\x0d");
  });
  test("hasControl finds them (and is not fooled by a global regex's state)", () => {
    assert.equal(hasControl("x\x1by"), true);
    assert.equal(hasControl("x\x1by"), true);
    assert.equal(hasControl("xy"), false);
  });
});

describe("InvalidValues: report once, count per revision", () => {
  const report = (key: string, reason: string, revision?: number): InvalidValueReport => ({
    kind: "heartbeat",
    key,
    reason,
    revision,
  });

  test("the same key, revision and reason is told and counted once", () => {
    const values = new InvalidValues();
    const told: InvalidValueReport[] = [];
    values.subscribe((r) => told.push(r));
    assert.equal(values.report(report("/k", "bad", 5)), true);
    assert.equal(values.report(report("/k", "bad", 5)), false);
    assert.equal(told.length, 1);
    assert.equal(values.counts().get("heartbeat"), 1);
  });

  test("a new revision with the same reason is counted but not told again", () => {
    const values = new InvalidValues();
    const told: InvalidValueReport[] = [];
    values.subscribe((r) => told.push(r));
    values.report(report("/k", "bad", 5));
    values.report(report("/k", "bad", 6));
    assert.equal(told.length, 1);
    assert.equal(values.counts().get("heartbeat"), 2);
  });

  test("a new reason is told; clear() makes the next bad value news", () => {
    const values = new InvalidValues();
    const told: InvalidValueReport[] = [];
    values.subscribe((r) => told.push(r));
    values.report(report("/k", "bad", 5));
    values.report(report("/k", "worse", 6));
    values.clear("/k");
    values.report(report("/k", "worse", 7));
    assert.deepEqual(
      told.map((r) => r.reason),
      ["bad", "worse", "worse"],
    );
  });

  test("memory is bounded: the oldest key is forgotten", () => {
    const values = new InvalidValues(2);
    const told: string[] = [];
    values.subscribe((r) => told.push(r.key));
    for (const key of ["/a", "/b", "/c", "/a"]) values.report(report(key, "bad", 1));
    assert.deepEqual(told, ["/a", "/b", "/c", "/a"]);
  });

  test("every kind is counted from 0; a throwing listener does not escape", () => {
    const values = new InvalidValues();
    values.subscribe(() => {
      throw new Error("stdout closed");
    });
    assert.equal(values.report({ kind: "leader", key: "/monitor/leader", reason: "x" }), true);
    assert.equal(values.counts().get("leader"), 1);
    assert.equal(values.counts().get("config-history"), 0);
  });

  test("the console line escapes and clips what came from etcd", () => {
    const line = invalidValueLine({
      kind: "heartbeat",
      key: "/monitor/heartbeat/x",
      revision: 7,
      reason: `config.rejected.reason: \x1b[31mred${"x".repeat(1000)}`,
    });
    assert.equal(hasControl(line), false);
    assert.match(line, /^\[!\] Ignoring heartbeat value at \/monitor\/heartbeat\/x \(revision 7\): config/);
    assert.ok(line.length < 700, `clipped: ${line.length}`);
  });
});

describe("decodeJson", () => {
  const schema = z.strictObject({ n: z.number() });
  test("decodes", () => assert.deepEqual(decodeJson(schema, '{"n":1}'), { ok: true, value: { n: 1 } }));
  test("names the field and the problem", () => {
    const r = decodeJson(schema, '{"n":"x","zz":1}');
    assert.equal(r.ok, false);
    assert.match(r.ok ? "" : r.reason, /n: .*number/);
    assert.match(r.ok ? "" : r.reason, /unknown field "zz"/);
  });
  test("not JSON, too big", () => {
    assert.match((decodeJson(schema, "{") as { reason: string }).reason, /^not valid JSON/);
    assert.match((decodeJson(schema, '{"n":1}', 3) as { reason: string }).reason, /over 3 bytes/);
  });
});
