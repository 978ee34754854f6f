// CPU utilisation from the aggregate "cpu" line of /proc/stat: the share of non-idle ticks between two reads.
import { defineCollector, nodeHelp, type Sample, type Timed } from "./collector.ts";
import { CollectorError } from "./errors.ts";
import { createWindowedCollector } from "./window.ts";

/** Ticks (USER_HZ, normally 1/100 s) summed over all CPUs since boot. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

const FIELDS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const;

/**
 * Parses the first line of /proc/stat, e.g. "cpu  3387 0 1424 44476 187 0 34 9 0 0".
 * Columns after "steal" are guest and guest_nice; the kernel already counts them inside user and nice,
 * so they are left out to avoid counting guest time twice. Kernels before 2.6.11 print fewer columns;
 * missing ones are 0.
 */
export function parseProcStatCpu(text: string): CpuTimes {
  const end = text.indexOf("\n");
  const line = end === -1 ? text : text.slice(0, end);
  const parts = line.trim().split(/\s+/);
  if (parts[0] !== "cpu" || parts.length < 5) {
    throw new CollectorError(
      "cpu",
      `unexpected first line in /proc/stat: ${JSON.stringify(line.slice(0, 80))}`,
    );
  }
  const times = {} as CpuTimes;
  FIELDS.forEach((field, i) => {
    const raw = parts[i + 1];
    const value = raw === undefined ? 0 : Number(raw);
    if (!Number.isFinite(value)) {
      throw new CollectorError("cpu", `non-numeric ${field} column in /proc/stat: ${JSON.stringify(raw)}`);
    }
    times[field] = value;
  });
  return times;
}

/**
 * Share (0-1) of CPU time that was busy between two readings; iowait counts as idle (the CPU was free to
 * run something else) and steal counts as busy (the host took it away), as psutil and htop do.
 *
 * Unlike network and disk counters (see rates.ts), a field that went backwards is not a restart from zero:
 * tickless kernels have been seen to step idle/iowait back slightly, and hot-unplugging a CPU removes its
 * ticks from the aggregate. Such a field contributes 0 to the window. If no tick advanced at all, there is
 * nothing to divide by and the result is undefined; the caller measures a fresh window.
 */
export function cpuUsageRatio(previous: CpuTimes, current: CpuTimes): number | undefined {
  const d = (field: (typeof FIELDS)[number]) => Math.max(0, current[field] - previous[field]);
  const idle = d("idle") + d("iowait");
  const busy = d("user") + d("nice") + d("system") + d("irq") + d("softirq") + d("steal");
  const total = idle + busy;
  if (total <= 0) return undefined;
  return busy / total;
}

export function cpuSample(previous: Timed<CpuTimes>, current: Timed<CpuTimes>): Sample | undefined {
  const usage = cpuUsageRatio(previous.value, current.value);
  return usage === undefined ? undefined : { usage_ratio: usage };
}

export const cpu = defineCollector({
  descriptor: {
    name: "cpu",
    title: "CPU usage",
    fields: [
      {
        field: "usage_ratio",
        label: "cpu",
        unit: "ratio",
        prom: {
          name: "fleetwatch_node_cpu_usage_ratio",
          type: "gauge",
          help: nodeHelp("Busy share of CPU time 0-1"),
        },
      },
    ],
    format: "{usage_ratio}",
    chart: { fields: ["usage_ratio"], unit: "ratio", max: 1 },
  },
  create: (context) =>
    createWindowedCollector(
      { name: "cpu", path: "/proc/stat", parse: parseProcStatCpu, compute: cpuSample },
      context,
    ),
});
