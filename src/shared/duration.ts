// Durations typed by people: "30s", "15m", "1h", "7d", or a bare number of seconds. Pure.
import { ValidationError } from "./errors.ts";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The duration in ms; ValidationError naming `field` otherwise. */
export function parseDuration(text: string, field: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new ValidationError(`"${text}" is not a duration like 30s, 15m, 1h or 7d`, field);
  return Number(m[1]) * UNIT_MS[(m[2] ?? "s") as keyof typeof UNIT_MS];
}
