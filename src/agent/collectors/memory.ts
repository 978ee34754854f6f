// Memory in use as `free` reports it: total minus what the kernel says is available without swapping.
// MemFree alone would count the page cache as used and make every long-running node look full.
import { defineCollector, nodeHelp, type Sample } from "./collector.ts";
import { readProc, requireLinux } from "./env.ts";
import { CollectorError } from "./errors.ts";

export interface MemInfo {
  totalBytes: number;
  availableBytes: number;
}

/** Parses /proc/meminfo ("MemTotal:       24684084 kB"); the kernel's "kB" is KiB. */
export function parseMeminfo(text: string): MemInfo {
  const kib = (key: string): number | undefined => {
    const match = new RegExp(`^${key}:\\s+(\\d+)\\s*kB\\s*$`, "m").exec(text);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  };
  const totalBytes = kib("MemTotal");
  const availableBytes = kib("MemAvailable");
  if (totalBytes === undefined || totalBytes <= 0) {
    throw new CollectorError("memory", "/proc/meminfo has no usable MemTotal line");
  }
  if (availableBytes === undefined) {
    // Estimating it from MemFree/Cached the way old procps did would be a guess; say so instead.
    throw new CollectorError("memory", "/proc/meminfo has no MemAvailable line (Linux older than 3.14)");
  }
  return { totalBytes, availableBytes };
}

export function memorySample(info: MemInfo): Sample {
  // Available can briefly exceed total in the kernel's estimate; clamp so "used" is never negative.
  const used = Math.max(0, info.totalBytes - info.availableBytes);
  return { used_bytes: used, total_bytes: info.totalBytes, used_ratio: used / info.totalBytes };
}

export const memory = defineCollector({
  descriptor: {
    name: "memory",
    title: "Memory used",
    fields: [
      {
        field: "used_bytes",
        label: "used",
        unit: "bytes",
        prom: { name: "fleetwatch_node_memory_used_bytes", type: "gauge", help: nodeHelp("Memory in use") },
      },
      {
        field: "total_bytes",
        label: "total",
        unit: "bytes",
        prom: {
          name: "fleetwatch_node_memory_total_bytes",
          type: "gauge",
          help: nodeHelp("Memory installed"),
        },
      },
      {
        field: "used_ratio",
        label: "used",
        unit: "ratio",
        prom: {
          name: "fleetwatch_node_memory_used_ratio",
          type: "gauge",
          help: nodeHelp("Share of memory in use 0-1"),
        },
      },
    ],
    format: "{used_bytes} / {total_bytes} ({used_ratio})",
    chart: { fields: ["used_ratio"], unit: "ratio", max: 1 },
  },
  create: ({ env }) => ({
    name: "memory",
    async collect() {
      requireLinux("memory", env);
      return memorySample(parseMeminfo(await readProc("memory", env, "/proc/meminfo")));
    },
  }),
});
