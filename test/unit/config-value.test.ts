// The agent decodes its config with hand checks (shared/config-value.ts), the manager and CLI
// with zod (shared/schema.ts). Both must accept and refuse the same values with the same
// sentence and field: every vector of schema.test.ts, edge cases of zod's order of checks,
// and a few thousand generated values go through both.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkConfig, checkConfigText } from "../../src/shared/config-value.ts";
import { METRIC_NAMES, parseConfigText, validateConfig } from "../../src/shared/schema.ts";
import { badConfigs, goodConfigs } from "./config-vectors.ts";

function assertSameAnswer(text: string): void {
  assert.deepEqual(checkConfigText(text), parseConfigText(text), `for ${text.slice(0, 200)}`);
}

describe("config-value.ts and the zod schema give the same answer", () => {
  test("every value schema.test.ts refuses, with the same reason", () => {
    for (const c of badConfigs) {
      const result = checkConfigText(c.text);
      assert.equal(result.ok, false, c.name);
      if (!result.ok) assert.match(result.reason, c.reason, c.name);
      assertSameAnswer(c.text);
    }
  });

  test("every value schema.test.ts accepts, with the same decoded value", () => {
    for (const c of goodConfigs) {
      assert.deepEqual(checkConfigText(c.text), { ok: true, value: c.value }, c.name);
      assertSameAnswer(c.text);
    }
  });

  // Where zod stops or goes on after a problem decides what the sentence lists.
  const edges = [
    '{"interval": 0.5}', // a fraction below the minimum: only "whole number"
    '{"interval": -0.5}',
    '{"interval": 86400.5}',
    '{"interval": 1e300}', // whole but not exact: "whole number" and "at most"
    '{"interval": -1e300}',
    '{"interval": 1e400}', // JSON.parse gives Infinity
    '{"interval": -1e400}',
    '{"interval": -0}',
    '{"interval": 9007199254740993}',
    '{"interval": true}',
    `{"interval": "${"x".repeat(60)}"}`,
    '{"interval": "\\u0000\\u001b[2J"}',
    '{"metrics": ["gpu", "gpu"]}',
    '{"metrics": ["cpu", "cpu", "gpu"]}', // an unknown name hides the duplicate
    '{"metrics": ["gpu", 1, null, true, {}, []]}',
    '{"metrics": ["cpu", "cpu"]}',
    '{"metrics": null}',
    '{"z": 1, "interval": "a", "metrics": 5, "y": 2}', // interval, metrics, then unknown fields
    '{"interval": 0.5, "z": 1, "metrics": ["cpu", "cpu"]}',
    '{"z": 1, "interval": 5}',
    '{"__proto__": {"interval": 5}, "constructor": 1}',
    '{"interval": null, "metrics": null}',
    '{"interval": 5, "interval": "x"}', // JSON keeps the last
    '{"toString": 1}',
    "{}",
    "[]",
    '"x"',
    "1e400",
    "false",
  ];
  for (const text of edges) test(text.slice(0, 60), () => assertSameAnswer(text));

  test("already-parsed values: undefined and non-objects are refused alike", () => {
    for (const value of [undefined, null, [], "a".repeat(50), 3, Number.NaN]) {
      assert.deepEqual(checkConfig(value), validateConfig(value));
    }
  });

  test("4,000 generated values", () => {
    // A small seeded generator (no dependency): the same values every run.
    let seed = 13;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const numbers = [0, 1, 2, 10, 86_400, 86_401, -1, 0.5, 1.5, 1e21, -1e21, 1e308, 3.000_000_1];
    const scalars: unknown[] = [...numbers, null, true, false, "", "10", "cpu", "GPU", "é\n"];
    const names = [...METRIC_NAMES, "gpu", "CPU", "", 1, null, ["cpu"], { cpu: 1 }];
    const value = (depth: number): unknown => {
      const r = next();
      if (depth > 1 || r < 0.6) return pick(scalars);
      if (r < 0.8) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      return { a: value(depth + 1) };
    };
    for (let i = 0; i < 4000; i++) {
      const config: Record<string, unknown> = {};
      if (next() < 0.7) config.interval = next() < 0.6 ? pick(numbers) : value(0);
      if (next() < 0.7)
        config.metrics =
          next() < 0.7 ? Array.from({ length: Math.floor(next() * 5) }, () => pick(names)) : value(0);
      if (next() < 0.2) config[pick(["intervall", "metric", "x", "__proto__", "Interval"])] = value(0);
      const text = next() < 0.05 ? JSON.stringify(value(0)) : JSON.stringify(config);
      assertSameAnswer(text);
    }
  });
});
