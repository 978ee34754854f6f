import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { NodeView, Transition } from "../../src/manager/liveness.ts";
import { historyTable, nodesTable } from "../../src/manager/views.ts";
import { formatAge } from "../../src/shared/age.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";
import type { ConfigAck } from "../../src/shared/schema.ts";

const NOW = Date.UTC(2026, 0, 2, 0, 0, 0);
const ago = (s: number) => NOW - s * 1000;

describe("formatAge", () => {
  const cases: Array<[number, string]> = [
    [0, "0s"],
    [-5_000, "0s"],
    [499, "0s"],
    [500, "1s"],
    [1_000, "1s"],
    [59_000, "59s"],
    [59_499, "59s"],
    [59_500, "1m00s"],
    [60_000, "1m00s"],
    [61_000, "1m01s"],
    [600_000, "10m00s"],
    [3_599_000, "59m59s"],
    [3_599_500, "1h00m"],
    [3_600_000, "1h00m"],
    [3_659_000, "1h00m"],
    [3_660_000, "1h01m"],
    [86_399_000, "23h59m"],
    [86_400_000, "1d00h"],
    [90_000_000, "1d01h"],
    [10 * 86_400_000, "10d00h"],
  ];
  for (const [ms, text] of cases) {
    test(`${ms} ms -> ${text}`, () => {
      assert.equal(formatAge(ms), text);
    });
  }

  test("the dashboard's browser copy (dashboard/common.js) says the same", async () => {
    // Untyped browser code: imported by URL so tsc does not look for its declarations.
    const url = new URL("../../src/manager/dashboard/common.js", import.meta.url).href;
    const { age } = (await import(url)) as { age(ms: number): string };
    for (const [ms, text] of cases) assert.equal(age(ms), text, `${ms} ms`);
  });

  test("never goes down as the age grows", () => {
    const toSeconds = (t: string) => {
      const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
      assert.ok(m, t);
      const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number];
      return ((d * 24 + h) * 60 + min) * 60 + s;
    };
    let previous = -1;
    for (let ms = 0; ms < 3 * 86_400_000; ms += 37_000) {
      const s = toSeconds(formatAge(ms));
      assert.ok(s >= previous, `${ms}: ${formatAge(ms)}`);
      assert.ok(s <= Math.round(ms / 1000), `${ms}: ${formatAge(ms)} is more than the age`);
      previous = s;
    }
  });
});

const ack: ConfigAck = { nodeRevision: 4, defaultRevision: 2, interval: 5, metrics: ["cpu", "disk_io"] };

function view(node: string, state: NodeView["state"], sinceS: number, lastSeenS: number, config?: ConfigAck) {
  const v: NodeView = {
    node: nodeName(node),
    state,
    since: ago(sinceS),
    firstSeen: ago(sinceS + 100),
    lastSeen: ago(lastSeenS),
    createRevision: 1,
    leaving: false,
    heartbeat: { status: "alive", ts: 1, ...(config ? { config } : {}) },
    history: [],
  };
  return v;
}

/** Splits an aligned table into cells using the header's column offsets. */
function parseTable(text: string): { header: string[]; rows: string[][]; offsets: number[] } {
  const [headerLine = "", ...lines] = text.split("\n");
  const offsets = [...headerLine.matchAll(/\S+(?: \S+)*/g)].map((m) => m.index ?? 0);
  const cut = (line: string) =>
    offsets.map((start, i) => line.slice(start, offsets[i + 1] ?? line.length).trim());
  return { header: cut(headerLine), rows: lines.map(cut), offsets };
}

describe("nodesTable", () => {
  test("no nodes: a hint how to start one", () => {
    assert.match(nodesTable([], NOW), /No nodes known yet.*fleetwatch agent/);
  });

  test("columns, one row per node, sorted by name whatever the input order", () => {
    const text = nodesTable(
      [
        view("web-2", "DEAD", 90, 95, ack),
        view("db-1", "ALIVE", 3_700, 0, ack),
        view("web-10", "LEFT", 30, 30),
        view("cache", "ALIVE", 5, 1),
      ],
      NOW,
    );
    const { header, rows } = parseTable(text);
    assert.deepEqual(header, ["NODE", "STATE", "SINCE", "LAST SEEN", "APPLIED CONFIG"]);
    assert.deepEqual(
      rows.map((r) => r[0]),
      ["cache", "db-1", "web-10", "web-2"],
    );
    const row = (node: string) => rows.find((r) => r[0] === node) ?? [];
    assert.deepEqual(row("db-1").slice(1, 4), ["ALIVE", "1h01m ago", "now (lease live)"]);
    assert.match(row("db-1")[4] ?? "", /interval=5s/);
    assert.match(row("db-1")[4] ?? "", /cpu, disk_io/);
    // A dead node: how long ago it was last seen, and no applied config (it runs nothing).
    assert.deepEqual(row("web-2").slice(1), ["DEAD", "1m30s ago", "1m35s ago", "-"]);
    assert.deepEqual(row("web-10").slice(1), ["LEFT", "30s ago", "30s ago", "-"]);
    // ALIVE without a config ack yet.
    assert.deepEqual(row("cache").slice(1), ["ALIVE", "5s ago", "now (lease live)", "-"]);
  });

  test("every column starts at the same offset on every line", () => {
    const text = nodesTable(
      [view("a", "ALIVE", 1, 0, ack), view("a-much-longer-name", "DEAD", 7_200, 7_300)],
      NOW,
    );
    const { offsets } = parseTable(text);
    const lines = text.split("\n");
    for (const line of lines) {
      for (const start of offsets.slice(1)) {
        assert.equal(line[start - 1], " ", `column boundary at ${start} in ${JSON.stringify(line)}`);
      }
      assert.equal(line, line.trimEnd(), "no trailing spaces");
    }
  });

  test("a rejected config is shown with its revision and reason", () => {
    const rejected: ConfigAck = {
      ...ack,
      rejected: { key: "/monitor/config/a", revision: 77, reason: "interval: must be at least 1 (got 0)" },
    };
    const text = nodesTable([view("a", "ALIVE", 1, 0, rejected)], NOW);
    assert.match(text, /REJECTED rev 77: interval: must be at least 1 \(got 0\)/);
    assert.match(text, /interval=5s/, "still shows the config it runs on");
  });

  test("a config status column is added only when asked for", () => {
    const views = [view("a", "ALIVE", 1, 0, ack)];
    assert.ok(!nodesTable(views, NOW).includes("CONFIG STATUS"));
    const { header, rows } = parseTable(nodesTable(views, NOW, (v) => `status of ${v.node}`));
    assert.equal(header.at(-1), "CONFIG STATUS");
    assert.equal(rows[0]?.at(-1), "status of a");
  });

  test("accepts any iterable, e.g. a Map's values", () => {
    const map = new Map([
      ["b", view("b", "ALIVE", 1, 0)],
      ["a", view("a", "ALIVE", 1, 0)],
    ]);
    assert.deepEqual(
      parseTable(nodesTable(map.values(), NOW)).rows.map((r) => r[0]),
      ["a", "b"],
    );
  });
});

describe("historyTable", () => {
  test("no transitions: says so and names the node", () => {
    assert.equal(historyTable("web-1", [], NOW), "No transitions recorded for web-1.");
  });

  test("newest first, with time, age, state, reason and revision", () => {
    const history: Transition[] = [
      { state: "ALIVE", at: ago(7_200), reason: "joined", revision: 5 },
      { state: "DEAD", at: ago(600), reason: "TTL expired", revision: 9 },
      { state: "ALIVE", at: ago(20), reason: "recovered", revision: 12 },
    ];
    const text = historyTable("web-1", history, NOW);
    const [title, ...tableLines] = text.split("\n");
    assert.equal(title, "History of web-1 (newest first):");
    const { header, rows } = parseTable(tableLines.join("\n"));
    assert.deepEqual(header, ["TIME", "AGE", "STATE", "REASON", "REVISION"]);
    assert.deepEqual(rows, [
      [new Date(ago(20)).toISOString(), "20s ago", "ALIVE", "recovered", "12"],
      [new Date(ago(600)).toISOString(), "10m00s ago", "DEAD", "TTL expired", "9"],
      [new Date(ago(7_200)).toISOString(), "2h00m ago", "ALIVE", "joined", "5"],
    ]);
  });

  test("does not reorder the caller's array", () => {
    const history: Transition[] = [
      { state: "ALIVE", at: ago(10), reason: "joined", revision: 1 },
      { state: "DEAD", at: ago(5), reason: "TTL expired", revision: 2 },
    ];
    const copy = structuredClone(history);
    historyTable("n", history, NOW);
    assert.deepEqual(history, copy);
  });
});
