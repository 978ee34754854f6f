// The fleet page's order, search and URL state (src/manager/dashboard/fleet-order.js, a plain
// browser module with no imports, loaded here as is).
import assert from "node:assert/strict";
import { test } from "node:test";

type Node = { node: string; state: string; since: number; compliance?: { status: string }; latest?: unknown };
// A .js module of the dashboard: typed loosely at this one boundary.
const order = (await import("../../src/manager/dashboard/fleet-order.js" as string)) as {
  arrange(
    nodes: Iterable<Node>,
    view: Record<string, unknown>,
    size: number,
  ): {
    rows: Node[];
    total: number;
    pages: number;
    page: number;
    counts: Record<string, number>;
  };
  viewFromSearch(search: string): Record<string, unknown>;
  searchFromView(view: Record<string, unknown>): string;
};

const n = (node: string, state: string, since: number, status = "in-sync"): Node => ({
  node,
  state,
  since,
  compliance: { status },
});
const fleet = [
  n("sim-10", "ALIVE", 5),
  n("sim-2", "ALIVE", 5),
  n("sim-1", "LEFT", 9),
  n("sim-3", "DEAD", 1),
  n("sim-4", "DEAD", 8),
  n("sim-5", "ALIVE", 7, "rejected"),
  n("sim-11", "ALIVE", 6),
];
const names = (view: Record<string, unknown>, size = 100) =>
  order.arrange(fleet, { ...order.viewFromSearch(""), ...view }, size).rows.map((x) => x.node);

test("problems first: DEAD (newest change first), config rejected/pending, LEFT, ALIVE; names natural", () => {
  assert.deepEqual(names({}), ["sim-4", "sim-3", "sim-5", "sim-1", "sim-11", "sim-2", "sim-10"]);
});

test("sorting by a column, both ways; natural names", () => {
  assert.deepEqual(names({ sort: "node" }), [
    "sim-1",
    "sim-2",
    "sim-3",
    "sim-4",
    "sim-5",
    "sim-10",
    "sim-11",
  ]);
  assert.deepEqual(names({ sort: "node", dir: "desc" }).slice(0, 2), ["sim-11", "sim-10"]);
});

test("search: glob, substring, state: and config:; group filter; counts of every group", () => {
  assert.deepEqual(names({ q: "sim-1*" }), ["sim-1", "sim-11", "sim-10"]);
  assert.deepEqual(names({ q: "state:dead" }), ["sim-4", "sim-3"]);
  assert.deepEqual(names({ q: "config:rejected" }), ["sim-5"]);
  assert.deepEqual(names({ q: "dead sim-3" }), ["sim-3"]);
  assert.deepEqual(names({ group: "LEFT" }), ["sim-1"]);
  assert.deepEqual(order.arrange(fleet, order.viewFromSearch(""), 100).counts, {
    all: 7,
    DEAD: 2,
    CONFIG: 1,
    LEFT: 1,
    ALIVE: 3,
  });
});

test("pages of a fixed size; a page past the end shows the last one", () => {
  const r = order.arrange(fleet, { ...order.viewFromSearch(""), page: 9 }, 3);
  assert.deepEqual([r.page, r.pages, r.total, r.rows.length], [3, 3, 7, 1]);
});

test("the view round-trips through the URL, defaults left out", () => {
  const view = { q: "web-*", group: "DEAD", sort: "cpu", dir: "desc", page: 2 };
  const search = order.searchFromView(view);
  assert.equal(search, "?q=web-*&group=DEAD&sort=cpu&dir=desc&page=2");
  assert.deepEqual(order.viewFromSearch(search), view);
  assert.equal(order.searchFromView(order.viewFromSearch("?sort=bogus&page=-3&group=x")), "");
});
