import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACK_DETAIL_LIMIT, ackLines, type NodeAck } from "../../src/manager/ack-lines.ts";
import type { ConfigAck } from "../../src/shared/schema.ts";

const applied = (node: string, interval = 5, defaultRevision = 9): NodeAck => ({
  node,
  ack: { nodeRevision: 0, defaultRevision, interval, metrics: ["cpu"] } satisfies ConfigAck,
});
const rejected = (node: string, reason = "interval: must be at least 1 (got 0)"): NodeAck => ({
  node,
  ack: {
    nodeRevision: 3,
    defaultRevision: 9,
    interval: 5,
    metrics: ["cpu"],
    rejected: { key: `/monitor/config/${node}`, revision: 12, reason },
  },
});

describe("ackLines", () => {
  test("a few acks: one line per node, in arrival order", () => {
    const lines = ackLines([applied("a"), rejected("b")]);
    assert.deepEqual(lines, [
      "[Config] Node a applied interval=5s, metrics=[cpu] (config revision 0)",
      "[Config] Node b rejected /monitor/config/b (revision 12): interval: must be at least 1 (got 0)",
    ]);
  });

  test("exactly the detail limit is still per node; one more is summarised", () => {
    const burst = Array.from({ length: ACK_DETAIL_LIMIT }, (_, i) => applied(`n${i}`));
    assert.equal(ackLines(burst).length, ACK_DETAIL_LIMIT);
    assert.equal(ackLines([...burst, applied("extra")]).length, 1);
  });

  test("a fleet-wide burst is one line per outcome with a count and examples", () => {
    const burst = [
      ...Array.from({ length: 10_000 }, (_, i) => applied(`sim-${i}`)),
      rejected("bad-1"),
      rejected("bad-2"),
    ];
    const lines = ackLines(burst);
    assert.equal(lines.length, 3);
    assert.equal(
      lines[0],
      "[Config] 10000 nodes applied interval=5s, metrics=[cpu] (default revision 9; sim-0, sim-1, sim-2, ...)",
    );
    assert.match(lines[1] ?? "", /^\[Config\] 1 node rejected \/monitor\/config\/bad-1: interval: must be/);
  });

  test("different applied configs or default revisions are separate groups", () => {
    const burst = [
      ...Array.from({ length: 4 }, (_, i) => applied(`a${i}`, 5)),
      applied("b", 7),
      applied("c", 5, 10),
    ];
    const lines = ackLines(burst);
    assert.equal(lines.length, 3);
    assert.ok(lines.some((l) => l.startsWith("[Config] 4 nodes applied interval=5s")));
  });
});
