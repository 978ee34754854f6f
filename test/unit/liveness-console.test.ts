// The console's words for the reducer's data-only effects and the election's changes: the
// lab's lines, byte for byte (liveness.test.ts checks which effects the reducer returns).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { LivenessEffect, NodeView } from "../../src/manager/liveness.ts";
import { consoleLines, KNOWN_DETAIL_LIMIT, leadershipLine } from "../../src/manager/liveness-console.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";

const transition = (
  from: "ALIVE" | "DEAD" | "LEFT" | undefined,
  to: "ALIVE" | "DEAD" | "LEFT",
  missedWhile?: "startup" | "resync",
): LivenessEffect => ({
  type: "transition",
  node: nodeName("web-1"),
  from,
  to,
  reason: "test",
  at: 1,
  revision: 7,
  ...(missedWhile ? { missedWhile } : {}),
});

const view = (node: string, state: NodeView["state"]): NodeView => ({
  node: nodeName(node),
  state,
  since: Date.UTC(2026, 0, 1, 12, 0, 0),
  firstSeen: 0,
  lastSeen: 0,
  createRevision: 0,
  leaving: false,
  history: [],
});

describe("consoleLines", () => {
  const cases: Array<[string, LivenessEffect, string[]]> = [
    ["join", transition(undefined, "ALIVE"), ["[+] Node web-1 is ALIVE"]],
    ["rejoin after leaving", transition("LEFT", "ALIVE"), ["[+] Node web-1 is ALIVE"]],
    ["recovery", transition("DEAD", "ALIVE"), ["[+] Node web-1 is ALIVE (recovered)"]],
    ["death seen as a DELETE", transition("ALIVE", "DEAD"), ["[-] Node web-1 is DEAD (TTL expired)"]],
    [
      "death missed while down",
      transition("ALIVE", "DEAD", "startup"),
      ["[-] Node web-1 is DEAD (TTL expired while the manager was down)"],
    ],
    [
      "death missed while cut off",
      transition("ALIVE", "DEAD", "resync"),
      ["[-] Node web-1 is DEAD (TTL expired while the manager was cut off from etcd)"],
    ],
    ["leave", transition("ALIVE", "LEFT"), ["[-] Node web-1 LEFT (graceful shutdown)"]],
    [
      "leave missed while away",
      transition("ALIVE", "LEFT", "resync"),
      ["[-] Node web-1 LEFT (graceful shutdown)"],
    ],
    [
      "connection lost",
      { type: "connection-lost", detail: "etcd down" },
      ["[!] Lost connection to etcd (etcd down); declaring nothing until it is back"],
    ],
    [
      "connection restored",
      { type: "connection-restored" },
      ["[!] Connection to etcd restored; catching up on missed events"],
    ],
    [
      "forgotten",
      { type: "forgotten", node: nodeName("web-1"), from: "LEFT", by: "ctl:alice@host" },
      ["[x] Node web-1 forgotten (was LEFT; by ctl:alice@host)"],
    ],
    [
      "known at start-up, one line each",
      { type: "known-at-startup", views: [view("a", "ALIVE"), view("b", "DEAD")] },
      ["[=] Node a: ALIVE since 2026-01-01T12:00:00.000Z", "[=] Node b: DEAD since 2026-01-01T12:00:00.000Z"],
    ],
    ["registry write", { type: "persist", view: view("a", "ALIVE") }, []],
  ];
  for (const [name, effect, lines] of cases) {
    test(name, () => assert.deepEqual(consoleLines(effect), lines));
  }

  test("more than KNOWN_DETAIL_LIMIT known nodes read as one summary line", () => {
    const views = Array.from({ length: KNOWN_DETAIL_LIMIT + 1 }, (_, i) =>
      view(`n${i}`, i === 0 ? "LEFT" : i < 3 ? "DEAD" : "ALIVE"),
    );
    assert.deepEqual(consoleLines({ type: "known-at-startup", views }), [
      `[=] ${KNOWN_DETAIL_LIMIT + 1} known nodes unchanged: ${KNOWN_DETAIL_LIMIT - 2} ALIVE, 2 DEAD, 1 LEFT (type "nodes" for the table)`,
    ]);
    assert.equal(
      consoleLines({ type: "known-at-startup", views: views.slice(1) }).length,
      KNOWN_DETAIL_LIMIT,
    );
  });
});

describe("leadershipLine", () => {
  test("leading and standing by", () => {
    assert.equal(
      leadershipLine({ role: "leader", term: 3 }, "host-1:42"),
      "[HA] This manager (host-1:42) is now leading",
    );
    assert.equal(
      leadershipLine({ role: "follower", leader: "host-2:7" }, "host-1:42"),
      "[HA] Standing by: host-2:7 is leading",
    );
    assert.equal(
      leadershipLine({ role: "follower", leader: undefined }, "host-1:42"),
      "[HA] Standing by: another manager is leading",
    );
  });

  test("a leader id read from etcd cannot put control characters on the console", () => {
    const line = leadershipLine({ role: "follower", leader: "evil\u001b[2J\nx" }, "me");
    assert.equal(line, "[HA] Standing by: evil\\x1b[2J\\x0ax is leading");
  });
});
