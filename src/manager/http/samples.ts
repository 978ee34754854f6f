// Per-node metric samples kept in memory for the dashboard's charts and /metrics.
// Pure data structures (time is passed in): the informer that feeds them is in server.ts.
//
// The agent publishes its latest sample (src/shared/sample.ts) under /monitor/metrics/<node>. We
// flatten it to `cpu.usage_ratio`-style series so the dashboard, the API and Prometheus share one
// shape, and keep a bounded window per node: 10 minutes (the dashboard shows "the last minutes")
// and at most MAX_SAMPLES points, so one node at interval 1 s keeps 600 samples and 10,000
// nodes at 10 s 600,000, in columns of numbers (SampleRing).
//
// Ordering is by etcd revision and the manager's receive time, never by the node's own `ts`: a
// node whose clock is far ahead, or steps back, would otherwise freeze its charts (issue 11).
import { decodeSample, MAX_NAMES_PER_NODE, type SampleRejection } from "../../shared/sample.ts";

export const SAMPLE_WINDOW_MS = 10 * 60 * 1000;
export const MAX_SAMPLES = 600;

export interface MetricSample {
  /** ms since epoch when the manager received the sample (its order in the window). */
  t: number;
  /** The agent's collection interval when it took the sample (s). */
  interval: number;
  /** Flattened numeric values: `cpu.usage_ratio`, `memory.used_bytes`, `load.load1`, ... */
  values: Record<string, number>;
}

export type AcceptResult =
  | { ok: true; sample: MetricSample }
  | { ok: false; duplicate: true }
  | { ok: false; duplicate: false; rejection: SampleRejection; reason: string };

/** Every node's window, plus what bounds one node: its distinct names and its newest revision. */
export class SampleStore {
  private readonly rings = new Map<string, SampleRing>();
  private readonly names = new Map<string, Set<string>>();
  private readonly revisions = new Map<string, number>();

  constructor(
    private readonly windowMs = SAMPLE_WINDOW_MS,
    private readonly max = MAX_SAMPLES,
    private readonly maxNames = MAX_NAMES_PER_NODE,
  ) {}

  /**
   * Decodes and keeps one stored value of `node`. A re-list repeats values already seen: those
   * (same or older etcd revision) are duplicates, not errors.
   */
  accept(node: string, text: string, modRevision: number, now: number): AcceptResult {
    if (modRevision <= (this.revisions.get(node) ?? 0)) return { ok: false, duplicate: true };
    this.revisions.set(node, modRevision);
    const decoded = decodeSample(text);
    if (!decoded.ok)
      return { ok: false, duplicate: false, rejection: decoded.rejection, reason: decoded.reason };
    const seen = this.names.get(node) ?? new Set<string>();
    const fresh = Object.keys(decoded.value.values).filter((n) => !seen.has(n));
    if (seen.size + fresh.length > this.maxNames) {
      const reason = `${seen.size + fresh.length} distinct metric names; the limit per node is ${this.maxNames}`;
      return { ok: false, duplicate: false, rejection: "too_many_names", reason };
    }
    for (const n of fresh) seen.add(n);
    this.names.set(node, seen);
    let ring = this.rings.get(node);
    if (!ring) {
      ring = new SampleRing(this.windowMs, this.max);
      this.rings.set(node, ring);
    }
    // Receive time, nudged past the newest kept sample if the manager's own clock stepped back.
    const t = Math.max(now, (ring.latest?.t ?? 0) + 1);
    const sample: MetricSample = { t, interval: decoded.value.interval, values: decoded.value.values };
    ring.add(sample, now);
    return { ok: true, sample };
  }

  get(node: string): SampleRing | undefined {
    return this.rings.get(node);
  }

  /** Drops everything known about `node` (it was forgotten, or its key was deleted). */
  forget(node: string): void {
    this.rings.delete(node);
    this.names.delete(node);
    this.revisions.delete(node);
  }

  trim(now: number): void {
    for (const ring of this.rings.values()) ring.trim(now);
  }
}

/**
 * A bounded, time-ordered window of samples, kept in columns: one array of numbers for the
 * receive times, one for the intervals and one per metric name (NaN where a sample lacks the
 * name: values are finite by decodeSample). Arrays of numbers are stored unboxed, 8 bytes an
 * entry, where an object per sample cost ~165 bytes for cpu+memory (heap snapshot of a
 * 10,000-node manager): 10,000 nodes at interval 10 s keep 600,000 samples after 10 minutes.
 * The newest sample is kept as the object it came in (the fleet table and /metrics read it);
 * `since()` builds objects only for the one node a dashboard or API request asks about.
 */
export class SampleRing {
  private readonly times: number[] = [];
  private readonly intervals: number[] = [];
  private readonly columns = new Map<string, number[]>();
  private newest: MetricSample | undefined;

  constructor(
    private readonly windowMs = SAMPLE_WINDOW_MS,
    private readonly max = MAX_SAMPLES,
  ) {}

  /** Adds a sample unless it repeats (same ts) or is older than the newest one. */
  add(sample: MetricSample, now: number): boolean {
    if (this.newest && sample.t <= this.newest.t) return false;
    const index = this.times.length;
    this.times.push(sample.t);
    this.intervals.push(sample.interval);
    for (const [name, value] of Object.entries(sample.values)) {
      let column = this.columns.get(name);
      if (!column) {
        column = new Array<number>(index).fill(Number.NaN);
        this.columns.set(name, column);
      }
      column.push(value);
    }
    for (const column of this.columns.values()) if (column.length === index) column.push(Number.NaN);
    this.newest = sample;
    this.trim(now);
    return true;
  }

  trim(now: number): void {
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < this.times.length && (this.times[drop] as number) < cutoff) drop++;
    drop = Math.max(drop, this.times.length - this.max);
    if (drop === 0) return;
    this.times.splice(0, drop);
    this.intervals.splice(0, drop);
    for (const [name, column] of this.columns) {
      column.splice(0, drop);
      // A metric the node no longer reports leaves the window with its last value.
      if (column.every(Number.isNaN)) this.columns.delete(name);
    }
    if (this.times.length === 0) this.newest = undefined;
  }

  get latest(): MetricSample | undefined {
    return this.newest;
  }

  /** Samples newer than `since` (ms), oldest first. */
  since(since = 0): MetricSample[] {
    const out: MetricSample[] = [];
    for (let i = 0; i < this.times.length; i++) {
      const t = this.times[i] as number;
      if (t <= since) continue;
      const values: Record<string, number> = {};
      for (const [name, column] of this.columns) {
        const value = column[i] as number;
        if (!Number.isNaN(value)) values[name] = value;
      }
      out.push({ t, interval: this.intervals[i] as number, values });
    }
    return out;
  }

  get size(): number {
    return this.times.length;
  }
}
