// The one way a stored value becomes typed data: bytes from etcd -> size check -> JSON ->
// zod schema. A value that does not decode is reported to invalid-values.ts and the
// caller gets undefined: that key is absent or unknown, nothing else is affected.
import type { z } from "zod";
import { type InvalidValueKind, invalidValues } from "./invalid-values.ts";
import type { ParseResult } from "./schema.ts";

/** etcd's default request size limit; no value fleetwatch writes comes near it. */
export const MAX_STORED_VALUE_BYTES = 1536 * 1024;

/** Decodes JSON text with `schema`; never throws. */
export function decodeJson<T>(
  schema: z.ZodType<T>,
  text: string,
  maxBytes = MAX_STORED_VALUE_BYTES,
): ParseResult<T> {
  if (text.length > maxBytes) return { ok: false, reason: `value is over ${maxBytes} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not valid JSON (${(err as Error).message})` };
  }
  const result = schema.safeParse(json, { reportInput: true });
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, reason: describeIssues(result.error) };
}

/** "config.metrics: expected array, received number; ts: ..." - at most a few issues. */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    const where = path.replace(/^\./, "");
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`
        : issue.message;
    return where ? `${where}: ${message}` : message;
  });
  const more = error.issues.length > shown.length ? ` (and ${error.issues.length - shown.length} more)` : "";
  return `${shown.join("; ")}${more}`;
}

export interface StoredValue {
  key: string;
  value: string;
  /** mod_revision, when known: a value is counted once per key and revision. */
  revision?: number;
}

/** decodeJson plus the report: the value, or undefined after reporting why not. */
export function decodeStored<T>(
  kind: InvalidValueKind,
  schema: z.ZodType<T>,
  stored: StoredValue,
): T | undefined {
  const result = decodeJson(schema, stored.value);
  if (result.ok) {
    invalidValues.clear(stored.key);
    return result.value;
  }
  invalidValues.report({ kind, key: stored.key, reason: result.reason, revision: stored.revision });
  return undefined;
}
