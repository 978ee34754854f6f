// Console lines for config acknowledgements. One line per node is right for a few nodes
// (the lab's demo) and useless for a fleet default change acknowledged by 10,000 nodes at
// once, so a burst is summarised per outcome. Pure: acks in, lines out.

import { describeConfig } from "../shared/config-merge.ts";
import { escapeControl } from "../shared/escape.ts";
import type { ConfigAck } from "../shared/schema.ts";

export interface NodeAck {
  node: string;
  ack: ConfigAck;
}

/** Up to this many acks in one burst are printed one line per node. */
export const ACK_DETAIL_LIMIT = 5;
const EXAMPLES = 3;
const countNodes = (n: number) => `${n} node${n === 1 ? "" : "s"}`;

export function singleAckLine({ node, ack }: NodeAck): string {
  return ack.rejected
    ? `[Config] Node ${node} rejected ${escapeControl(ack.rejected.key)} (revision ${ack.rejected.revision}): ${escapeControl(ack.rejected.reason)}`
    : `[Config] Node ${node} applied ${describeConfig(ack)} (config revision ${ack.nodeRevision})`;
}

export function ackLines(burst: NodeAck[]): string[] {
  if (burst.length <= ACK_DETAIL_LIMIT) return burst.map(singleAckLine);
  const groups = new Map<string, { line: (n: number, examples: string) => string; nodes: string[] }>();
  for (const { node, ack } of burst) {
    const key = ack.rejected
      ? `rejected ${ack.rejected.key} ${ack.rejected.reason}`
      : `applied ${describeConfig(ack)} ${ack.defaultRevision}`;
    let group = groups.get(key);
    if (!group) {
      const rejected = ack.rejected;
      group = {
        nodes: [],
        line: rejected
          ? (n, examples) =>
              `[Config] ${countNodes(n)} rejected ${escapeControl(rejected.key)}: ${escapeControl(rejected.reason)} (${examples})`
          : (n, examples) =>
              `[Config] ${countNodes(n)} applied ${describeConfig(ack)} (default revision ${ack.defaultRevision}; ${examples})`,
      };
      groups.set(key, group);
    }
    group.nodes.push(node);
  }
  return [...groups.values()].map(({ line, nodes }) => {
    const shown = nodes.slice(0, EXAMPLES).join(", ");
    return line(nodes.length, nodes.length > EXAMPLES ? `${shown}, ...` : shown);
  });
}
