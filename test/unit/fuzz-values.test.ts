import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FAMILIES, fuzzBatch, HUGE_VALUE_BYTES, prng } from "../fuzz/values.ts";

describe("fuzz value generator", () => {
  test("the same seed gives the same cases; another seed others", () => {
    assert.deepEqual(fuzzBatch(42, 200), fuzzBatch(42, 200));
    assert.notDeepEqual(fuzzBatch(42, 200), fuzzBatch(43, 200));
  });

  test("prng stays in [0, 1)", () => {
    const rng = prng(7);
    for (let i = 0; i < 10_000; i++) {
      const x = rng();
      assert.ok(x >= 0 && x < 1, String(x));
    }
  });

  test("every family is covered and every key is under /monitor/", () => {
    const cases = fuzzBatch(1, 2000, ["real-1"]);
    assert.deepEqual(new Set(cases.map((c) => c.family)), new Set(FAMILIES));
    for (const c of cases) assert.ok(c.key.startsWith("/monitor/"), c.key);
    assert.ok(
      cases.some((c) => c.key.endsWith("/real-1")),
      "the protected nodes' own keys are hit too",
    );
    assert.ok(cases.some((c) => c.key === "/monitor/config/_default"));
  });

  test("adversarial classes all occur: non-JSON, wrong types, control chars, out-of-range, huge", () => {
    const cases = fuzzBatch(2, 3000);
    const parses = (v: string) => {
      try {
        JSON.parse(v);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(
      cases.some((c) => !parses(c.value)),
      "non-JSON",
    );
    assert.ok(
      cases.some((c) => parses(c.value) && Array.isArray(JSON.parse(c.value))),
      "arrays",
    );
    assert.ok(
      cases.some((c) => c.value.includes("\\u001b") || c.value.includes("\u001b")),
      "ESC",
    );
    assert.ok(
      cases.some((c) => c.value.includes("1e999") || c.value.includes("1e300")),
      "out of range",
    );
    assert.ok(
      cases.some((c) => c.value.length > HUGE_VALUE_BYTES),
      "huge",
    );
    assert.ok(
      cases.every((c) => c.value.length < 1024 * 1024),
      "within etcd's request limit",
    );
  });
});
