// Turning what a person typed into a config override: `interval=10 metrics=cpu,memory`
// (console), `--interval 10 --metrics cpu,memory` and JSON/YAML files (ctl). Pure apart
// from parseConfigFile's read; every rule is the shared zod schema's, so the messages
// name the field and rule the same way everywhere.
import { createRequire } from "node:module";
import { extname } from "node:path";
import { readFileAtMost } from "../shared/bounded-read.ts";
import { ValidationError } from "../shared/errors.ts";
import { printable } from "../shared/node-name.ts";
import { type ConfigOverride, MAX_CONFIG_BYTES } from "../shared/schema.ts";
import { validateOverrideInput } from "./service.ts";

export const CONFIG_FIELDS = ["interval", "metrics"] as const;

/**
 * yaml is loaded at the first YAML file (ctl), not with this module: the manager's console
 * only parses `field=value` words, and yaml is ~170 ms and a few MB of its start (issue 13).
 * require, not import(): parseConfigDocument stays synchronous.
 */
const loadYaml = (): typeof import("yaml") => createRequire(import.meta.url)("yaml");

/** "10" -> 10; anything that is not a plain decimal number stays text, so the schema names it. */
export function intervalFromText(text: string): unknown {
  return /^[+-]?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
}

/** "cpu, memory" -> ["cpu", "memory"]; "" -> []. Duplicates are kept for the schema to reject. */
export function metricsFromText(text: string): string[] {
  return text
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
}

/**
 * Console form: `interval=10 metrics=cpu,memory`. Returns a validated patch, or throws a
 * ValidationError naming the field and rule.
 */
export function parseAssignments(words: string[]): ConfigOverride {
  if (words.length === 0) {
    throw new ValidationError(
      `nothing to set; give at least one of ${CONFIG_FIELDS.map((f) => `${f}=...`).join(", ")}`,
    );
  }
  const patch: Record<string, unknown> = {};
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq <= 0) throw new ValidationError(`expected field=value, got "${printable(word)}"`);
    const field = word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (!(CONFIG_FIELDS as readonly string[]).includes(field)) {
      throw new ValidationError(
        `unknown field "${printable(field)}" (allowed: ${CONFIG_FIELDS.join(", ")})`,
        field,
      );
    }
    if (field in patch) throw new ValidationError(`${field} is given more than once`, field);
    patch[field] = field === "interval" ? intervalFromText(value) : metricsFromText(value);
  }
  return validateOverrideInput(patch);
}

/** Parses file text as JSON or YAML by extension (.json, .yaml, .yml). */
export function parseConfigDocument(text: string, fileName: string): unknown {
  const size = Buffer.byteLength(text, "utf8");
  if (size > MAX_CONFIG_BYTES) {
    throw new ValidationError(`${fileName} is ${size} bytes; the limit is ${MAX_CONFIG_BYTES}`, "value");
  }
  const ext = extname(fileName).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") {
    const yaml = loadYaml();
    try {
      // One document, plain data: no custom tags, no aliases expanding into huge values.
      return yaml.parse(text, { maxAliasCount: 0, prettyErrors: false });
    } catch (err) {
      throw new ValidationError(`${fileName} is not valid YAML (${firstLine(err)})`, "value");
    }
  }
  if (ext === ".json") {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ValidationError(`${fileName} is not valid JSON (${firstLine(err)})`, "value");
    }
  }
  throw new ValidationError(`${fileName}: unsupported file type "${ext}"; use .json, .yaml or .yml`, "file");
}

/**
 * Reads and parses a config file; nothing about the file is trusted: at most
 * MAX_CONFIG_BYTES are read (a config is a few hundred bytes; `/dev/zero` fails at once).
 */
export async function readConfigFile(path: string): Promise<unknown> {
  return parseConfigDocument(await readFileAtMost(path, MAX_CONFIG_BYTES), path);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
}
