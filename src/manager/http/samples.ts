// Per-node metric samples kept in memory for the dashboard's charts and /metrics.
// Pure data structures: the watch that feeds them lives in metrics-feed.ts.
//
// The agent publishes its latest sample as JSON `{ ts, interval, values: { cpu: {usage_pct}, ... } }`
// under /monitor/metrics/<node>. We flatten it to `cpu.usage_pct`-style series so the
// dashboard, the API and Prometheus share one shape, and keep a bounded window per node:
// 10 minutes (the dashboard shows "the last minutes") and at most MAX_SAMPLES points,
// so one node at interval 1 s costs ~600 small objects and 10,000 nodes at 10 s ~600,000.

export const SAMPLE_WINDOW_MS = 10 * 60 * 1000;
export const MAX_SAMPLES = 600;

export interface MetricSample {
  /** ms since epoch, from the agent's `ts` (seconds). */
  t: number;
  /** The agent's collection interval when it took the sample (s). */
  interval: number;
  /** Flattened numeric values: `cpu.usage_pct`, `memory.used_bytes`, `load.load1`, ... */
  values: Record<string, number>;
}

/** Parses a `/monitor/metrics/<node>` value; undefined for anything unreadable. */
export function parseSample(text: string): MetricSample | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null) return undefined;
  const { ts, interval, values } = json as { ts?: unknown; interval?: unknown; values?: unknown };
  if (typeof ts !== "number" || !Number.isFinite(ts)) return undefined;
  const flat: Record<string, number> = {};
  if (typeof values === "object" && values !== null) {
    for (const [metric, fields] of Object.entries(values)) {
      if (typeof fields !== "object" || fields === null || !/^[a-z][a-z0-9_]*$/.test(metric)) continue;
      for (const [field, value] of Object.entries(fields)) {
        if (typeof value === "number" && Number.isFinite(value) && /^[a-z][a-z0-9_]*$/.test(field)) {
          flat[`${metric}.${field}`] = value;
        }
      }
    }
  }
  return { t: ts * 1000, interval: typeof interval === "number" ? interval : 0, values: flat };
}

/** A bounded, time-ordered window of samples. */
export class SampleRing {
  private readonly items: MetricSample[] = [];

  constructor(
    private readonly windowMs = SAMPLE_WINDOW_MS,
    private readonly max = MAX_SAMPLES,
  ) {}

  /** Adds a sample unless it repeats (same ts) or is older than the newest one. */
  add(sample: MetricSample, now: number): boolean {
    const last = this.items[this.items.length - 1];
    if (last && sample.t <= last.t) return false;
    this.items.push(sample);
    this.trim(now);
    return true;
  }

  trim(now: number): void {
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < this.items.length && (this.items[drop] as MetricSample).t < cutoff) drop++;
    drop = Math.max(drop, this.items.length - this.max);
    if (drop > 0) this.items.splice(0, drop);
  }

  get latest(): MetricSample | undefined {
    return this.items[this.items.length - 1];
  }

  /** Samples newer than `since` (ms), oldest first. */
  since(since = 0): MetricSample[] {
    return this.items.filter((s) => s.t > since);
  }

  get size(): number {
    return this.items.length;
  }
}
