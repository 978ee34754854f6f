import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  HISTORY_LIMIT,
  initialLiveness,
  type LivenessEffect,
  type LivenessEvent,
  type LivenessState,
  type NodeView,
  reduce,
} from "../../src/manager/liveness.ts";
import { consoleLines, KNOWN_DETAIL_LIMIT } from "../../src/manager/liveness-console.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";
import type { ConfigAck, Heartbeat } from "../../src/shared/schema.ts";

// A fake clock: every event is applied at an explicit time in ms.
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const sec = (s: number) => T0 + s * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

const hb = (status: "alive" | "leaving" = "alive", config?: ConfigAck): Heartbeat => ({
  status,
  ts: 1,
  ...(config ? { config } : {}),
});

const ack = (nodeRevision: number, defaultRevision = 0, rejectedRevision?: number): ConfigAck => ({
  nodeRevision,
  defaultRevision,
  interval: 10,
  metrics: ["cpu", "memory"],
  ...(rejectedRevision === undefined
    ? {}
    : { rejected: { key: "/monitor/config/n", revision: rejectedRevision, reason: "bad" } }),
});

const put = (node: string, createRevision: number, modRevision: number, heartbeat = hb()): LivenessEvent => ({
  type: "put",
  node: nodeName(node),
  heartbeat,
  createRevision,
  modRevision,
});
const del = (node: string, modRevision: number): LivenessEvent => ({
  type: "delete",
  node: nodeName(node),
  modRevision,
});

/** A registry entry as an earlier manager run would have persisted it (no live heartbeat). */
function registryView(node: string, state: NodeView["state"], since: number, createRevision = 0): NodeView {
  return {
    node: nodeName(node),
    state,
    since,
    firstSeen: since - 60_000,
    lastSeen: since,
    createRevision,
    leaving: false,
    history: [{ state, at: since, reason: "earlier run", revision: createRevision }],
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Freezes every view and checks after the call that the input state is unchanged. */
function reduceChecked(state: LivenessState, event: LivenessEvent, now: number) {
  for (const view of state.nodes.values()) deepFreeze(view);
  const before = structuredClone(state);
  const beforeNodes = [...state.nodes.entries()];
  const result = reduce(state, event, now);
  assert.deepEqual(state, before, `reduce(${event.type}) mutated its input state`);
  assert.deepEqual([...state.nodes.entries()], beforeNodes);
  return result;
}

/** Applies events in order; returns the final state and the effects of each step. */
function play(steps: Array<[LivenessEvent, number]>, start: LivenessState = initialLiveness) {
  let state = start;
  const effects: LivenessEffect[][] = [];
  for (const [event, now] of steps) {
    const r = reduceChecked(state, event, now);
    state = r.state;
    effects.push(r.effects);
  }
  return { state, effects, all: effects.flat() };
}

/** The console lines the effects read as (liveness-console.ts turns the data into words). */
const prints = (effects: LivenessEffect[]) => effects.flatMap(consoleLines);
const ofType = <K extends LivenessEffect["type"]>(effects: LivenessEffect[], type: K) =>
  effects.filter((e): e is Extract<LivenessEffect, { type: K }> => e.type === type);
const stateOf = (s: LivenessState, node: string) => s.nodes.get(nodeName(node))?.state;

const restore = (...views: NodeView[]): LivenessEvent => ({ type: "restore", views });
const snapshot = (
  cause: "startup" | "resync",
  heartbeats: Array<{ node: string; createRevision: number; heartbeat?: Heartbeat }>,
  revision = 100,
): LivenessEvent => ({
  type: "snapshot",
  cause,
  revision,
  heartbeats: heartbeats.map((h) => ({
    node: nodeName(h.node),
    heartbeat: h.heartbeat ?? hb(),
    createRevision: h.createRevision,
    modRevision: h.createRevision,
  })),
});

describe("liveness reduce: watch events", () => {
  test("first put makes the node ALIVE with one console line, one transition and one persist", () => {
    const { state, all } = play([[put("n", 5, 5), sec(1)]]);
    assert.deepEqual(prints(all), ["[+] Node n is ALIVE"]);
    const transitions = ofType(all, "transition");
    assert.equal(transitions.length, 1);
    assert.deepEqual(
      { from: transitions[0]?.from, to: transitions[0]?.to, at: transitions[0]?.at },
      { from: undefined, to: "ALIVE", at: sec(1) },
    );
    const persists = ofType(all, "persist");
    assert.equal(persists.length, 1);
    assert.equal(persists[0]?.view.state, "ALIVE");
    assert.equal(all.length, 2, "a transition and a persist, nothing else");
    const view = state.nodes.get(nodeName("n"));
    assert.equal(view?.state, "ALIVE");
    assert.equal(view?.since, sec(1));
    assert.equal(view?.firstSeen, sec(1));
    assert.equal(view?.createRevision, 5);
  });

  test("a refreshing put prints nothing and changes no state, only lastSeen and the heartbeat", () => {
    const refreshed: Heartbeat = { status: "alive", ts: 2 };
    const { state, effects } = play([
      [put("n", 5, 5), sec(1)],
      [put("n", 5, 6, refreshed), sec(3)],
    ]);
    assert.deepEqual(effects[1], []);
    const view = state.nodes.get(nodeName("n"));
    assert.equal(view?.state, "ALIVE");
    assert.equal(view?.since, sec(1), "since must not move on a refresh");
    assert.equal(view?.lastSeen, sec(3));
    assert.deepEqual(view?.heartbeat, refreshed);
    assert.equal(view?.history.length, 1);
  });

  test("many refreshes keep exactly one ALIVE line", () => {
    const steps: Array<[LivenessEvent, number]> = [];
    for (let i = 0; i < 10; i++) steps.push([put("n", 5, 5 + i), sec(i)]);
    const { all } = play(steps);
    assert.deepEqual(prints(all), ["[+] Node n is ALIVE"]);
  });

  test("delete of an ALIVE node prints DEAD (TTL expired) once", () => {
    const { state, effects } = play([
      [put("n", 5, 5), sec(1)],
      [del("n", 9), sec(7)],
    ]);
    assert.deepEqual(prints(effects[1] ?? []), ["[-] Node n is DEAD (TTL expired)"]);
    const [t] = ofType(effects[1] ?? [], "transition");
    assert.deepEqual({ from: t?.from, to: t?.to, at: t?.at }, { from: "ALIVE", to: "DEAD", at: sec(7) });
    assert.equal(ofType(effects[1] ?? [], "persist").length, 1);
    assert.equal(stateOf(state, "n"), "DEAD");
    assert.equal(state.nodes.get(nodeName("n"))?.since, sec(7));
    assert.equal(state.nodes.get(nodeName("n"))?.history.at(-1)?.revision, 9);
  });

  test("heartbeat status leaving, then delete: LEFT (graceful shutdown), never DEAD", () => {
    const { state, effects, all } = play([
      [put("n", 5, 5), sec(1)],
      [put("n", 5, 6, hb("leaving")), sec(2)],
      [del("n", 7), sec(2.01)],
    ]);
    assert.deepEqual(prints(effects[1] ?? []), [], "the leaving put itself prints nothing");
    assert.equal(ofType(effects[1] ?? [], "transition").length, 0);
    assert.deepEqual(prints(effects[2] ?? []), ["[-] Node n LEFT (graceful shutdown)"]);
    assert.equal(stateOf(state, "n"), "LEFT");
    assert.ok(!prints(all).some((l) => l.includes("DEAD")), "no DEAD line for a graceful leave");
    assert.ok(!ofType(all, "transition").some((t) => t.to === "DEAD"));
  });

  test("a node whose very first heartbeat says leaving is LEFT on delete", () => {
    const { state, all } = play([
      [put("n", 5, 5, hb("leaving")), sec(1)],
      [del("n", 6), sec(2)],
    ]);
    assert.deepEqual(prints(all), ["[+] Node n is ALIVE", "[-] Node n LEFT (graceful shutdown)"]);
    assert.equal(stateOf(state, "n"), "LEFT");
  });

  test("a leaving flag that is withdrawn makes the next delete a DEAD again", () => {
    const { state, all } = play([
      [put("n", 5, 5), sec(1)],
      [put("n", 5, 6, hb("leaving")), sec(2)],
      [put("n", 5, 7, hb("alive")), sec(3)],
      [del("n", 8), sec(9)],
    ]);
    assert.equal(prints(all).at(-1), "[-] Node n is DEAD (TTL expired)");
    assert.equal(stateOf(state, "n"), "DEAD");
  });

  test("DEAD then put prints ALIVE (recovered)", () => {
    const { state, effects } = play([
      [put("n", 5, 5), sec(1)],
      [del("n", 6), sec(7)],
      [put("n", 10, 10), sec(20)],
    ]);
    assert.deepEqual(prints(effects[2] ?? []), ["[+] Node n is ALIVE (recovered)"]);
    const [t] = ofType(effects[2] ?? [], "transition");
    assert.deepEqual({ from: t?.from, to: t?.to }, { from: "DEAD", to: "ALIVE" });
    assert.equal(stateOf(state, "n"), "ALIVE");
    assert.equal(state.nodes.get(nodeName("n"))?.firstSeen, sec(1), "firstSeen survives death");
    assert.equal(state.nodes.get(nodeName("n"))?.since, sec(20));
    assert.equal(state.nodes.get(nodeName("n"))?.createRevision, 10);
  });

  test("LEFT then put prints the plain ALIVE line, not recovered", () => {
    const { state, effects } = play([
      [put("n", 5, 5, hb("leaving")), sec(1)],
      [del("n", 6), sec(2)],
      [put("n", 10, 10), sec(30)],
    ]);
    assert.deepEqual(prints(effects[2] ?? []), ["[+] Node n is ALIVE"]);
    const [t] = ofType(effects[2] ?? [], "transition");
    assert.deepEqual({ from: t?.from, to: t?.to }, { from: "LEFT", to: "ALIVE" });
    assert.equal(stateOf(state, "n"), "ALIVE");
  });

  const ignoredDeletes: Array<{ name: string; before: Array<[LivenessEvent, number]>; expected?: string }> = [
    { name: "unknown node", before: [] },
    {
      name: "already DEAD node",
      before: [
        [put("n", 5, 5), sec(1)],
        [del("n", 6), sec(2)],
      ],
      expected: "DEAD",
    },
    {
      name: "already LEFT node",
      before: [
        [put("n", 5, 5, hb("leaving")), sec(1)],
        [del("n", 6), sec(2)],
      ],
      expected: "LEFT",
    },
  ];
  for (const c of ignoredDeletes) {
    test(`delete of an ${c.name} has no effect`, () => {
      const { state } = play(c.before);
      const r = reduceChecked(state, del("n", 50), sec(60));
      assert.deepEqual(r.effects, []);
      assert.equal(stateOf(r.state, "n"), c.expected);
      assert.deepEqual(r.state.nodes.get(nodeName("n")), state.nodes.get(nodeName("n")));
    });
  }

  test("nodes are independent: one node's death does not touch another", () => {
    const { state, effects } = play([
      [put("a", 5, 5), sec(1)],
      [put("b", 6, 6), sec(1)],
      [del("a", 7), sec(8)],
    ]);
    assert.deepEqual(prints(effects[2] ?? []), ["[-] Node a is DEAD (TTL expired)"]);
    assert.equal(stateOf(state, "a"), "DEAD");
    assert.equal(stateOf(state, "b"), "ALIVE");
  });
});

describe("liveness reduce: snapshot after a restart (cause startup)", () => {
  test("registry ALIVE, missing from the snapshot: exactly one DEAD-while-down line", () => {
    const { state, effects } = play([
      [restore(registryView("n", "ALIVE", sec(-100), 5)), sec(0)],
      [snapshot("startup", []), sec(1)],
    ]);
    assert.deepEqual(effects[0], [], "restore itself prints nothing");
    assert.deepEqual(prints(effects[1] ?? []), [
      "[-] Node n is DEAD (TTL expired while the manager was down)",
    ]);
    const transitions = ofType(effects[1] ?? [], "transition");
    assert.equal(transitions.length, 1);
    assert.deepEqual({ from: transitions[0]?.from, to: transitions[0]?.to }, { from: "ALIVE", to: "DEAD" });
    assert.equal(ofType(effects[1] ?? [], "persist").length, 1);
    assert.equal(stateOf(state, "n"), "DEAD");
    assert.equal(
      state.nodes.get(nodeName("n"))?.history.at(-1)?.revision,
      100,
      "transition carries the list revision",
    );
  });

  test("registry ALIVE, present with the same createRevision: no transition, one [=] line", () => {
    const since = sec(-100);
    const { state, effects } = play([
      [restore(registryView("n", "ALIVE", since, 5)), sec(0)],
      [snapshot("startup", [{ node: "n", createRevision: 5 }]), sec(1)],
    ]);
    assert.deepEqual(prints(effects[1] ?? []), [`[=] Node n: ALIVE since ${iso(since)}`]);
    assert.equal(ofType(effects[1] ?? [], "transition").length, 0);
    assert.equal(stateOf(state, "n"), "ALIVE");
    assert.equal(state.nodes.get(nodeName("n"))?.since, since, "since is kept from the registry");
    assert.equal(state.nodes.get(nodeName("n"))?.lastSeen, sec(1));
  });

  test("registry ALIVE, present with a different createRevision: DEAD while down, then recovered", () => {
    const { state, effects } = play([
      [restore(registryView("n", "ALIVE", sec(-100), 5)), sec(0)],
      [snapshot("startup", [{ node: "n", createRevision: 42 }]), sec(1)],
    ]);
    assert.deepEqual(prints(effects[1] ?? []), [
      "[-] Node n is DEAD (TTL expired while the manager was down)",
      "[+] Node n is ALIVE (recovered)",
    ]);
    assert.deepEqual(
      ofType(effects[1] ?? [], "transition").map((t) => [t.from, t.to]),
      [
        ["ALIVE", "DEAD"],
        ["DEAD", "ALIVE"],
      ],
    );
    assert.equal(stateOf(state, "n"), "ALIVE");
    assert.equal(state.nodes.get(nodeName("n"))?.createRevision, 42);
  });

  test("registry DEAD, present in the snapshot: recovered", () => {
    const { state, effects } = play([
      [restore(registryView("n", "DEAD", sec(-100))), sec(0)],
      [snapshot("startup", [{ node: "n", createRevision: 42 }]), sec(1)],
    ]);
    assert.deepEqual(prints(effects[1] ?? []), ["[+] Node n is ALIVE (recovered)"]);
    assert.equal(stateOf(state, "n"), "ALIVE");
  });

  test("registry DEAD, missing from the snapshot: no transition, one [=] DEAD line", () => {
    const since = sec(-100);
    const { state, effects } = play([
      [restore(registryView("n", "DEAD", since)), sec(0)],
      [snapshot("startup", []), sec(1)],
    ]);
    assert.deepEqual(prints(effects[1] ?? []), [`[=] Node n: DEAD since ${iso(since)}`]);
    assert.equal(ofType(effects[1] ?? [], "transition").length, 0);
    assert.equal(stateOf(state, "n"), "DEAD");
  });

  test("registry ALIVE with leaving set, missing from the snapshot: LEFT, not DEAD", () => {
    const view = { ...registryView("n", "ALIVE", sec(-100), 5), leaving: true };
    const { state, effects } = play([
      [restore(view), sec(0)],
      [snapshot("startup", []), sec(1)],
    ]);
    assert.deepEqual(prints(effects[1] ?? []), ["[-] Node n LEFT (graceful shutdown)"]);
    assert.equal(stateOf(state, "n"), "LEFT");
  });

  test("a node first seen in the snapshot is ALIVE", () => {
    const { state, effects } = play([
      [restore(), sec(0)],
      [snapshot("startup", [{ node: "fresh", createRevision: 7 }]), sec(1)],
    ]);
    assert.deepEqual(prints(effects[1] ?? []), ["[+] Node fresh is ALIVE"]);
    assert.equal(stateOf(state, "fresh"), "ALIVE");
  });

  test("mixed fleet: every node gets exactly one line", () => {
    const { state, effects } = play([
      [
        restore(
          registryView("alive-kept", "ALIVE", sec(-50), 3),
          registryView("alive-gone", "ALIVE", sec(-50), 4),
          registryView("alive-recreated", "ALIVE", sec(-50), 5),
          registryView("dead-back", "DEAD", sec(-50)),
          registryView("dead-still", "DEAD", sec(-50)),
        ),
        sec(0),
      ],
      [
        snapshot("startup", [
          { node: "alive-kept", createRevision: 3 },
          { node: "alive-recreated", createRevision: 77 },
          { node: "dead-back", createRevision: 78 },
          { node: "brand-new", createRevision: 79 },
        ]),
        sec(1),
      ],
    ]);
    const lines = prints(effects[1] ?? []);
    const linesAbout = (node: string) => lines.filter((l) => new RegExp(`^\\[.\\] Node ${node}[ :]`).test(l));
    assert.deepEqual(linesAbout("alive-kept"), [`[=] Node alive-kept: ALIVE since ${iso(sec(-50))}`]);
    assert.deepEqual(linesAbout("alive-gone"), [
      "[-] Node alive-gone is DEAD (TTL expired while the manager was down)",
    ]);
    assert.deepEqual(linesAbout("alive-recreated"), [
      "[-] Node alive-recreated is DEAD (TTL expired while the manager was down)",
      "[+] Node alive-recreated is ALIVE (recovered)",
    ]);
    assert.deepEqual(linesAbout("dead-back"), ["[+] Node dead-back is ALIVE (recovered)"]);
    assert.deepEqual(linesAbout("dead-still"), [`[=] Node dead-still: DEAD since ${iso(sec(-50))}`]);
    assert.deepEqual(linesAbout("brand-new"), ["[+] Node brand-new is ALIVE"]);
    assert.equal(lines.length, 7);
    assert.deepEqual(
      ["alive-kept", "alive-gone", "alive-recreated", "dead-back", "dead-still", "brand-new"].map((n) =>
        stateOf(state, n),
      ),
      ["ALIVE", "DEAD", "ALIVE", "ALIVE", "DEAD", "ALIVE"],
    );
  });
});

describe("liveness reduce: snapshot after a re-sync (cause resync)", () => {
  test("a node gone while cut off is DEAD with the cut-off wording and no [=] lines", () => {
    const { state, effects } = play([
      [put("gone", 5, 5), sec(1)],
      [put("kept", 6, 6), sec(1)],
      [snapshot("resync", [{ node: "kept", createRevision: 6 }]), sec(30)],
    ]);
    const lines = prints(effects[2] ?? []);
    assert.deepEqual(lines, ["[-] Node gone is DEAD (TTL expired while the manager was cut off from etcd)"]);
    assert.ok(!lines.some((l) => l.startsWith("[=]")));
    assert.equal(stateOf(state, "gone"), "DEAD");
    assert.equal(stateOf(state, "kept"), "ALIVE");
  });

  test("an unchanged fleet prints nothing on re-sync", () => {
    const { effects } = play([
      [put("a", 5, 5), sec(1)],
      [put("b", 6, 6), sec(1)],
      [
        snapshot("resync", [
          { node: "a", createRevision: 5 },
          { node: "b", createRevision: 6 },
        ]),
        sec(30),
      ],
    ]);
    assert.deepEqual(prints(effects[2] ?? []), []);
    assert.equal(ofType(effects[2] ?? [], "transition").length, 0);
  });

  test("a node re-created while cut off: DEAD while cut off, then recovered", () => {
    const { effects } = play([
      [put("n", 5, 5), sec(1)],
      [snapshot("resync", [{ node: "n", createRevision: 50 }]), sec(30)],
    ]);
    assert.deepEqual(prints(effects[1] ?? []), [
      "[-] Node n is DEAD (TTL expired while the manager was cut off from etcd)",
      "[+] Node n is ALIVE (recovered)",
    ]);
  });
});

describe("liveness reduce: connection state", () => {
  test("connection-lost prints once even if repeated, and names the detail", () => {
    const { state, effects } = play([
      [{ type: "connection-lost", detail: "UNAVAILABLE" }, sec(1)],
      [{ type: "connection-lost", detail: "UNAVAILABLE" }, sec(2)],
      [{ type: "connection-lost", detail: "other" }, sec(3)],
    ]);
    assert.equal(prints(effects.flat()).length, 1);
    assert.match(prints(effects[0] ?? [])[0] ?? "", /^\[!\] Lost connection to etcd \(UNAVAILABLE\)/);
    assert.equal(state.connected, false);
  });

  test("connection-restored without a prior loss prints nothing", () => {
    const { state, all } = play([[{ type: "connection-restored" }, sec(1)]]);
    assert.deepEqual(all, []);
    assert.equal(state.connected, true);
  });

  test("connection-restored prints once, and only after a loss", () => {
    const { state, effects } = play([
      [{ type: "connection-lost", detail: "x" }, sec(1)],
      [{ type: "connection-restored" }, sec(2)],
      [{ type: "connection-restored" }, sec(3)],
      [{ type: "connection-lost", detail: "y" }, sec(4)],
      [{ type: "connection-restored" }, sec(5)],
    ]);
    assert.deepEqual(
      effects.map((e) => prints(e).length),
      [1, 1, 0, 1, 1],
    );
    assert.match(prints(effects[1] ?? [])[0] ?? "", /restored/);
    assert.equal(state.connected, true);
  });

  test("losing the connection declares nothing about nodes", () => {
    const { state, effects } = play([
      [put("n", 5, 5), sec(1)],
      [{ type: "connection-lost", detail: "x" }, sec(2)],
    ]);
    assert.equal(ofType(effects[1] ?? [], "transition").length, 0);
    assert.equal(stateOf(state, "n"), "ALIVE");
  });
});

describe("liveness reduce: history", () => {
  test(`50 flaps keep the history at HISTORY_LIMIT (${HISTORY_LIMIT}), newest last`, () => {
    const steps: Array<[LivenessEvent, number]> = [];
    let rev = 1;
    for (let i = 0; i < 50; i++) {
      steps.push([put("n", rev, rev), sec(i * 10)]);
      rev++;
      steps.push([del("n", rev), sec(i * 10 + 5)]);
      rev++;
    }
    const { state, all } = play(steps);
    const history = state.nodes.get(nodeName("n"))?.history ?? [];
    assert.equal(history.length, HISTORY_LIMIT);
    assert.equal(ofType(all, "transition").length, 100);
    // The kept entries are the newest ones, in time order.
    assert.equal(history.at(-1)?.at, sec(49 * 10 + 5));
    assert.equal(history.at(-1)?.state, "DEAD");
    assert.equal(history[0]?.at, sec((100 - HISTORY_LIMIT) * 5));
    for (let i = 1; i < history.length; i++) assert.ok((history[i]?.at ?? 0) > (history[i - 1]?.at ?? 0));
    for (const p of ofType(all, "persist")) assert.ok(p.view.history.length <= HISTORY_LIMIT);
  });

  test("history records reason and revision of each transition", () => {
    const { state } = play([
      [put("n", 5, 5), sec(1)],
      [del("n", 6), sec(2)],
      [put("n", 7, 7), sec(3)],
    ]);
    assert.deepEqual(
      state.nodes.get(nodeName("n"))?.history.map((h) => [h.state, h.reason, h.revision, h.at]),
      [
        ["ALIVE", "joined", 5, sec(1)],
        ["DEAD", "TTL expired", 6, sec(2)],
        ["ALIVE", "recovered", 7, sec(3)],
      ],
    );
  });
});

describe("liveness reduce: config acks", () => {
  const acks = (effects: LivenessEffect[]) => ofType(effects, "config-ack");

  test("no config-ack on the first put, even with an ack in the heartbeat", () => {
    const { all } = play([[put("n", 5, 5, hb("alive", ack(3))), sec(1)]]);
    assert.deepEqual(acks(all), []);
  });

  test("an unchanged ack on refresh emits nothing", () => {
    const { effects } = play([
      [put("n", 5, 5, hb("alive", ack(3))), sec(1)],
      [put("n", 5, 6, hb("alive", ack(3))), sec(2)],
    ]);
    assert.deepEqual(effects[1], []);
  });

  const changes: Array<{ name: string; from: ConfigAck; to: ConfigAck }> = [
    { name: "node override revision", from: ack(3, 0), to: ack(9, 0) },
    { name: "fleet default revision", from: ack(3, 4), to: ack(3, 8) },
    { name: "a new rejection", from: ack(3, 4), to: ack(3, 4, 11) },
    { name: "a different rejection", from: ack(3, 4, 11), to: ack(3, 4, 12) },
  ];
  for (const c of changes) {
    test(`a changed ack (${c.name}) emits exactly one config-ack with the new ack`, () => {
      const { effects } = play([
        [put("n", 5, 5, hb("alive", c.from)), sec(1)],
        [put("n", 5, 6, hb("alive", c.to)), sec(2)],
      ]);
      const emitted = acks(effects[1] ?? []);
      assert.equal(emitted.length, 1);
      assert.equal(emitted[0]?.node, "n");
      assert.deepEqual(emitted[0]?.ack, c.to);
      assert.deepEqual(prints(effects[1] ?? []), []);
    });
  }

  test("a view restored from the registry (no heartbeat) emits no config-ack on its first put", () => {
    const { effects } = play([
      [restore(registryView("n", "ALIVE", sec(-100), 5)), sec(0)],
      [snapshot("startup", [{ node: "n", createRevision: 5, heartbeat: hb("alive", ack(3)) }]), sec(1)],
      [put("n", 5, 6, hb("alive", ack(3))), sec(2)],
      [put("n", 5, 7, hb("alive", ack(4))), sec(3)],
    ]);
    assert.deepEqual(acks(effects[1] ?? []), [], "restored view: first ack is not a change");
    assert.deepEqual(acks(effects[2] ?? []), []);
    assert.deepEqual(
      acks(effects[3] ?? []).map((a) => a.ack.nodeRevision),
      [4],
    );
  });

  test("a heartbeat that drops its ack emits nothing", () => {
    const { effects } = play([
      [put("n", 5, 5, hb("alive", ack(3))), sec(1)],
      [put("n", 5, 6, hb("alive")), sec(2)],
    ]);
    assert.deepEqual(acks(effects[1] ?? []), []);
  });
});

describe("liveness reduce: purity", () => {
  test("the input state is never mutated, for every kind of event", () => {
    const events: Array<[LivenessEvent, number]> = [
      [restore(registryView("r", "ALIVE", sec(-10), 2), registryView("d", "DEAD", sec(-10))), sec(0)],
      [snapshot("startup", [{ node: "d", createRevision: 3 }]), sec(1)],
      [put("n", 5, 5, hb("alive", ack(1))), sec(2)],
      [put("n", 5, 6, hb("alive", ack(2))), sec(3)],
      [put("n", 5, 7, hb("leaving", ack(2))), sec(4)],
      [del("n", 8), sec(5)],
      [del("d", 9), sec(6)],
      [{ type: "connection-lost", detail: "x" }, sec(7)],
      [{ type: "connection-restored" }, sec(8)],
      [snapshot("resync", [{ node: "n", createRevision: 10 }]), sec(9)],
    ];
    // reduceChecked deep-freezes the views and compares the input before and after each call.
    let state = initialLiveness;
    const kept: LivenessState[] = [];
    for (const [event, now] of events) {
      kept.push(state);
      state = reduceChecked(state, event, now).state;
    }
    // Earlier states are still what they were: the first one is still empty.
    assert.equal(kept[0]?.nodes.size, 0);
    assert.equal(initialLiveness.nodes.size, 0);
    assert.equal(initialLiveness.connected, true);
  });

  test("a state object is not reused when something changed", () => {
    const a = reduceChecked(initialLiveness, put("n", 5, 5), sec(1)).state;
    assert.notEqual(a, initialLiveness);
    assert.notEqual(a.nodes, initialLiveness.nodes);
  });
});

describe("start-up listing of a large fleet", () => {
  test(`more than KNOWN_DETAIL_LIMIT unchanged nodes give one summary line; changes keep their own lines`, () => {
    const count = KNOWN_DETAIL_LIMIT + 10;
    const views: NodeView[] = Array.from({ length: count }, (_, i) => ({
      node: nodeName(`n${i}`),
      state: i < 3 ? "DEAD" : "ALIVE",
      since: 1,
      firstSeen: 1,
      lastSeen: 1,
      createRevision: i < 3 ? 0 : 100 + i,
      leaving: false,
      history: [],
    }));
    const restored = reduce(initialLiveness, { type: "restore", views }, 1000).state;
    // Every ALIVE node still has its key except n3, which died while the manager was down.
    const heartbeats = views
      .filter((v) => v.state === "ALIVE" && v.node !== "n3")
      .map((v) => ({
        node: v.node,
        heartbeat: { status: "alive" as const, ts: 1 },
        createRevision: v.createRevision,
        modRevision: v.createRevision,
      }));
    const { effects } = reduce(
      restored,
      { type: "snapshot", heartbeats, revision: 500, cause: "startup" },
      2000,
    );
    const lines = prints(effects);
    assert.deepEqual(lines, [
      "[-] Node n3 is DEAD (TTL expired while the manager was down)",
      `[=] ${count - 1} known nodes unchanged: ${count - 4} ALIVE, 3 DEAD, 0 LEFT (type "nodes" for the table)`,
    ]);
  });
});
