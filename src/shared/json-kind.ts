// What a decoded JSON (or YAML) value is, for messages that say why it was refused.

/** Pure: "an object", "an array", "null", "a string", "a number", "a boolean". */
export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
