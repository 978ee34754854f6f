// SSE deltas for the fleet page: after the snapshot a client gets, per changed node, only the
// fields that changed since the last broadcast (`{ node, lastHeartbeat, latest }`), not the
// fleet and not the whole node. Pure: summaries in, patches out.
import type { NodeSummary } from "./fleet-view.ts";

export type NodePatch = Partial<NodeSummary> & { node: string };

export class NodePatches {
  /** What every connected client holds: each top-level field as JSON, per node. */
  private readonly sent = new Map<string, Map<string, string>>();

  /** The fields of `summary` that differ from what was last sent; undefined when none do. */
  diff(summary: NodeSummary): NodePatch | undefined {
    const before = this.sent.get(summary.node);
    const after = new Map<string, string>();
    const patch: Record<string, unknown> = { node: summary.node };
    let changed = before === undefined;
    for (const [key, value] of Object.entries(summary)) {
      const json = JSON.stringify(value) ?? "null";
      after.set(key, json);
      if (before?.get(key) !== json) {
        patch[key] = value;
        changed = true;
      }
    }
    this.sent.set(summary.node, after);
    return changed ? (patch as NodePatch) : undefined;
  }

  forget(node: string): void {
    this.sent.delete(node);
  }
}
