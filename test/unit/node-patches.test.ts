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
