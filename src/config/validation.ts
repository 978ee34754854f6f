// What a config write accepts, checked before anything is read or written. Pure. The
// value's own rules (size, JSON, fields) are the stored value's decoder in shared/schema.ts:
// a value is refused here for exactly the reasons an agent would reject it.
import { ValidationError } from "../shared/errors.ts";
import { printable } from "../shared/node-name.ts";
import { type ConfigOverride, decodeConfigJson, MAX_CONFIG_BYTES, validateConfig } from "../shared/schema.ts";

const MAX_AUTHOR_LENGTH = 200;

/**
 * Validates a user-supplied override (object or JSON text) and returns it, or throws a
 * ValidationError naming the field and rule. Nothing is written.
 */
export function validateOverrideInput(input: unknown): ConfigOverride {
  const json = typeof input === "string" ? decodeText(input) : checkStorable(input);
  const result = validateConfig(json);
  if (!result.ok) throw new ValidationError(result.reason, result.field ?? "value");
  return result.value;
}

function decodeText(text: string): unknown {
  const decoded = decodeConfigJson(text);
  if (!decoded.ok) throw new ValidationError(decoded.reason, "value");
  return decoded.value;
}

/** An object must fit in a stored value once serialized, like text does. */
function checkStorable(input: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (err) {
    throw new ValidationError(`value cannot be stored as JSON (${(err as Error).message})`, "value");
  }
  const size = text === undefined ? 0 : Buffer.byteLength(text, "utf8");
  if (size > MAX_CONFIG_BYTES) {
    throw new ValidationError(`value is ${size} bytes; the limit is ${MAX_CONFIG_BYTES}`, "value");
  }
  return input;
}

export function checkAuthor(author: string): string {
  if (author.length === 0) throw new ValidationError("author is empty", "author");
  if (author.length > MAX_AUTHOR_LENGTH) {
    throw new ValidationError(`author is longer than ${MAX_AUTHOR_LENGTH} characters`, "author");
  }
  return printable(author);
}

export function checkExpected(expected: number | undefined): void {
  if (expected === undefined) return;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new ValidationError(
      `expected revision must be a whole number >= 0 (got ${String(expected)})`,
      "expectedRevision",
    );
  }
}
