// SSE deltas (src/manager/http/node-patches.ts): only changed fields after the first send.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeSummary } from "../../src/manager/http/fleet-view.ts";
import { NodePatches } from "../../src/manager/http/node-patches.ts";

const summary = (over: Partial<NodeSummary> = {}): NodeSummary => ({
  node: "n",
  state: "ALIVE",
  since: 1,
  firstSeen: 1,
  lastSeen: 2,
  lastHeartbeat: 2,
  applied: null,
  desired: { interval: 10, metrics: ["cpu"] },
  compliance: { status: "pending" } as NodeSummary["compliance"],
  latest: { t: 2, interval: 10, values: { "cpu.usage_ratio": 0.5 } },
  ...over,
});

test("first send is the whole node, then only changed fields, nothing when unchanged", () => {
  const p = new NodePatches();
  assert.deepEqual(p.diff(summary()), summary());
  assert.equal(p.diff(summary()), undefined);
  const later = summary({
    lastHeartbeat: 3,
    latest: { t: 3, interval: 10, values: { "cpu.usage_ratio": 0.7 } },
  });
  assert.deepEqual(p.diff(later), { node: "n", lastHeartbeat: 3, latest: later.latest });
  assert.deepEqual(p.diff(summary({ ...later, state: "DEAD", since: 9 })), {
    node: "n",
    state: "DEAD",
    since: 9,
  });
  p.forget("n");
  assert.deepEqual(Object.keys(p.diff(summary()) ?? {}).length, Object.keys(summary()).length);
});

test("with no stream open nothing is kept; a new stream's snapshot is the baseline of its patches", () => {
  const p = new NodePatches();
  p.diff(summary({ node: "a" }));
  p.diff(summary({ node: "b" }));
  assert.equal(p.size, 2);
  // The last stream closed: the baseline goes.
  p.clear();
  assert.equal(p.size, 0);
  // Meanwhile a changed and changed back; b changed. A stream opens with this snapshot:
  const snapshot = [summary({ node: "a" }), summary({ node: "b", lastHeartbeat: 5 })];
  p.baseline(snapshot);
  assert.equal(p.size, 2);
  // Against the snapshot, not against what was sent before the clear: an unchanged node sends
  // nothing, a change sends only its field.
  assert.equal(p.diff(summary({ node: "b", lastHeartbeat: 5 })), undefined);
  assert.deepEqual(p.diff(summary({ node: "a", lastHeartbeat: 7 })), { node: "a", lastHeartbeat: 7 });
  assert.deepEqual(p.diff(summary({ node: "b", lastHeartbeat: 2 })), { node: "b", lastHeartbeat: 2 });
});

test("after clear() without a baseline, a node's first patch is the whole node", () => {
  const p = new NodePatches();
  p.diff(summary());
  p.clear();
  assert.deepEqual(p.diff(summary()), summary());
});
