// Number of processes, counted as the numeric entries of /proc. One readdir, no `ps` subprocess.
// Threads are not counted: /proc lists only thread-group leaders (threads live under /proc/<pid>/task).
// The 4th field of /proc/loadavg is not used because it counts threads.
//
// /proc shows the reader's PID namespace: in a container the count covers the node only with hostPID: true.
import { defineCollector, nodeHelp } from "./collector.ts";
import { requireLinux } from "./env.ts";
import { CollectorError } from "./errors.ts";

export function countProcesses(procEntries: readonly string[]): number {
  let count = 0;
  for (const entry of procEntries) if (/^\d+$/.test(entry)) count += 1;
  return count;
}

export const processCount = defineCollector({
  descriptor: {
    name: "process_count",
    title: "Processes",
    fields: [
      {
        field: "count",
        label: "processes",
        unit: "count",
        prom: {
          name: "fleetwatch_node_processes",
          type: "gauge",
          help: nodeHelp("Processes visible to the agent"),
        },
      },
    ],
    format: "{count}",
    chart: { fields: ["count"], unit: "count" },
  },
  create: ({ env }) => ({
    name: "process_count",
    async collect() {
      requireLinux("process_count", env);
      let entries: string[];
      try {
        entries = await env.listDir("/proc");
      } catch (err) {
        throw new CollectorError("process_count", `cannot list /proc (${(err as Error).message})`);
      }
      return { count: countProcesses(entries) };
    },
  }),
});
