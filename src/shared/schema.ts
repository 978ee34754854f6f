// One zod schema for every value fleetwatch stores, shared by agent, manager and CLI,
// so that "valid" means the same thing at every entry point.
import { z } from "zod";
import { METRIC_NAMES, type MetricName } from "./metric-descriptors.ts";

// The metric names come from the descriptor table, the one place a metric is declared.
export { METRIC_NAMES, type MetricName };

export const MIN_INTERVAL_S = 1;
export const MAX_INTERVAL_S = 86_400;
/** etcd's default request limit is 1.5 MiB; a config is far smaller, and a bound stops garbage early. */
export const MAX_CONFIG_BYTES = 64 * 1024;

const intervalSchema = z
  .number({ error: (iss) => `must be a number of seconds (got ${describe(iss.input)})` })
  .int({ error: (iss) => `must be a whole number of seconds (got ${describe(iss.input)})` })
  .min(MIN_INTERVAL_S, { error: (iss) => `must be at least ${MIN_INTERVAL_S} (got ${describe(iss.input)})` })
  .max(MAX_INTERVAL_S, { error: (iss) => `must be at most ${MAX_INTERVAL_S} (got ${describe(iss.input)})` });

const metricsSchema = z
  .array(
    z.enum(METRIC_NAMES, {
      error: (iss) => `unknown metric ${describe(iss.input)}; known metrics: ${METRIC_NAMES.join(", ")}`,
    }),
    { error: (iss) => `must be a list of metric names (got ${describe(iss.input)})` },
  )
  .refine((list) => new Set(list).size === list.length, { error: "lists a metric more than once" });

/**
 * What a person or the manager stores in `/monitor/config/<node>` or `_default`.
 * Every field is optional: a partial override changes only the fields it names.
 * Unknown fields are rejected so a typo (`intervall`) is not silently ignored.
 */
export const ConfigOverrideSchema = z.strictObject({
  interval: intervalSchema.optional(),
  metrics: metricsSchema.optional(),
});
export type ConfigOverride = z.infer<typeof ConfigOverrideSchema>;

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

/** The largest time a JavaScript Date can hold (year 275760); every stored time is bounded by it. */
export const MAX_EPOCH_MS = 8.64e15;
/** A time in ms since the epoch that `new Date(t).toISOString()` accepts. */
export const epochMsSchema = z.number().min(0).max(MAX_EPOCH_MS);

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string; field?: string };

/** Parses a stored config value (bytes from etcd, a file, an HTTP body). */
export function parseConfigText(text: string): ParseResult<ConfigOverride> {
  const json = decodeConfigJson(text);
  return json.ok ? validateConfig(json.value) : json;
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

/** `field`: the first field the value is wrong in (an unknown field's name), when it is one. */
export function validateConfig(value: unknown): ParseResult<ConfigOverride> {
  // reportInput: zod 4 leaves the offending value out of issues unless asked.
  const result = ConfigOverrideSchema.safeParse(value, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const first = result.error.issues[0];
  const field = first?.code === "unrecognized_keys" ? first.keys[0] : first?.path[0];
  return {
    ok: false,
    reason: formatIssues(result.error),
    ...(field === undefined ? {} : { field: String(field) }),
  };
}

/** "interval: must be at most 86400 (got 90000); metrics[1]: unknown metric ..." */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
      const where = path.replace(/^\./, "");
      if (issue.code === "unrecognized_keys") {
        return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")} (allowed: interval, metrics)`;
      }
      if (issue.code === "invalid_type" && issue.expected === "object") {
        return `config must be a JSON object like {"interval": 10, "metrics": ["cpu"]} (got ${describe(issue.input)})`;
      }
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

/** Bounds of what an agent reports; the agent clips its rejection reason to MAX_ACK_REASON. */
export const MAX_ACK_REASON = 1000;
const revisionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Acknowledgement of the config the agent runs with (see docs/config.md). */
export const ConfigAckSchema = z.object({
  /** mod_revision of the node override key applied (0 when none exists). */
  nodeRevision: revisionSchema,
  /** mod_revision of the fleet default key applied (0 when none exists). */
  defaultRevision: revisionSchema,
  interval: intervalSchema,
  metrics: metricsSchema,
  /** Set when the newest stored value was rejected; the agent runs on the last good one. */
  rejected: z
    .object({
      key: z.string().max(300),
      revision: revisionSchema,
      reason: z.string().max(2 * MAX_ACK_REASON),
    })
    .optional(),
});
export type ConfigAck = z.infer<typeof ConfigAckSchema>;

/**
 * The heartbeat value. `status` and `ts` are the lab's contract; the rest is additive and
 * fields fleetwatch does not know are dropped when decoding. `ts` is unix seconds, bounded so
 * that every date built from it is valid.
 */
export const HeartbeatSchema = z.object({
  status: z.enum(["alive", "leaving"]),
  ts: z
    .number()
    .min(0)
    .max(MAX_EPOCH_MS / 1000),
  config: ConfigAckSchema.optional(),
});
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

/** Pure decode of a heartbeat value (no report); the manager goes through decodeStored. */
export function parseHeartbeat(text: string): Heartbeat | undefined {
  try {
    const result = HeartbeatSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
