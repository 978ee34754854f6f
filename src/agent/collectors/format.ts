// One short human line per sample, for the agent's console output. Pure.
import { type FieldUnit, type MetricName, metricDescriptor } from "../../shared/metric-descriptors.ts";
import type { Sample } from "./collector.ts";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** "800 B", "12.0 KiB", "3.1 GiB": whole bytes below 1 KiB, one decimal above, binary units as `free -h`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  // Compare the value as it would be printed, so that 1023.6 B reads "1.0 KiB", never "1024 B".
  while (unit < UNITS.length - 1 && printed(value, unit) >= 1024) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

const printed = (value: number, unit: number) => (unit === 0 ? Math.round(value) : Number(value.toFixed(1)));

/** One number in the unit the descriptor table gives it. */
export function formatValue(unit: FieldUnit, value: number): string {
  switch (unit) {
    case "ratio":
      return `${(value * 100).toFixed(1)} %`;
    case "bytes":
    case "bytes_total":
      return formatBytes(value);
    case "bytes_per_second":
      return `${formatBytes(value)}/s`;
    case "load":
      return value.toFixed(2);
    case "count":
      return value.toFixed(0);
    default: {
      const unreachable: never = unit;
      throw new Error(`unknown unit ${String(unreachable)}`);
    }
  }
}

/**
 * The metric's console line from its descriptor's `format`. A sample can come from elsewhere (stored,
 * sent over the wire), so a missing or non-finite field is printed as "?" rather than as a
 * misleading 0 or "NaN".
 */
export function formatSample(name: MetricName, sample: Sample): string {
  const descriptor = metricDescriptor(name);
  if (!descriptor) throw new Error(`unknown metric ${name}`);
  const units = new Map(descriptor.fields.map((f) => [f.field, f.unit]));
  const text = descriptor.format.replace(/\{([a-z0-9_]+)\}/g, (_all, key: string) => {
    const value = sample[key];
    const unit = units.get(key);
    return value === undefined || unit === undefined || !Number.isFinite(value)
      ? "?"
      : formatValue(unit, value);
  });
  return `${name}: ${text}`;
}
