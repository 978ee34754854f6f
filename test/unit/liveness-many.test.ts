// reduceMany (one node-map copy per watch response) must equal folding reduce over the events.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  initialLiveness,
  type LivenessEffect,
  type LivenessEvent,
  type LivenessState,
  reduce,
  reduceMany,
} from "../../src/manager/liveness.ts";
import { consoleLines } from "../../src/manager/liveness-console.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";

const hb = (status: "alive" | "leaving") => ({ status, ts: 1 });
const events: LivenessEvent[] = [
  {
    type: "snapshot",
    heartbeats: [{ node: nodeName("a"), heartbeat: hb("alive"), createRevision: 2, modRevision: 2 }],
    revision: 2,
    cause: "startup",
  },
  { type: "put", node: nodeName("b"), heartbeat: hb("alive"), createRevision: 3, modRevision: 3 },
  { type: "put", node: nodeName("a"), heartbeat: hb("alive"), createRevision: 2, modRevision: 4 },
  { type: "connection-lost", detail: "x" },
  { type: "connection-lost", detail: "y" },
  { type: "connection-restored" },
  { type: "put", node: nodeName("b"), heartbeat: hb("leaving"), createRevision: 3, modRevision: 5 },
  { type: "delete", node: nodeName("b"), modRevision: 6 },
  { type: "delete", node: nodeName("a"), modRevision: 7 },
  { type: "put", node: nodeName("a"), heartbeat: hb("alive"), createRevision: 8, modRevision: 8 },
];

test("reduceMany equals a fold of reduce, effects in the same order", () => {
  let folded: LivenessState = initialLiveness;
  const foldedEffects = [];
  for (const [i, ev] of events.entries()) {
    const r = reduce(folded, ev, 1000 + i);
    folded = r.state;
    foldedEffects.push(...r.effects);
  }
  // Same `now` per event as the fold: split into single-event batches and one big batch at the end.
  let many: LivenessState = initialLiveness;
  const manyEffects = [];
  for (const [i, ev] of events.slice(0, 3).entries()) {
    const r = reduceMany(many, [ev], 1000 + i);
    many = r.state;
    manyEffects.push(...r.effects);
  }
  const rest = events.slice(3);
  const nowOf = (i: number) => 1003 + i;
  // reduceMany takes one `now` per batch; compare node states and lines, not timestamps.
  const r = reduceMany(many, rest, nowOf(0));
  many = r.state;
  manyEffects.push(...r.effects);
  const lines = (effects: LivenessEffect[]) => effects.flatMap(consoleLines);
  assert.equal(lines(foldedEffects).length, 7, "the sequence has console lines to compare");
  assert.deepEqual(lines(manyEffects), lines(foldedEffects));
  assert.equal(many.connected, folded.connected);
  assert.deepEqual(
    [...many.nodes.values()].map((v) => [v.node, v.state, v.createRevision, v.leaving]),
    [...folded.nodes.values()].map((v) => [v.node, v.state, v.createRevision, v.leaving]),
  );
});

test("reduceMany does not copy the node map for connection events only", () => {
  const r = reduceMany(initialLiveness, [{ type: "connection-lost", detail: "x" }], 1);
  assert.equal(r.state.nodes, initialLiveness.nodes);
  const same = reduceMany(initialLiveness, [{ type: "connection-restored" }], 1);
  assert.equal(same.state, initialLiveness);
});
