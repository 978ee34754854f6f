// The fleet-level and per-node series of /metrics that describe the manager's VIEW (states,
// liveness, config compliance, leadership, readiness, build). They are computed at scrape
// time from one snapshot of that view, so they never drift from what the dashboard shows
// and a forgotten node (no longer in the view) simply has no series any more.
//
// Conventions (docs/metrics.md): base units (seconds, not ms), 0/1 gauges for booleans,
// `_total` only on counters, `_info` gauges with value 1 carrying labels.

import type { ComplianceStatus } from "../../config/compliance.ts";
import { buildInfo } from "../../shared/build-info.ts";
import { Gauge, type Registry } from "../../shared/cjs/prom-client.ts";
import type { NodeState, NodeView } from "../liveness.ts";
import type { Manager } from "../manager.ts";

/** What the exporter needs of one node (a NodeSummary of the dashboard satisfies it). */
export interface NodeSeriesSource {
  node: string;
  state: NodeState;
  /** ms since epoch of the node's last report (heartbeat put or sample); null: never reported. */
  lastHeartbeat: number | null;
  compliance: { status: ComplianceStatus };
}

/** The manager's view as /metrics sees it at one scrape. */
export interface FleetSnapshot {
  nodes: readonly NodeSeriesSource[];
  /** This manager holds the leader key. */
  leading: boolean;
  /** Who leads as this manager knows it (undefined: nobody, or not known yet). */
  leaderId: string | undefined;
  /** Connected to etcd and synced: the view can be trusted (/readyz says 200). */
  ready: boolean;
}

/** The snapshot of a manager, with each node summarized as the dashboard does (one source of truth). */
export function fleetSnapshot(
  manager: Pick<Manager, "state" | "isLeader" | "leaderId" | "ready">,
  summarize: (view: NodeView) => NodeSeriesSource,
): FleetSnapshot {
  return {
    nodes: [...manager.state.nodes.values()].map(summarize),
    leading: manager.isLeader,
    leaderId: manager.leaderId,
    ready: manager.ready,
  };
}

const STATES: NodeState[] = ["ALIVE", "DEAD", "LEFT"];

/** Registers the view-derived series; each reads the snapshot the current scrape took. */
export function registerFleetSeries(registry: Registry, snapshot: () => FleetSnapshot): void {
  const registers = [registry];
  const alive = () => snapshot().nodes.filter((n) => n.state === "ALIVE");
  new Gauge({
    name: "fleetwatch_nodes",
    help: "Known nodes by liveness state (forgotten nodes are not known)",
    labelNames: ["state"],
    registers,
    collect() {
      const counts = new Map<NodeState, number>(STATES.map((s) => [s, 0]));
      for (const n of snapshot().nodes) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  new Gauge({
    name: "fleetwatch_node_up",
    help: "1 while the node's heartbeat lease is live (ALIVE), 0 when it is DEAD or LEFT",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const n of snapshot().nodes) this.set({ node: n.node }, n.state === "ALIVE" ? 1 : 0);
    },
  });
  // Tells DEAD (an alert) from LEFT (asked for) where node_up is 0 for both. All three states
  // 0/1 per node, as kube-state-metrics does, so a transition changes values, not series.
  new Gauge({
    name: "fleetwatch_node_state",
    help: "1 for the node's current liveness state (ALIVE, DEAD, LEFT), 0 for the others",
    labelNames: ["node", "state"],
    registers,
    collect() {
      this.reset();
      for (const n of snapshot().nodes)
        for (const state of STATES) this.set({ node: n.node, state }, n.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: "fleetwatch_node_last_heartbeat_timestamp_seconds",
    help: "Unix time of the node's last report seen by the manager (heartbeat put or metric sample)",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const n of snapshot().nodes)
        if (n.lastHeartbeat !== null) this.set({ node: n.node }, n.lastHeartbeat / 1000);
    },
  });
  // Config series exist for ALIVE nodes only: a DEAD node's agent acknowledges nothing.
  new Gauge({
    name: "fleetwatch_node_config_in_sync",
    help: "1 when the node's agent acknowledged the stored config it should run (ALIVE nodes only)",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const n of alive()) this.set({ node: n.node }, n.compliance.status === "in-sync" ? 1 : 0);
    },
  });
  new Gauge({
    name: "fleetwatch_node_config_rejected",
    help: "1 when the node's agent refused the current stored config value (ALIVE nodes only)",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const n of alive()) this.set({ node: n.node }, n.compliance.status === "rejected" ? 1 : 0);
    },
  });
  new Gauge({
    name: "fleetwatch_leader",
    help: "1 on the manager that holds the leader key, 0 on standbys",
    registers,
    collect() {
      this.set(snapshot().leading ? 1 : 0);
    },
  });
  new Gauge({
    name: "fleetwatch_leader_info",
    help: "1 for the manager that leads, as this manager sees it (no series: nobody leads)",
    labelNames: ["leader"],
    registers,
    collect() {
      this.reset();
      const leader = snapshot().leaderId;
      if (leader !== undefined) this.set({ leader }, 1);
    },
  });
  new Gauge({
    name: "fleetwatch_manager_ready",
    help: "1 when the manager is connected to etcd and synced (GET /readyz answers 200), else 0",
    registers,
    collect() {
      this.set(snapshot().ready ? 1 : 0);
    },
  });
  const build = buildInfo();
  new Gauge({
    name: "fleetwatch_build_info",
    help: "Always 1; the labels say which fleetwatch this manager runs",
    labelNames: ["version", "commit"],
    registers,
  }).set({ version: build.version, commit: build.commit ?? "" }, 1);
}
