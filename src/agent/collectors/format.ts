// One short human line per sample, for the agent's console output. Pure.
import type { MetricName } from "../../shared/schema.ts";
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

/**
 * A sample can come from elsewhere (stored, sent over the wire), so a missing or non-finite field is
 * printed as "?" rather than as a misleading 0 or "NaN".
 */
function field(sample: Sample, key: string, show: (value: number) => string): string {
  const value = sample[key];
  return value === undefined || !Number.isFinite(value) ? "?" : show(value);
}

const rate = (value: number) => `${formatBytes(value)}/s`;
const fixed = (digits: number) => (value: number) => value.toFixed(digits);

export function formatSample(name: MetricName, sample: Sample): string {
  switch (name) {
    case "cpu":
      return `cpu: ${field(sample, "usage_pct", fixed(1))} %`;
    case "memory": {
      const used = field(sample, "used_bytes", formatBytes);
      const total = field(sample, "total_bytes", formatBytes);
      return `memory: ${used} / ${total} (${field(sample, "used_pct", fixed(1))} %)`;
    }
    case "disk_io": {
      const read = field(sample, "read_bytes_per_s", rate);
      return `disk_io: read ${read}, write ${field(sample, "write_bytes_per_s", rate)}`;
    }
    case "network": {
      const rx = field(sample, "rx_bytes_per_s", rate);
      return `network: rx ${rx}, tx ${field(sample, "tx_bytes_per_s", rate)}`;
    }
    case "load":
      return `load: ${["load1", "load5", "load15"].map((key) => field(sample, key, fixed(2))).join(" ")}`;
    case "process_count":
      return `process_count: ${field(sample, "count", fixed(0))}`;
    default: {
      const unreachable: never = name;
      throw new Error(`unknown metric ${String(unreachable)}`);
    }
  }
}
