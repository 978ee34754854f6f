// RSS of a few processes sampled every few seconds over a steady window, and their CPU over
// the whole window. One RSS sample at the end moves with the garbage collector's timing (the
// manager at 10,000 nodes read 196.8, 189.7 and 274.1 MB at the end of three otherwise similar
// runs), so the steady scenario reports the median and the max of the series, and the end
// value for continuity with earlier reports.
import { cpuPercent, mb, type ProcSample, sampleProc } from "./proc.ts";

export interface RssSummary {
  /** Samples taken (a process that had exited is not sampled). */
  n: number;
  medianMB: number;
  maxMB: number;
  /** The last sample, as the steady scenario reported before the series. */
  endMB: number;
}

export interface ProcSeriesResult {
  rss: RssSummary | undefined;
  /** user + system CPU from the first to the last sample, % of one core. */
  cpuPct: number | undefined;
}

/** Median (the lower middle value for an even count, as in cold start's runs), max and last, MB. */
export function summarizeRss(rssBytes: readonly number[]): RssSummary | undefined {
  const end = rssBytes.at(-1);
  if (end === undefined) return undefined;
  const sorted = [...rssBytes].sort((a, b) => a - b);
  return {
    n: rssBytes.length,
    medianMB: mb(sorted[Math.floor((sorted.length - 1) / 2)] as number),
    maxMB: mb(sorted.at(-1) as number),
    endMB: mb(end),
  };
}

/** Samples each named pid at start, every `everyMs`, and at stop. */
export class ProcSeries<Name extends string> {
  private readonly samples = new Map<Name, ProcSample[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: Record<Name, number | undefined>,
    readonly everyMs: number,
    private readonly sample: (pid: number) => ProcSample | undefined = sampleProc,
  ) {
    if (!(everyMs > 0)) throw new Error(`ProcSeries: everyMs must be > 0, got ${everyMs}`);
    for (const name of Object.keys(pids) as Name[]) this.samples.set(name, []);
    this.take();
    // Reading two small /proc files per process: microseconds, so it does not disturb what it measures.
    this.timer = setInterval(() => this.take(), everyMs);
    this.timer.unref();
  }

  private take(): void {
    for (const [name, list] of this.samples) {
      const pid = this.pids[name];
      const s = pid === undefined ? undefined : this.sample(pid);
      if (s) list.push(s);
    }
  }

  /** Takes the last sample and summarises each process. */
  stop(): Record<Name, ProcSeriesResult> {
    clearInterval(this.timer);
    this.take();
    const out = {} as Record<Name, ProcSeriesResult>;
    for (const [name, list] of this.samples) {
      const first = list[0];
      const last = list.at(-1);
      out[name] = {
        rss: summarizeRss(list.map((s) => s.rss)),
        cpuPct: first && last && last !== first ? Math.round(cpuPercent(first, last) * 10) / 10 : undefined,
      };
    }
    return out;
  }
}
