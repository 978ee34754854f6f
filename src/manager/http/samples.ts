// Per-node metric samples kept in memory for the dashboard's charts and /metrics.
// Pure data structures (time is passed in): the informer that feeds them is in server.ts.
//
// The agent publishes its latest sample (src/shared/sample.ts) under /monitor/metrics/<node>. We
// flatten it to `cpu.usage_ratio`-style series so the dashboard, the API and Prometheus share one
// shape, and keep a bounded window per node: 10 minutes (the dashboard shows "the last minutes")
// and at most MAX_SAMPLES points, so one node at interval 1 s costs ~600 small objects and 10,000
// nodes at 10 s ~600,000.
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
