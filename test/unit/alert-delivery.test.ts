// Pure parts of alerting: Alertmanager's fingerprint, the outbox record decoder, the
// per-node delivery order, the set pushed to Alertmanager, grouped webhook bodies.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  alertmanagerAlerts,
  FIRING_VALID_MS,
  RESOLVED_RESEND_MS,
} from "../../src/manager/alerts/alertmanager-alerts.ts";
import { nextForHook, type StoredRecord } from "../../src/manager/alerts/delivery-order.ts";
import { labelFingerprint } from "../../src/manager/alerts/fingerprint.ts";
import { parseGroupWait } from "../../src/manager/alerts/options.ts";
import { type AlertRecord, decodeRecord, recordFor } from "../../src/manager/alerts/record.ts";
import { batchIdempotencyKey, webhookBody } from "../../src/manager/alerts/webhook-format.ts";
import type { NodeView } from "../../src/manager/liveness.ts";
import { Limiter } from "../../src/shared/limiter.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";

describe("labelFingerprint: as Alertmanager computes it", () => {
  // Values returned by a real Alertmanager (GET /api/v2/alerts) for these label sets; the
  // integration test alertmanager.test.ts checks more against a running one.
  const known: [Record<string, string>, string][] = [
    [{ alertname: "FleetwatchNodeDead", node: "sim-109", severity: "critical" }, "558d0d7777db0eb9"],
  ];
  for (const [labels, want] of known) {
    it(`${labels.node} -> ${want}`, () => assert.equal(labelFingerprint(labels), want));
  }
  it("does not depend on the order labels are given in", () => {
    assert.equal(
      labelFingerprint({ severity: "critical", node: "sim-109", alertname: "FleetwatchNodeDead" }),
      "558d0d7777db0eb9",
    );
  });
  it("the empty label set is FNV-1a's offset basis", () =>
    assert.equal(labelFingerprint({}), "cbf29ce484222325"));
  it("hashes UTF-8 bytes", () => assert.notEqual(labelFingerprint({ a: "é" }), labelFingerprint({ a: "e" })));
});

const base: AlertRecord = {
  node: nodeName("n1"),
  kind: "DEAD",
  state: "DEAD",
  reason: "TTL expired",
  at: 1000,
  revision: 10,
  delivered: [],
  dropped: [],
};
const stored = (over: Partial<AlertRecord>): StoredRecord => {
  const record = { ...base, delivered: [], dropped: [], ...over };
  return { key: `k${record.revision}`, record };
};

describe("decodeRecord: the outbox boundary", () => {
  it("accepts a record and defaults `dropped` (records written before it existed)", () => {
    const { dropped: _, ...old } = base;
    assert.deepEqual(decodeRecord(JSON.stringify(old))?.dropped, []);
  });
  const bad: [string, string][] = [
    ["issue 11's record without `at`", '{"node":"y","revision":2,"delivered":[]}'],
    ["not JSON", "{"],
    ["null", "null"],
    ["a list", "[]"],
    ["a date out of range", JSON.stringify({ ...base, at: 1e300 })],
    ["delivered not a list", JSON.stringify({ ...base, delivered: "x" })],
    ["an unknown kind", JSON.stringify({ ...base, kind: "EXPLODED" })],
  ];
  for (const [name, text] of bad) {
    it(`refuses ${name}`, () => assert.equal(decodeRecord(text), undefined));
  }
});

describe("nextForHook: per-node order to one receiver", () => {
  it("sends the oldest pending record first", () => {
    const r = nextForHook(
      [stored({ revision: 10 }), stored({ kind: "RECOVERED", state: "ALIVE", revision: 20 })],
      "h",
    );
    // DEAD is superseded by the RECOVERED after it: dropped, and RECOVERED goes.
    assert.deepEqual(
      r.drop.map((s) => s.record.revision),
      [10],
    );
    assert.equal(r.send?.record.revision, 20);
  });
  it("a newer firing record waits for the older resolution", () => {
    const records = [
      stored({ revision: 10, delivered: ["h"] }),
      stored({ kind: "RECOVERED", state: "ALIVE", revision: 20 }),
      stored({ revision: 30 }),
    ];
    const r = nextForHook(records, "h");
    assert.deepEqual(r.drop, []);
    assert.equal(r.send?.record.revision, 20);
  });
  it("a firing record with no later resolution is sent", () => {
    const r = nextForHook([stored({ revision: 10 })], "h");
    assert.equal(r.send?.record.revision, 10);
  });
  it("records settled for this receiver are skipped; other receivers' marks do not count", () => {
    const records = [
      stored({ revision: 10, delivered: ["other"] }),
      stored({ revision: 30, dropped: ["h"] }),
    ];
    assert.equal(nextForHook(records, "h").send?.record.revision, 10);
    assert.equal(nextForHook(records, "other").send?.record.revision, 30);
  });
  it("a resolution of another alert does not supersede (LEFT is not resolved by RECOVERED)", () => {
    const r = nextForHook(
      [
        stored({ kind: "LEFT", state: "LEFT", revision: 10 }),
        stored({ kind: "RECOVERED", state: "ALIVE", revision: 20 }),
      ],
      "h",
    );
    assert.equal(r.send?.record.revision, 10);
  });
  it("nothing pending: nothing to send", () => {
    assert.equal(nextForHook([stored({ delivered: ["h"] })], "h").send, undefined);
  });
});

const view = (history: NodeView["history"]): NodeView => ({
  node: nodeName("web-1"),
  state: history.at(-1)?.state ?? "ALIVE",
  since: history.at(-1)?.at ?? 0,
  firstSeen: 0,
  lastSeen: 0,
  createRevision: 0,
  leaving: false,
  history,
});
const NOW = Date.UTC(2026, 0, 1);

describe("recordFor: resolutions keep the original startsAt", () => {
  it("RECOVERED carries when the node died", () => {
    const v = view([
      { state: "ALIVE", at: NOW - 300_000, reason: "joined", revision: 5 },
      { state: "DEAD", at: NOW - 200_000, reason: "TTL expired", revision: 6 },
      { state: "ALIVE", at: NOW - 100_000, reason: "recovered", revision: 7 },
    ]);
    assert.equal(recordFor(v, 2, false)?.firingAt, NOW - 200_000);
    assert.equal(recordFor(v, 0, false), undefined, "a first join is not an alert");
  });
});

describe("alertmanagerAlerts: the set pushed to Alertmanager", () => {
  const o = { alertOnLeave: false, externalUrl: "http://fw:8080" };
  it("a DEAD node fires, valid for a few resend periods, linking to its page", () => {
    const v = view([
      { state: "ALIVE", at: NOW - 60_000, reason: "joined", revision: 5 },
      { state: "DEAD", at: NOW - 30_000, reason: "TTL expired", revision: 6 },
    ]);
    assert.deepEqual(alertmanagerAlerts([v], NOW, o), [
      {
        labels: { alertname: "FleetwatchNodeDead", node: "web-1", severity: "critical" },
        annotations: { summary: "Node web-1 is DEAD (TTL expired)", reason: "TTL expired", state: "DEAD" },
        startsAt: new Date(NOW - 30_000).toISOString(),
        endsAt: new Date(NOW + FIRING_VALID_MS).toISOString(),
        generatorURL: "http://fw:8080/nodes/web-1",
      },
    ]);
  });
  it("a recovered node is resolved with its real start and end, then no longer sent", () => {
    const v = view([
      { state: "DEAD", at: NOW - 30_000, reason: "TTL expired", revision: 6 },
      { state: "ALIVE", at: NOW - 10_000, reason: "recovered", revision: 7 },
    ]);
    const [a] = alertmanagerAlerts([v], NOW, o);
    assert.equal(a?.startsAt, new Date(NOW - 30_000).toISOString());
    assert.equal(a?.endsAt, new Date(NOW - 10_000).toISOString());
    assert.deepEqual(alertmanagerAlerts([v], NOW + RESOLVED_RESEND_MS, o), []);
  });
  it("LEFT is no alert by default; with --alert-on-leave it fires (info)", () => {
    const v = view([
      { state: "ALIVE", at: NOW - 60_000, reason: "joined", revision: 5 },
      { state: "LEFT", at: NOW - 30_000, reason: "graceful shutdown", revision: 6 },
    ]);
    assert.deepEqual(alertmanagerAlerts([v], NOW, o), []);
    assert.equal(alertmanagerAlerts([v], NOW, { ...o, alertOnLeave: true })[0]?.labels.severity, "info");
  });
});

describe("grouped webhook bodies (--alert-group-wait)", () => {
  const records = Array.from({ length: 200 }, (_, i) => ({
    ...base,
    node: nodeName(`n${i}`),
    revision: 100 + i,
  }));
  it("200 deaths are one Alertmanager-format body with 200 alerts", () => {
    const body = webhookBody(records, "alertmanager", "") as {
      status: string;
      alerts: unknown[];
      commonLabels: Record<string, string>;
      groupLabels: Record<string, string>;
      fleetwatch: { events: unknown[] };
    };
    assert.equal(body.status, "firing");
    assert.equal(body.alerts.length, 200);
    assert.equal(body.fleetwatch.events.length, 200);
    assert.deepEqual(body.commonLabels, { alertname: "FleetwatchNodeDead", severity: "critical" });
    assert.deepEqual(body.groupLabels, { alertname: "FleetwatchNodeDead" });
  });
  it("one Slack message, one line per alert", () => {
    const body = webhookBody(records, "slack", "") as { text: string };
    assert.equal(body.text.split("\n").length, 200);
  });
  it("the group's idempotency key is bounded and stable", () => {
    assert.equal(batchIdempotencyKey(records), batchIdempotencyKey(records));
    assert.ok(batchIdempotencyKey(records).length < 64);
    assert.equal(batchIdempotencyKey([base]), "n1/10");
  });
  const waits: [string, number][] = [
    ["0", 0],
    ["500ms", 500],
    ["5s", 5000],
    ["2", 2000],
    ["1m", 60_000],
  ];
  for (const [text, ms] of waits)
    it(`--alert-group-wait ${text} = ${ms} ms`, () => assert.equal(parseGroupWait(text), ms));
  it("refuses a bad or too long window", () => {
    assert.throws(() => parseGroupWait("soon"));
    assert.throws(() => parseGroupWait("1h"));
    assert.throws(() => parseGroupWait("11m"));
  });
});

describe("Limiter: the cap on concurrent POSTs", () => {
  it("never runs more than its limit at once, and runs every task", async () => {
    const gate = new Limiter(3);
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        gate.run(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setImmediate(r));
          running--;
          return i;
        }),
      ),
    );
    assert.equal(most, 3);
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, i) => i),
    );
  });
  it("a failing task frees its slot", async () => {
    const gate = new Limiter(1);
    await assert.rejects(gate.run(() => Promise.reject(new Error("boom"))));
    assert.equal(await gate.run(async () => "next"), "next");
  });
});
