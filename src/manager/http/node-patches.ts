// SSE deltas for the fleet page: after the snapshot a client gets, per changed node, only the
// fields that changed since the last broadcast (`{ node, lastHeartbeat, latest }`), not the
// fleet and not the whole node. Pure: summaries in, patches out.
//
// The baseline (what every open stream holds) is only kept while a stream is open: with no
// dashboard open, diffing each sampled node (1,000 per second at 10,000 nodes) would keep
// ~1.3 KB per node and turn it over every sample interval, for nobody. The server clears it
// when the last stream is gone and sets it from the snapshot the next stream starts with.

import type { NodeSummary } from "./fleet-view.ts";

export type NodePatch = Partial<NodeSummary> & { node: string };

/** Each top-level field of a summary as JSON, in the summary's key order. */
type Sent = Record<string, string>;

export class NodePatches {
  /** What every connected client holds, per node. A plain object per node: a Map costs ~3× more. */
  private readonly sent = new Map<string, Sent>();

  /** The fields of `summary` that differ from what was last sent; undefined when none do. */
  diff(summary: NodeSummary): NodePatch | undefined {
    const before = this.sent.get(summary.node);
    const after: Sent = {};
    const patch: Record<string, unknown> = { node: summary.node };
    let changed = before === undefined;
    for (const [key, value] of Object.entries(summary)) {
      const json = JSON.stringify(value) ?? "null";
      after[key] = json;
      if (before?.[key] !== json) {
        patch[key] = value;
        changed = true;
      }
    }
    this.sent.set(summary.node, after);
    return changed ? (patch as NodePatch) : undefined;
  }

  /** The snapshot a stream starts from becomes what later patches are computed against. */
  baseline(summaries: Iterable<NodeSummary>): void {
    for (const s of summaries) this.diff(s);
  }

  forget(node: string): void {
    this.sent.delete(node);
  }

  /** No stream is open: nobody holds anything to patch. */
  clear(): void {
    this.sent.clear();
  }

  /** Nodes with a baseline (for tests and the memory figures). */
  get size(): number {
    return this.sent.size;
  }
}
