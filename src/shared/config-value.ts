// A stored config value (`/monitor/config/<node>` or `_default`) checked by hand, without zod,
// because the agent runs on every machine and zod is ~7 MB and 150-300 ms of its start
// (bench/RESULTS.md section 8). The manager and the CLI decode the same value with zod
// (ConfigOverrideSchema in schema.ts), built from the sentences below; test/unit/config-value.test.ts
// runs every case through both and requires the same answer, word for word.
// test/unit/agent-imports.test.ts keeps zod off the agent's start.
import { METRIC_NAMES, type MetricName } from "./metric-descriptors.ts";

export const MIN_INTERVAL_S = 1;
export const MAX_INTERVAL_S = 86_400;
/** etcd's default request limit is 1.5 MiB; a config is far smaller, and a bound stops garbage early. */
export const MAX_CONFIG_BYTES = 64 * 1024;
/** Bounds of what an agent reports; the agent clips its rejection reason to MAX_ACK_REASON. */
export const MAX_ACK_REASON = 1000;

/**
 * What a person or the manager stores in `/monitor/config/<node>` or `_default`.
 * Every field is optional: a partial override changes only the fields it names.
 */
export interface ConfigOverride {
  interval?: number;
  metrics?: MetricName[];
}

/** The configuration an agent actually runs with. */
export interface EffectiveConfig {
  interval: number;
  metrics: MetricName[];
}

/** The lab's behaviour when no config exists. */
export const BUILTIN_DEFAULT_CONFIG: EffectiveConfig = Object.freeze({
  interval: 10,
  metrics: ["cpu", "memory"],
}) as EffectiveConfig;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string; field?: string };

/** The fields a config may have; any other is refused so a typo (`intervall`) is not ignored. */
export const CONFIG_FIELDS = ["interval", "metrics"] as const;

/** The sentences a refused config is described with, shared by both decoders. */
export const configMessages = {
  notObject: (got: unknown) =>
    `config must be a JSON object like {"interval": 10, "metrics": ["cpu"]} (got ${describeValue(got)})`,
  unknownFields: (keys: readonly string[]) =>
    `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")} (allowed: ${CONFIG_FIELDS.join(", ")})`,
  intervalNotNumber: (got: unknown) => `must be a number of seconds (got ${describeValue(got)})`,
  intervalNotWhole: (got: unknown) => `must be a whole number of seconds (got ${describeValue(got)})`,
  intervalTooSmall: (got: unknown) => `must be at least ${MIN_INTERVAL_S} (got ${describeValue(got)})`,
  intervalTooLarge: (got: unknown) => `must be at most ${MAX_INTERVAL_S} (got ${describeValue(got)})`,
  metricsNotList: (got: unknown) => `must be a list of metric names (got ${describeValue(got)})`,
  unknownMetric: (got: unknown) =>
    `unknown metric ${describeValue(got)}; known metrics: ${METRIC_NAMES.join(", ")}`,
  duplicateMetric: "lists a metric more than once",
};

/** A stored value as a reason shows it: short, JSON-quoted strings (so no raw control character). */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

/** The size and JSON checks of a config value, before its fields are looked at. */
export function decodeConfigJson(text: string): ParseResult<unknown> {
  const size = Buffer.byteLength(text, "utf8");
  if (size > MAX_CONFIG_BYTES) {
    return { ok: false, reason: `value is ${size} bytes; the limit is ${MAX_CONFIG_BYTES}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reason: `not valid JSON (${(err as Error).message})` };
  }
}

/** The agent's decode of a stored config value: size, JSON, then checkConfig. */
export function checkConfigText(text: string): ParseResult<ConfigOverride> {
  const json = decodeConfigJson(text);
  return json.ok ? checkConfig(json.value) : json;
}

/** One problem: where (`interval`, `metrics[1]`, "" for the whole value) and what. */
interface Problem {
  where: string;
  message: string;
}

/**
 * The same answer as schema.ts's validateConfig (zod) for any JSON value: every problem in
 * the order zod finds them (interval, metrics, then unknown fields), joined by "; ", and
 * `field` naming the first.
 */
export function checkConfig(value: unknown): ParseResult<ConfigOverride> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: configMessages.notObject(value) };
  }
  const input = value as Record<string, unknown>;
  const problems: Problem[] = [];
  const out: ConfigOverride = {};
  if (input.interval !== undefined) {
    const found = intervalProblems(input.interval);
    if (found.length === 0) out.interval = input.interval as number;
    for (const message of found) problems.push({ where: "interval", message });
  }
  if (input.metrics !== undefined) {
    const found = metricsProblems(input.metrics);
    if (found.length === 0) out.metrics = [...(input.metrics as MetricName[])];
    problems.push(...found);
  }
  const unknown = Object.keys(input).filter((k) => !(CONFIG_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) problems.push({ where: "", message: configMessages.unknownFields(unknown) });
  if (problems.length === 0) return { ok: true, value: out };
  const first = problems[0] as Problem;
  const field = first.where === "" ? unknown[0] : first.where.replace(/\[.*$/, "");
  return {
    ok: false,
    reason: problems.map((p) => (p.where ? `${p.where}: ${p.message}` : p.message)).join("; "),
    ...(field === undefined ? {} : { field }),
  };
}

function intervalProblems(value: unknown): string[] {
  if (typeof value !== "number" || !Number.isFinite(value)) return [configMessages.intervalNotNumber(value)];
  // Like zod: a fraction stops here; a whole number too large to be exact is reported with its bound.
  if (!Number.isInteger(value)) return [configMessages.intervalNotWhole(value)];
  const problems = Number.isSafeInteger(value) ? [] : [configMessages.intervalNotWhole(value)];
  if (value < MIN_INTERVAL_S) problems.push(configMessages.intervalTooSmall(value));
  if (value > MAX_INTERVAL_S) problems.push(configMessages.intervalTooLarge(value));
  return problems;
}

function metricsProblems(value: unknown): Problem[] {
  if (!Array.isArray(value)) return [{ where: "metrics", message: configMessages.metricsNotList(value) }];
  const known: readonly unknown[] = METRIC_NAMES;
  const problems: Problem[] = [];
  for (let i = 0; i < value.length; i++) {
    const name: unknown = value[i];
    if (typeof name !== "string" || !known.includes(name)) {
      problems.push({ where: `metrics[${i}]`, message: configMessages.unknownMetric(name) });
    }
  }
  // Duplicates are looked for only in a list of known names (zod skips a refinement after an issue).
  if (problems.length === 0 && new Set(value).size !== value.length) {
    problems.push({ where: "metrics", message: configMessages.duplicateMetric });
  }
  return problems;
}
