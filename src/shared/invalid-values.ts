// Values read from etcd that do not decode. Any node can write its own keys and anyone
// with etcdctl can write anything, so a bad value is expected, not exceptional: the
// decoder at the boundary treats that one key as absent or unknown and reports it here.
//
// A report is printed (console line + log entry, wired by each process's main) once per
// key while the reason stays the same - a re-list, a scrape or an agent re-putting the same
// bad value does not repeat it - and counted once per key and revision in
// `fleetwatch_invalid_values_total{kind}`. The per-key memory is bounded.
import { escapeControl } from "./escape.ts";

export const INVALID_VALUE_KINDS = [
  "heartbeat",
  "config",
  "metrics",
  "registry",
  "leader",
  "config-history",
  "alert",
  "forgotten",
] as const;
export type InvalidValueKind = (typeof INVALID_VALUE_KINDS)[number];

export interface InvalidValueReport {
  kind: InvalidValueKind;
  key: string;
  reason: string;
  /** mod_revision of the value, when known. */
  revision?: number;
}

/** Keys remembered for de-duplication; beyond this the oldest is forgotten (and may be reported again). */
export const MAX_REMEMBERED_KEYS = 10_000;

interface Seen {
  reason: string;
  revision: number | undefined;
}

export class InvalidValues {
  private readonly totals = new Map<InvalidValueKind, number>(INVALID_VALUE_KINDS.map((k) => [k, 0]));
  private readonly seen = new Map<string, Seen>();
  private readonly listeners = new Set<(report: InvalidValueReport) => void>();

  constructor(private readonly maxKeys = MAX_REMEMBERED_KEYS) {}

  /**
   * Records a value that did not decode. Counts it once per key and revision; tells the
   * listeners (console, log) once per key and reason. Returns true when the listeners were told.
   */
  report(report: InvalidValueReport): boolean {
    const prev = this.seen.get(report.key);
    const newRevision = !prev || report.revision === undefined || prev.revision !== report.revision;
    if (prev && !newRevision && prev.reason === report.reason) return false;
    if (newRevision) this.totals.set(report.kind, (this.totals.get(report.kind) ?? 0) + 1);
    this.seen.delete(report.key); // re-insert: the map's order is the eviction order
    this.seen.set(report.key, { reason: report.reason, revision: report.revision });
    if (this.seen.size > this.maxKeys) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    if (prev?.reason === report.reason) return false;
    for (const listener of this.listeners) {
      try {
        listener(report);
      } catch {
        // A failing listener (a closed stdout) must not turn one bad value into a crash.
      }
    }
    return true;
  }

  /** The key decoded again or was deleted: a later bad value there is news again. */
  clear(key: string): void {
    this.seen.delete(key);
  }

  /** Listeners get each report once; returns an unsubscribe function. */
  subscribe(listener: (report: InvalidValueReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Invalid values counted so far, per kind (every kind present, 0 when none). */
  counts(): ReadonlyMap<InvalidValueKind, number> {
    return this.totals;
  }
}

/** One process-wide registry: decoders deep in a watch report here, each main wires the output. */
export const invalidValues = new InvalidValues();

const MAX_SHOWN_KEY = 300;
const MAX_SHOWN_REASON = 500;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}...` : text);

/** The console line for a report; every stored part is escaped and clipped. */
export function invalidValueLine(report: InvalidValueReport): string {
  const at = report.revision === undefined ? "" : ` (revision ${report.revision})`;
  const key = escapeControl(clip(report.key, MAX_SHOWN_KEY));
  return `[!] Ignoring ${report.kind} value at ${key}${at}: ${escapeControl(clip(report.reason, MAX_SHOWN_REASON))}`;
}
