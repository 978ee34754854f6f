// Pure parts of forgetting nodes: the reducer's "forget" event, --forget-after's choice,
// ctl's filters and the duration parser.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FleetNode } from "../../src/cli/ctl/fleet.ts";
import { filterNodes } from "../../src/cli/ctl/nodes.ts";
import { dueForForget } from "../../src/manager/auto-forget.ts";
import { initialLiveness, type NodeView, reduce } from "../../src/manager/liveness.ts";
import { consoleLines } from "../../src/manager/liveness-console.ts";
import { parseDuration } from "../../src/shared/duration.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";

const view = (node: string, state: NodeView["state"], since: number, revision = 10): NodeView => ({
  node: nodeName(node),
  state,
  since,
  firstSeen: 0,
  lastSeen: since,
  createRevision: 1,
  leaving: false,
  history: [{ state, at: since, reason: "test", revision }],
});

describe("reducer: forget", () => {
  const start = reduce(
    initialLiveness,
    {
      type: "restore",
      views: [view("a", "DEAD", 1000), view("b", "ALIVE", 1000), view("c", "LEFT", 1000, 50)],
    },
    0,
  ).state;
  test("a DEAD node is dropped, with a console line and a forgotten effect", () => {
    const r = reduce(start, { type: "forget", node: nodeName("a"), revision: 20, by: "console" }, 5000);
    assert.equal(r.state.nodes.has(nodeName("a")), false);
    assert.deepEqual(r.effects, [{ type: "forgotten", node: "a", from: "DEAD", by: "console" }]);
    assert.deepEqual(r.effects.flatMap(consoleLines), ["[x] Node a forgotten (was DEAD; by console)"]);
  });
  test("an ALIVE node, an unknown node and a node that came back later are kept, without effects", () => {
    for (const [node, revision] of [
      ["b", 20],
      ["zz", 20],
      ["c", 20],
    ] as const) {
      const r = reduce(start, { type: "forget", node: nodeName(node), revision, by: "x" }, 5000);
      assert.equal(r.state, start, node);
      assert.deepEqual(r.effects, []);
    }
  });
});

test("--forget-after picks DEAD and LEFT nodes at least that old", () => {
  const views = [
    view("a", "DEAD", 0),
    view("b", "LEFT", 9_000),
    view("c", "ALIVE", 0),
    view("d", "LEFT", 5_000),
  ];
  assert.deepEqual(dueForForget(views, 10_000, 5_000), ["a", "d"]);
});

test("ctl nodes filters: state list, glob, older-than (only nodes with a registry entry)", () => {
  const n = (node: string, state: FleetNode["state"], since?: number) =>
    ({ node, state, registry: since === undefined ? undefined : view(node, "DEAD", since) }) as FleetNode;
  const nodes = [n("web-1", "ALIVE", 0), n("web-2", "DEAD", 0), n("db-1", "DEAD", 9_000), n("x", "UNKNOWN")];
  const names = (f: Parameters<typeof filterNodes>[1]) => filterNodes(nodes, f, 10_000).map((x) => x.node);
  assert.deepEqual(names({}), ["web-1", "web-2", "db-1", "x"]);
  assert.deepEqual(names({ state: "dead" }), ["web-2", "db-1"]);
  assert.deepEqual(names({ state: "DEAD,UNKNOWN", selector: "[wx]*" }), ["web-2", "x"]);
  assert.deepEqual(names({ olderThan: "5s" }), ["web-1", "web-2"]);
  assert.throws(() => names({ state: "SLEEPING" }), /--state "SLEEPING" is not one of/);
});

test("durations", () => {
  const table: [string, number][] = [
    ["30s", 30_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    ["90", 90_000],
    ["1.5h", 5_400_000],
  ];
  for (const [text, ms] of table) assert.equal(parseDuration(text, "d"), ms, text);
  for (const bad of ["", "1w", "-1h", "h", "1 h x"])
    assert.throws(() => parseDuration(bad, "older-than"), /duration/);
});
