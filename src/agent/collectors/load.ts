// Load averages over 1, 5 and 15 minutes from /proc/loadavg. Read from /proc rather than os.loadavg() so
// that every collector has the same Linux-only contract: on Windows os.loadavg() returns [0, 0, 0], a fake
// reading this module refuses to give.
import type { Collector, Sample } from "./collector.ts";
import { type CollectorEnv, readProc, requireLinux } from "./env.ts";
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

export function createLoadCollector(env: CollectorEnv): Collector {
  return {
    name: "load",
    async collect() {
      requireLinux("load", env);
      return parseLoadavg(await readProc("load", env, "/proc/loadavg"));
    },
  };
}
