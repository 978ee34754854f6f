// JSON shapes of the HTTP API (src/manager/http/fleet-view.ts) and the manager's read model
// of stored configs (src/manager/http/config-view.ts). Pure: views in, objects out; time is
// a parameter (a fake clock where it matters).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DesiredState } from "../../src/config/compliance.ts";
import { ConfigView, decodeConfigEntry, type StoredEntry } from "../../src/manager/http/config-view.ts";
import { recentEvents, summarize } from "../../src/manager/http/fleet-view.ts";
import type { MetricSample } from "../../src/manager/http/samples.ts";
import type { NodeView, Transition } from "../../src/manager/liveness.ts";
import type { InformerEvent } from "../../src/shared/informer.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";
import type { ConfigAck } from "../../src/shared/schema.ts";

const desired: DesiredState = {
  config: { interval: 5, metrics: ["cpu"] },
  nodeRevision: 12,
  defaultRevision: 7,
};
const ack = (over: Partial<ConfigAck> = {}): ConfigAck => ({
  nodeRevision: 12,
  defaultRevision: 7,
  interval: 5,
  metrics: ["cpu"],
  ...over,
});
const view = (over: Partial<NodeView> = {}): NodeView => ({
  node: nodeName("web-1"),
  state: "ALIVE",
  since: 1000,
  firstSeen: 500,
  lastSeen: 5000,
  createRevision: 3,
  leaving: false,
  heartbeat: { status: "alive", ts: 5, config: ack() },
  history: [],
  ...over,
});
const sample = (t: number): MetricSample => ({ t, interval: 5, values: { "cpu.usage_ratio": 1 } });

describe("summarize: one node of GET /api/nodes", () => {
  const table: {
    name: string;
    view: NodeView;
    latest?: MetricSample;
    lastHeartbeat: number | null;
    applied: unknown;
    compliance: unknown;
    latestOut?: unknown;
  }[] = [
    {
      name: "alive, acknowledged the desired revisions: in-sync, applied shown",
      view: view(),
      lastHeartbeat: 5000,
      applied: { interval: 5, metrics: ["cpu"], nodeRevision: 12, defaultRevision: 7 },
      compliance: { status: "in-sync" },
    },
    {
      name: "alive, a newer metric sample than the heartbeat: its time is the last report",
      view: view(),
      latest: sample(9000),
      lastHeartbeat: 9000,
      applied: { interval: 5, metrics: ["cpu"], nodeRevision: 12, defaultRevision: 7 },
      compliance: { status: "in-sync" },
      latestOut: { t: 9000, interval: 5, values: { "cpu.usage_ratio": 1 } },
    },
    {
      name: "alive, an older sample: the heartbeat is the last report",
      view: view(),
      latest: sample(4000),
      lastHeartbeat: 5000,
      applied: { interval: 5, metrics: ["cpu"], nodeRevision: 12, defaultRevision: 7 },
      compliance: { status: "in-sync" },
      latestOut: { t: 4000, interval: 5, values: { "cpu.usage_ratio": 1 } },
    },
    {
      name: "alive, behind on the override: pending with the revisions",
      view: view({ heartbeat: { status: "alive", ts: 5, config: ack({ nodeRevision: 10 }) } }),
      lastHeartbeat: 5000,
      applied: { interval: 5, metrics: ["cpu"], nodeRevision: 10, defaultRevision: 7 },
      compliance: { status: "pending", detail: "agent applied override revision 10, desired 12" },
    },
    {
      name: "alive, rejected the current override: the rejection is in applied and compliance",
      view: view({
        heartbeat: {
          status: "alive",
          ts: 5,
          config: ack({
            nodeRevision: 10,
            rejected: { key: "/monitor/config/web-1", revision: 12, reason: "bad" },
          }),
        },
      }),
      lastHeartbeat: 5000,
      applied: {
        interval: 5,
        metrics: ["cpu"],
        nodeRevision: 10,
        defaultRevision: 7,
        rejected: { key: "/monitor/config/web-1", revision: 12, reason: "bad" },
      },
      compliance: { status: "rejected", key: "/monitor/config/web-1", revision: 12, reason: "bad" },
    },
    {
      name: "alive without an acknowledgement: applied null, unknown",
      view: view({ heartbeat: { status: "alive", ts: 5 } }),
      lastHeartbeat: 5000,
      applied: null,
      compliance: { status: "unknown", detail: "agent has not acknowledged any config" },
    },
    {
      name: "DEAD with its last heartbeat still in the view: applied null, last report = lastSeen",
      view: view({ state: "DEAD", lastSeen: 7000 }),
      lastHeartbeat: 7000,
      applied: null,
      compliance: { status: "unknown", detail: "node is not alive" },
    },
    {
      name: "DEAD with a sample: the sample's time",
      view: view({ state: "DEAD", lastSeen: 7000 }),
      latest: sample(6000),
      lastHeartbeat: 6000,
      applied: null,
      compliance: { status: "unknown", detail: "node is not alive" },
      latestOut: { t: 6000, interval: 5, values: { "cpu.usage_ratio": 1 } },
    },
    {
      name: "LEFT, restored from the registry without a heartbeat or sample: no last report",
      view: view({ state: "LEFT", heartbeat: undefined }),
      lastHeartbeat: null,
      applied: null,
      compliance: { status: "unknown", detail: "node is not alive" },
    },
  ];
  for (const c of table) {
    it(c.name, () => {
      const s = summarize(c.view, desired, c.latest);
      assert.deepEqual(s, {
        node: "web-1",
        state: c.view.state,
        since: c.view.since,
        firstSeen: 500,
        lastSeen: c.view.lastSeen,
        lastHeartbeat: c.lastHeartbeat,
        applied: c.applied,
        desired: desired.config,
        compliance: c.compliance,
        latest: c.latestOut ?? null,
      });
    });
  }

  it("copies what it exposes (a caller cannot change the view's ack through it)", () => {
    const v = view();
    const s = summarize(v, desired, undefined);
    s.applied?.metrics.push("memory");
    assert.deepEqual(v.heartbeat?.config?.metrics, ["cpu"]);
  });

  it("is plain JSON", () => {
    const s = summarize(view(), desired, sample(9000));
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  });
});

describe("recentEvents: GET /api/events", () => {
  const t = (state: Transition["state"], at: number, revision: number): Transition => ({
    state,
    at,
    reason: state.toLowerCase(),
    revision,
  });
  const views = [
    view({ node: nodeName("b"), history: [t("ALIVE", 100, 1), t("DEAD", 300, 5)] }),
    view({ node: nodeName("a"), history: [t("ALIVE", 100, 2), t("LEFT", 300, 6), t("ALIVE", 400, 8)] }),
    view({ node: nodeName("c"), history: [] }),
  ];
  const key = (e: { node: string; at: number; revision: number }) => `${e.node}@${e.at}/${e.revision}`;
  const table: { name: string; limit: number; node?: string; want: string[] }[] = [
    {
      name: "newest first; same time -> higher revision first",
      limit: 100,
      want: ["a@400/8", "a@300/6", "b@300/5", "a@100/2", "b@100/1"],
    },
    { name: "limit", limit: 2, want: ["a@400/8", "a@300/6"] },
    { name: "one node", limit: 100, node: "b", want: ["b@300/5", "b@100/1"] },
    { name: "a node without history", limit: 100, node: "c", want: [] },
    { name: "an unknown node", limit: 100, node: "zz", want: [] },
  ];
  for (const c of table) {
    it(c.name, () => assert.deepEqual(recentEvents(views, c.limit, c.node).map(key), c.want));
  }

  it("same time and revision: by node name", () => {
    const same = [
      view({ node: nodeName("y"), history: [t("DEAD", 1, 1)] }),
      view({ node: nodeName("x"), history: [t("DEAD", 1, 1)] }),
    ];
    assert.deepEqual(
      recentEvents(same, 10).map((e) => e.node),
      ["x", "y"],
    );
  });

  it("an event has node, state, at, reason and revision", () => {
    assert.deepEqual(recentEvents(views, 1)[0], {
      node: "a",
      state: "ALIVE",
      at: 400,
      reason: "alive",
      revision: 8,
    });
  });
});

describe("ConfigView: stored configs, desired config and apply lag (fake clock)", () => {
  // Stored text goes through the config feed's decoder, as in the server.
  const stored = (key: string, value: string, modRevision: number) => ({
    key,
    value: decodeConfigEntry({ key, value, revision: modRevision }),
  });
  const put = (key: string, value: string, modRevision: number): InformerEvent<StoredEntry> => ({
    type: "put",
    ...stored(key, value, modRevision),
    modRevision,
    createRevision: modRevision,
  });

  it("desired merges built-in <- default <- override; invalid values count as absent", () => {
    const cv = new ConfigView(() => undefined);
    cv.onList([
      stored("/monitor/config/_default", '{"interval":30,"metrics":["cpu","load"]}', 4),
      stored("/monitor/config/web-1", '{"interval":5}', 9),
      stored("/monitor/config/web-2", "garbage", 11),
    ]);
    const table: [node: string, want: DesiredState][] = [
      ["web-1", { config: { interval: 5, metrics: ["cpu", "load"] }, nodeRevision: 9, defaultRevision: 4 }],
      ["web-2", { config: { interval: 30, metrics: ["cpu", "load"] }, nodeRevision: 11, defaultRevision: 4 }],
      ["web-3", { config: { interval: 30, metrics: ["cpu", "load"] }, nodeRevision: 0, defaultRevision: 4 }],
    ];
    for (const [node, want] of table) assert.deepEqual(cv.desired(nodeName(node)), want, node);
    assert.match(cv.entry(nodeName("web-2"))?.problem ?? "", /JSON/);
    assert.equal(cv.entry(nodeName("web-2"))?.value, undefined);
  });

  it("nodeOf: the node of a config key, undefined for the default", () => {
    assert.equal(ConfigView.nodeOf("/monitor/config/web-1"), "web-1");
    assert.equal(ConfigView.nodeOf("/monitor/config/_default"), undefined);
  });

  it("apply lag: a node override write -> that node's ack, counted once", () => {
    const lags: number[] = [];
    let now = 10_000;
    const cv = new ConfigView((s) => lags.push(s));
    assert.deepEqual(cv.onEvents([put("/monitor/config/web-1", '{"interval":5}', 20)], now), [
      "/monitor/config/web-1",
    ]);
    now += 300;
    cv.onAck(nodeName("web-1"), ack({ nodeRevision: 19 }), now); // older revision: not yet
    assert.deepEqual(lags, []);
    now += 200;
    cv.onAck(nodeName("web-1"), ack({ nodeRevision: 20 }), now);
    cv.onAck(nodeName("web-1"), ack({ nodeRevision: 20 }), now + 1000); // repeated ack: not counted again
    assert.deepEqual(lags, [0.5]);
  });

  it("apply lag: a rejection of the written revision is not an application", () => {
    const lags: number[] = [];
    const cv = new ConfigView((s) => lags.push(s));
    cv.onEvents([put("/monitor/config/web-1", "garbage", 20)], 0);
    cv.onAck(
      nodeName("web-1"),
      ack({ nodeRevision: 20, rejected: { key: "k", revision: 20, reason: "bad" } }),
      100,
    );
    assert.deepEqual(lags, []);
  });

  it("apply lag: a default write counts once per acknowledging node, for 10 minutes", () => {
    const lags: number[] = [];
    const cv = new ConfigView((s) => lags.push(s));
    cv.onEvents([put("/monitor/config/_default", '{"interval":30}', 30)], 0);
    cv.onAck(nodeName("a"), ack({ defaultRevision: 30 }), 1000);
    cv.onAck(nodeName("a"), ack({ defaultRevision: 30 }), 2000);
    cv.onAck(nodeName("b"), ack({ defaultRevision: 31 }), 3000);
    assert.deepEqual(lags, [1, 3]);
    cv.onAck(nodeName("c"), ack({ defaultRevision: 29 }), 600_001); // too old a revision, and the bound passes
    cv.onAck(nodeName("c"), ack({ defaultRevision: 30 }), 600_002);
    assert.deepEqual(lags, [1, 3]);
  });
});
