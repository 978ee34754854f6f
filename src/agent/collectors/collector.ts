// The shape every collector shares. It lives apart from index.ts so that the metric files can import it
// without a cycle through the module that assembles them.
import type { MetricName } from "../../shared/schema.ts";

/** One reading of one metric: named numbers, e.g. `{ usage_ratio: 0.125 }`. Fields and units: src/shared/metric-descriptors.ts. */
export type Sample = Record<string, number>;

export interface Collector {
  readonly name: MetricName;
  /**
   * Reads the metric from the operating system. Rate metrics (cpu, disk_io, network) measure the window
   * since this collector's previous call; see window.ts for the first call. Rejects with an
   * UnsupportedPlatformError off Linux and with a CollectorError when the kernel's text cannot be read or
   * parsed.
   */
  collect(): Promise<Sample>;
}

/** A reading paired with the monotonic time (ms) it was taken, so pure rate code gets time as data. */
export interface Timed<T> {
  readonly at: number;
  readonly value: T;
}
