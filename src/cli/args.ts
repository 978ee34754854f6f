// Argument parsers shared by every subcommand's flags, so "a whole number" or "seconds"
// is checked, and worded, the same everywhere.
import { InvalidArgumentError } from "../shared/cjs/commander.ts";
import { parseDuration } from "../shared/duration.ts";

export function integerArg(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${n} is out of range ${min}-${max}`);
    return n;
  };
}

/** A duration in seconds, fractions allowed, between 0 and `max`. */
export function secondsArg(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || n > max) {
      throw new InvalidArgumentError(`"${value}" is not a number of seconds between 0 and ${max}`);
    }
    return n;
  };
}

/** "30s", "15m", "1h", "7d" -> ms (src/shared/duration.ts). */
export function durationArg(value: string): number {
  try {
    return parseDuration(value, "duration");
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** An http:// or https:// URL (webhooks, Alertmanager, --external-url). */
export function httpUrlArg(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidArgumentError(`"${value}" must be an http:// or https:// URL`);
  }
  return url;
}
