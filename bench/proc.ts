// Resource use of a process from /proc (Linux): RSS and CPU time, for the footprint figures.
import { readFileSync } from "node:fs";

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86-64/arm64

export interface ProcSample {
  at: number;
  /** Resident set size, bytes. */
  rss: number;
  /** user + system CPU time, ms. */
  cpuMs: number;
}

export function sampleProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the ")" of the command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { at: Date.now(), rss: rssKb * 1024, cpuMs: (cpuTicks * 1000) / CLK_TCK };
  } catch {
    return undefined;
  }
}

/** CPU % of one core between two samples. */
export function cpuPercent(a: ProcSample, b: ProcSample): number {
  return b.at > a.at ? (100 * (b.cpuMs - a.cpuMs)) / (b.at - a.at) : Number.NaN;
}

export const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
