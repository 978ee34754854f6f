// The metrics sample contract: what an agent (or the simulator) stores in /monitor/metrics/<node>,
// and the one decoder the manager runs on it. The agent and the simulator build their value with
// encodeSample, so "valid" means the same thing on both sides.
//
// Bounds (issue 11): a node controls this value, so its size is bounded before it is parsed
// (bytes), after (fields), and across samples (distinct names per node, see manager/http/samples.ts).
import { z } from "zod";
import type { StoredSample } from "./sample-encode.ts";
import { MAX_INTERVAL_S } from "./schema.ts";

// The agent builds its value with sample-encode.ts (no zod there); this module decodes it.
export { encodeSample } from "./sample-encode.ts";

/** A full sample of every known metric is ~600 bytes; 16 KiB leaves room for new collectors. */
export const MAX_SAMPLE_BYTES = 16 * 1024;
/** Numbers in one sample; the known metrics have 17. */
export const MAX_SAMPLE_FIELDS = 128;
/** Distinct `metric.field` names one node may have in its window; over it a sample is rejected. */
export const MAX_NAMES_PER_NODE = 256;

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const name = z.string().regex(NAME, { error: (iss) => `bad name ${JSON.stringify(iss.input)}` });

export const MetricsSampleSchema = z.object({
  /** Seconds since the epoch on the node's clock (informative: the manager orders by receive time). */
  ts: z.number().finite().nonnegative(),
  /** The collection interval the sample was taken at (s). */
  interval: z.number().int().min(0).max(MAX_INTERVAL_S),
  values: z.record(name, z.record(name, z.number().finite())),
  /** Set by `fleetwatch sim`: the numbers are invented. */
  synthetic: z.boolean().optional(),
});
export type MetricsSample = z.infer<typeof MetricsSampleSchema>;
// What the encoder writes is what the schema reads.
const encodedIsDecodable: StoredSample extends MetricsSample ? true : false = true;
void encodedIsDecodable;

/** Why a sample was refused; also the `reason` label of fleetwatch_samples_rejected_total. */
export type SampleRejection = "too_large" | "invalid" | "too_many_fields" | "too_many_names";

export interface DecodedSample {
  /** ms since the epoch on the node's clock. */
  reportedAt: number;
  interval: number;
  /** `cpu.usage_ratio`, `memory.used_bytes`, ... */
  values: Record<string, number>;
  synthetic: boolean;
}

export type SampleResult =
  | { ok: true; value: DecodedSample }
  | { ok: false; rejection: SampleRejection; reason: string };

/** Decodes a stored sample; never throws. */
export function decodeSample(text: string): SampleResult {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_SAMPLE_BYTES) {
    return { ok: false, rejection: "too_large", reason: `${bytes} bytes; the limit is ${MAX_SAMPLE_BYTES}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, rejection: "invalid", reason: `not JSON (${(err as Error).message})` };
  }
  const parsed = MetricsSampleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // A path segment is a key the node chose: printed JSON-escaped, never with raw control characters.
    const where = issue?.path
      .map((p) => (NAME.test(String(p)) ? String(p) : JSON.stringify(String(p))))
      .join(".");
    const message = issue?.code === "invalid_key" ? "bad name (lower-case a-z, 0-9, _)" : issue?.message;
    return { ok: false, rejection: "invalid", reason: `${where || "sample"}: ${message ?? "invalid"}` };
  }
  const values: Record<string, number> = {};
  let fields = 0;
  for (const [metric, record] of Object.entries(parsed.data.values)) {
    for (const [field, value] of Object.entries(record)) {
      if (++fields > MAX_SAMPLE_FIELDS) {
        return { ok: false, rejection: "too_many_fields", reason: `more than ${MAX_SAMPLE_FIELDS} fields` };
      }
      values[`${metric}.${field}`] = value;
    }
  }
  const { ts, interval, synthetic } = parsed.data;
  return { ok: true, value: { reportedAt: ts * 1000, interval, values, synthetic: synthetic === true } };
}
