// Stored config values and what decoding them must say: run through the manager's zod
// decoder (schema.test.ts) and the agent's hand checks (config-value.test.ts).
import {
  type ConfigOverride,
  MAX_CONFIG_BYTES,
  MAX_INTERVAL_S,
  METRIC_NAMES,
} from "../../src/shared/schema.ts";

/** Pads a JSON object with spaces to exactly `bytes` UTF-8 bytes. */
export const padded = (json: string, bytes: number) =>
  json.replace("{", `{${" ".repeat(bytes - json.length)}`);

export const badConfigs: Array<{ name: string; text: string; reason: RegExp }> = [
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

export const goodConfigs: Array<{ name: string; text: string; value: ConfigOverride }> = [
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
