// Metric collectors for the node agent.
//
// Decision: read Linux /proc directly instead of using the `systeminformation` package.
// The agent runs on every node and its footprint (RSS, CPU at a 10 s interval) is benchmarked. In
// systeminformation 5.33 on Linux, the calls these metrics would need start subprocesses on every run:
// currentLoad() runs `execSync("cat /proc/stat | grep cpu")` (synchronous, blocking the event loop),
// disksIO() runs a shell pipeline of `lsblk | grep | sed | awk` plus a `cat` per disk, networkStats() runs
// `cat` on /sys files per interface, and processes() runs `ps`. It also keeps its rate state in module
// globals and returns the cached value when called within 500 ms, which does not fit one stateful
// collector per metric. What we need is six small kernel files and one readdir, which Node reads
// in-process for a few microseconds each, without forking; the parsing is a few lines per file and is
// unit-tested with literal /proc text.
// Cost of the decision: Linux only. On other platforms every collector rejects with an
// UnsupportedPlatformError naming the metric and the platform rather than returning invented numbers
// (the agent targets Linux nodes; the Dockerfile and DaemonSet are Linux).
//
// Containers: /proc/stat, /proc/meminfo, /proc/diskstats and /proc/loadavg are node-wide, but /proc/net/dev
// and the /proc listing follow the agent's network and PID namespaces (see network.ts, process-count.ts).
import type { MetricName } from "../../shared/metric-descriptors.ts";
import type { Collector, CollectorContext } from "./collector.ts";
import { COLLECTORS } from "./registry.ts";
import { systemEnv } from "./system-env.ts";

export type { Collector, Sample } from "./collector.ts";
export type { CollectorEnv } from "./env.ts";
export { CollectorError, UnsupportedPlatformError } from "./errors.ts";
export { formatBytes, formatSample } from "./format.ts";

/**
 * `minWindowMs` is the shortest window a rate (cpu, disk_io, network) is measured over; the first call waits
 * this long for a baseline (see window.ts). 500 ms holds 50 ticks per CPU at the usual 100 Hz, so the CPU
 * figure moves in steps of at most 2 % on one core, and the agent's first report is delayed by only half a
 * second.
 */
export const DEFAULT_COLLECTOR_OPTIONS: Readonly<CollectorContext> = Object.freeze({
  env: systemEnv,
  minWindowMs: 500,
});

/**
 * One collector per registered metric. Rate collectors are stateful: each measures since its own previous
 * collect(), so create one set per agent and keep it for the agent's lifetime.
 */
export function createCollectors(options: Partial<CollectorContext> = {}): Record<MetricName, Collector> {
  const context = { ...DEFAULT_COLLECTOR_OPTIONS, ...options };
  return Object.fromEntries(
    COLLECTORS.map((definition) => [definition.descriptor.name, definition.create(context)]),
  ) as Record<MetricName, Collector>;
}
