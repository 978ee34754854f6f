// The shape every collector shares, and the one way a collector module declares itself: its
// metric's descriptor (fields, units, console format, chart, Prometheus names) next to the code
// that produces those fields. registry.ts lists the definitions; src/shared/metric-descriptors.ts
// derives the descriptor table from that list.
//
// A collector module reaches the OS only through the CollectorEnv it is given (the real one is
// system-env.ts, imported by the agent alone), so the manager, the simulator and the dashboard
// read the descriptors without loading any I/O code. It lives apart from index.ts so that the
// metric files can import it without a cycle through the module that assembles them.
import type { MetricDescriptor } from "../../shared/metric-descriptors.ts";
import type { CollectorEnv } from "./env.ts";

/** One reading of one metric: named numbers, e.g. `{ usage_ratio: 0.125 }`. Fields and units: the collector's descriptor. */
export type Sample = Record<string, number>;

export interface Collector {
  /** The metric's name, as in its descriptor. */
  readonly name: string;
  /**
   * Reads the metric from the operating system. Rate metrics (cpu, disk_io, network) measure the window
   * since this collector's previous call; see window.ts for the first call. Rejects with an
   * UnsupportedPlatformError off Linux and with a CollectorError when the kernel's text cannot be read or
   * parsed.
   */
  collect(): Promise<Sample>;
}

/** What a collector is built with; tests pass literal /proc text and a fake clock. */
export interface CollectorContext {
  /** Where the OS is read from. */
  readonly env: CollectorEnv;
  /** Shortest window a rate is measured over (see window.ts). */
  readonly minWindowMs: number;
}

/** A collector module's one export: what its metric is, and how to build its (stateful) collector. */
export interface CollectorDefinition<D extends MetricDescriptor = MetricDescriptor> {
  readonly descriptor: D;
  create(context: CollectorContext): Collector;
}

/** Keeps the descriptor's literal types (its name becomes part of `MetricName`). */
export function defineCollector<const D extends MetricDescriptor>(
  definition: CollectorDefinition<D>,
): CollectorDefinition<D> {
  return definition;
}

/** The HELP text of a node's sample series at /metrics. */
export const nodeHelp = (what: string) => `${what}, as last reported by the node's agent`;

/** A reading paired with the monotonic time (ms) it was taken, so pure rate code gets time as data. */
export interface Timed<T> {
  readonly at: number;
  readonly value: T;
}
