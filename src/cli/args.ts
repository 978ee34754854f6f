// Argument parsers shared by every subcommand's flags, so "a whole number" or "seconds"
// is checked, and worded, the same everywhere.
import { InvalidArgumentError } from "commander";

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
