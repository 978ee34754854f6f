// The lab's console words for what the liveness reducer and the election report. The
// reducer (liveness.ts) returns data only; this module is the one place that turns it into
// `[+] Node web-1 is ALIVE`-style lines, so wording changes never touch the state machine
// and other views (HTTP, alerts) never depend on console text. Pure: data in, lines out.
import { escapeControl } from "../shared/escape.ts";
import type { Leadership } from "./election.ts";
import type { LivenessEffect, NodeState, NodeView } from "./liveness.ts";

export const livenessLines = {
  alive: (node: string) => `[+] Node ${node} is ALIVE`,
  recovered: (node: string) => `[+] Node ${node} is ALIVE (recovered)`,
  dead: (node: string) => `[-] Node ${node} is DEAD (TTL expired)`,
  deadWhileAway: (node: string, cause: "startup" | "resync") =>
    `[-] Node ${node} is DEAD (TTL expired while the manager was ${cause === "startup" ? "down" : "cut off from etcd"})`,
  left: (node: string) => `[-] Node ${node} LEFT (graceful shutdown)`,
  known: (view: NodeView) =>
    `[=] Node ${view.node}: ${view.state} since ${new Date(view.since).toISOString()}`,
  knownSummary: (views: readonly NodeView[]) => {
    const count = (state: NodeState) => views.filter((v) => v.state === state).length;
    return `[=] ${views.length} known nodes unchanged: ${count("ALIVE")} ALIVE, ${count("DEAD")} DEAD, ${count("LEFT")} LEFT (type "nodes" for the table)`;
  },
  lost: (detail: string) => `[!] Lost connection to etcd (${detail}); declaring nothing until it is back`,
  restored: () => "[!] Connection to etcd restored; catching up on missed events",
  forgotten: (node: string, from: NodeState, by: string) =>
    `[x] Node ${node} forgotten (was ${from}; by ${by})`,
};

/**
 * Up to this many unchanged nodes are listed one line each at start-up; a fleet of
 * thousands gets one summary line instead (`nodes` shows the table).
 */
export const KNOWN_DETAIL_LIMIT = 50;

type Transition = Extract<LivenessEffect, { type: "transition" }>;

function transitionLine(t: Transition): string {
  switch (t.to) {
    case "ALIVE":
      return t.from === "DEAD" ? livenessLines.recovered(t.node) : livenessLines.alive(t.node);
    case "DEAD":
      return t.missedWhile ? livenessLines.deadWhileAway(t.node, t.missedWhile) : livenessLines.dead(t.node);
    case "LEFT":
      return livenessLines.left(t.node);
    default:
      return t.to satisfies never;
  }
}

/**
 * The console lines for one effect, in order (none for effects the console does not show:
 * registry writes, and config acks, which ack-lines.ts prints gathered in bursts).
 */
export function consoleLines(effect: LivenessEffect): string[] {
  switch (effect.type) {
    case "transition":
      return [transitionLine(effect)];
    case "known-at-startup":
      return effect.views.length <= KNOWN_DETAIL_LIMIT
        ? effect.views.map(livenessLines.known)
        : [livenessLines.knownSummary(effect.views)];
    case "connection-lost":
      return [livenessLines.lost(effect.detail)];
    case "connection-restored":
      return [livenessLines.restored()];
    case "forgotten":
      return [livenessLines.forgotten(effect.node, effect.from, effect.by)];
    case "persist":
    case "config-ack":
      return [];
    default:
      return effect satisfies never;
  }
}

/** The `[HA]` line for a leadership change; ids come from etcd, so they are escaped. */
export function leadershipLine(leadership: Leadership, selfId: string): string {
  return leadership.role === "leader"
    ? `[HA] This manager (${escapeControl(selfId)}) is now leading`
    : `[HA] Standing by: ${escapeControl(leadership.leader ?? "another manager")} is leading`;
}
