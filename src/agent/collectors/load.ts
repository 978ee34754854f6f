// Load averages over 1, 5 and 15 minutes from /proc/loadavg. Read from /proc rather than os.loadavg() so
// that every collector has the same Linux-only contract: on Windows os.loadavg() returns [0, 0, 0], a fake
// reading this module refuses to give.
import { defineCollector, nodeHelp, type Sample } from "./collector.ts";
import { readProc, requireLinux } from "./env.ts";
import { CollectorError } from "./errors.ts";

/** Parses "0.21 0.14 0.05 1/86 3643"; the last two fields (runnable/total threads, last pid) are unused. */
export function parseLoadavg(text: string): Sample {
  const [load1, load5, load15] = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (
    load1 === undefined ||
    load5 === undefined ||
    load15 === undefined ||
    !Number.isFinite(load1 + load5 + load15)
  ) {
    throw new CollectorError("load", `unexpected /proc/loadavg content: ${JSON.stringify(text.trim())}`);
  }
  return { load1, load5, load15 };
}

export const load = defineCollector({
  descriptor: {
    name: "load",
    title: "Load average",
    fields: [
      {
        field: "load1",
        label: "1m",
        unit: "load",
        prom: { name: "fleetwatch_node_load1", type: "gauge", help: nodeHelp("1-minute load average") },
      },
      {
        field: "load5",
        label: "5m",
        unit: "load",
        prom: { name: "fleetwatch_node_load5", type: "gauge", help: nodeHelp("5-minute load average") },
      },
      {
        field: "load15",
        label: "15m",
        unit: "load",
        prom: { name: "fleetwatch_node_load15", type: "gauge", help: nodeHelp("15-minute load average") },
      },
    ],
    format: "{load1} {load5} {load15}",
    chart: { fields: ["load1", "load5", "load15"], unit: "load" },
  },
  create: ({ env }) => ({
    name: "load",
    async collect() {
      requireLinux("load", env);
      return parseLoadavg(await readProc("load", env, "/proc/loadavg"));
    },
  }),
});
