// JSON shapes of the HTTP API and the dashboard, built from the manager's view.
// Pure: views and samples in, plain objects out (documented in docs/openapi.yaml).
import { type Compliance, compliance, type DesiredState } from "../../config/compliance.ts";
import type { EffectiveConfig } from "../../shared/schema.ts";
import type { NodeState, NodeView } from "../liveness.ts";
import type { MetricSample } from "./samples.ts";

export interface NodeSummary {
  node: string;
  state: NodeState;
  /** ms since epoch when the current state began. */
  since: number;
  firstSeen: number;
  lastSeen: number;
  /**
   * ms since epoch of the node's last report: a heartbeat put or a metric sample, whichever
   * is newer. Lease keepalives renew liveness without a report (etcd does not tell
   * watchers about them), so for an ALIVE node the lease is the proof, this is the age.
   */
  lastHeartbeat: number | null;
  /** The config the agent reports it runs with (null: not reported, or the node is not ALIVE). */
  applied: {
    interval: number;
    metrics: string[];
    nodeRevision: number;
    defaultRevision: number;
    rejected?: { key: string; revision: number; reason: string };
  } | null;
  /** What the stored default and override say it should run with. */
  desired: EffectiveConfig;
  /** Whether the agent runs the desired config (src/config/compliance.ts). */
  compliance: Compliance;
  latest: { t: number; interval: number; values: Record<string, number> } | null;
}

export interface FleetEvent {
  node: string;
  state: NodeState;
  at: number;
  reason: string;
  revision: number;
}

export function summarize(
  view: NodeView,
  desired: DesiredState,
  latest: MetricSample | undefined,
): NodeSummary {
  const ack = view.state === "ALIVE" ? view.heartbeat?.config : undefined;
  const applied = ack
    ? {
        interval: ack.interval,
        metrics: [...ack.metrics],
        nodeRevision: ack.nodeRevision,
        defaultRevision: ack.defaultRevision,
        ...(ack.rejected ? { rejected: ack.rejected } : {}),
      }
    : null;
  const reported = Math.max(view.state === "ALIVE" ? view.lastSeen : 0, latest?.t ?? 0);
  return {
    node: view.node,
    state: view.state,
    since: view.since,
    firstSeen: view.firstSeen,
    lastSeen: view.lastSeen,
    lastHeartbeat: reported > 0 ? reported : view.heartbeat ? view.lastSeen : null,
    applied,
    desired: desired.config,
    compliance: compliance({ desired, alive: view.state === "ALIVE", ack }),
    latest: latest ? { t: latest.t, interval: latest.interval, values: latest.values } : null,
  };
}

/** Transitions of every node, newest first, at most `limit`. */
export function recentEvents(views: Iterable<NodeView>, limit: number, node?: string): FleetEvent[] {
  const all: FleetEvent[] = [];
  for (const v of views) {
    if (node !== undefined && v.node !== node) continue;
    for (const t of v.history) all.push({ node: v.node, ...t });
  }
  all.sort((a, b) => b.at - a.at || b.revision - a.revision || a.node.localeCompare(b.node));
  return all.slice(0, limit);
}
