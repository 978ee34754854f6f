// One zod schema for every value fleetwatch stores, shared by manager and CLI, so that
// "valid" means the same thing at every entry point. The agent decodes its one stored value,
// its config, with config-value.ts's hand checks instead (no zod on its start); both give the
// same answers and sentences (test/unit/config-value.test.ts).
import { z } from "zod";
import {
  BUILTIN_DEFAULT_CONFIG,
  type ConfigOverride,
  configMessages,
  decodeConfigJson,
  type EffectiveConfig,
  MAX_ACK_REASON,
  MAX_CONFIG_BYTES,
  MAX_INTERVAL_S,
  MIN_INTERVAL_S,
  type ParseResult,
} from "./config-value.ts";
import { METRIC_NAMES, type MetricName } from "./metric-descriptors.ts";

// One import for manager code: the config's bounds and types live in config-value.ts (no zod),
// the metric names in the descriptor table, the one place a metric is declared.
export {
  BUILTIN_DEFAULT_CONFIG,
  type ConfigOverride,
  decodeConfigJson,
  type EffectiveConfig,
  MAX_ACK_REASON,
  MAX_CONFIG_BYTES,
  MAX_INTERVAL_S,
  METRIC_NAMES,
  type MetricName,
  MIN_INTERVAL_S,
  type ParseResult,
};

const intervalSchema = z
  .number({ error: (iss) => configMessages.intervalNotNumber(iss.input) })
  .int({ error: (iss) => configMessages.intervalNotWhole(iss.input) })
  .min(MIN_INTERVAL_S, { error: (iss) => configMessages.intervalTooSmall(iss.input) })
  .max(MAX_INTERVAL_S, { error: (iss) => configMessages.intervalTooLarge(iss.input) });

const metricsSchema = z
  .array(z.enum(METRIC_NAMES, { error: (iss) => configMessages.unknownMetric(iss.input) }), {
    error: (iss) => configMessages.metricsNotList(iss.input),
  })
  .refine((list) => new Set(list).size === list.length, { error: configMessages.duplicateMetric });

/**
 * The manager's and CLI's decoder of a stored config (ConfigOverride, config-value.ts).
 * Unknown fields are rejected so a typo (`intervall`) is not silently ignored.
 */
export const ConfigOverrideSchema = z.strictObject({
  interval: intervalSchema.optional(),
  metrics: metricsSchema.optional(),
});
// The hand-written type and the schema's must stay the same type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const configTypesAgree: Same<z.infer<typeof ConfigOverrideSchema>, ConfigOverride> = true;
void configTypesAgree;

/** The largest time a JavaScript Date can hold (year 275760); every stored time is bounded by it. */
export const MAX_EPOCH_MS = 8.64e15;
/** A time in ms since the epoch that `new Date(t).toISOString()` accepts. */
export const epochMsSchema = z.number().min(0).max(MAX_EPOCH_MS);

/** Parses a stored config value (bytes from etcd, a file, an HTTP body). */
export function parseConfigText(text: string): ParseResult<ConfigOverride> {
  const json = decodeConfigJson(text);
  return json.ok ? validateConfig(json.value) : json;
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
      if (issue.code === "unrecognized_keys") return configMessages.unknownFields(issue.keys);
      if (issue.code === "invalid_type" && issue.expected === "object")
        return configMessages.notObject(issue.input);
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

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
