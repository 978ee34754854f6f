// Text renderings of the liveness view for the console. Pure: data and `now` in, text out.
import { formatAge } from "../shared/age.ts";
import { describeConfig } from "../shared/config-merge.ts";
import { textTable } from "../shared/text-table.ts";
import type { NodeView, Transition } from "./liveness.ts";

/** `configStatus`, when given, adds a CONFIG STATUS column (desired vs applied, src/config/compliance.ts). */
export function nodesTable(
  views: Iterable<NodeView>,
  now: number,
  configStatus?: (view: NodeView) => string,
): string {
  const rows = [...views].sort((a, b) => a.node.localeCompare(b.node));
  if (rows.length === 0) return "No nodes known yet. Start one with: fleetwatch agent";
  const header = [
    "NODE",
    "STATE",
    "SINCE",
    "LAST SEEN",
    "APPLIED CONFIG",
    ...(configStatus ? ["CONFIG STATUS"] : []),
  ];
  const body = rows.map((v) => [
    v.node,
    v.state,
    `${formatAge(now - v.since)} ago`,
    v.state === "ALIVE" ? "now (lease live)" : `${formatAge(now - v.lastSeen)} ago`,
    appliedConfig(v),
    ...(configStatus ? [configStatus(v)] : []),
  ]);
  return textTable([header, ...body]);
}

function appliedConfig(v: NodeView): string {
  const ack = v.heartbeat?.config;
  if (v.state !== "ALIVE" || !ack) return "-";
  const text = describeConfig(ack);
  return ack.rejected ? `${text} (REJECTED rev ${ack.rejected.revision}: ${ack.rejected.reason})` : text;
}

export function historyTable(node: string, history: Transition[], now: number): string {
  if (history.length === 0) return `No transitions recorded for ${node}.`;
  const rows = [...history]
    .reverse()
    .map((t) => [
      new Date(t.at).toISOString(),
      `${formatAge(now - t.at)} ago`,
      t.state,
      t.reason,
      String(t.revision),
    ]);
  return `History of ${node} (newest first):\n${textTable([["TIME", "AGE", "STATE", "REASON", "REVISION"], ...rows])}`;
}
