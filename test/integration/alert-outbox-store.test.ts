// The outbox's writes carry the leader's term compare (issue 15): against a real etcd, a
// manager whose term is not the current leader key's cannot create, mark or prune records.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Etcd3, type ICompare } from "etcd3";
import pino from "pino";
import { OutboxStore, RECORD_RETENTION_MS } from "../../src/manager/alerts/outbox-store.ts";
import { type AlertRecord, alertKey } from "../../src/manager/alerts/record.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";
import { type EtcdCluster, startEtcd } from "./harness/index.ts";

let etcd: EtcdCluster;
let client: Etcd3;
before(async () => {
  etcd = await startEtcd({ members: 1 });
  client = new Etcd3({ hosts: etcd.hosts });
});
after(async () => {
  client.close();
  await etcd.stop();
});

const LEADER = "/monitor/leader";
const termGuard = (term: number): ICompare => ({
  key: Buffer.from(LEADER),
  target: "Create",
  result: "Equal",
  create_revision: term,
});
const record = (node: string, revision: number, at: number): AlertRecord => ({
  node: nodeName(node),
  kind: "DEAD",
  state: "DEAD",
  reason: "TTL expired",
  at,
  revision,
  delivered: [],
  dropped: [],
});

test("outbox writes are guarded by the leader's term: a deposed leader writes nothing", async () => {
  const put = await client.put(LEADER).value('{"id":"current"}').exec();
  const term = Number(put.header.revision);
  const store = (guardTerm: number | undefined) =>
    new OutboxStore({
      client,
      timed: (_op, call) => call(),
      log: pino({ level: "silent" }),
      guard: () => (guardTerm === undefined ? undefined : termGuard(guardTerm)),
      views: () => new Map(),
    });
  const now = Date.now();
  const signal = new AbortController().signal;

  // An older term (the leader key was re-created since) and no term at all: refused.
  assert.equal(await store(term - 1).create(record("g-1", 5, now), false), undefined);
  assert.equal(await store(undefined).create(record("g-1", 5, now), false), undefined);
  assert.equal(await client.get(alertKey(nodeName("g-1"), 5)).string(), null, "nothing written");

  // The current term: written, and marks persist.
  const created = await store(term).create(record("g-1", 5, now), false);
  assert.equal(created?.key, alertKey(nodeName("g-1"), 5));
  assert.ok(created);
  created.record.delivered.push("hook-a");
  await store(term).mark(created, signal);
  // A deposed leader's mark is not written, and it gives up (no retry loop against etcd).
  const stale = { key: created.key, record: { ...created.record, delivered: ["hook-a", "hook-b"] } };
  await store(term - 1).mark(stale, signal);
  const stored = JSON.parse((await client.get(created.key).string()) ?? "null") as AlertRecord;
  assert.deepEqual(stored.delivered, ["hook-a"], "the current leader's mark only");

  // Pruning: an expired record survives a deposed leader and goes with the current one.
  const old = record("g-2", 6, now - RECORD_RETENTION_MS - 1000);
  await client.put(alertKey(nodeName("g-2"), 6)).value(JSON.stringify(old));
  await store(term - 1).loadAndPrune(now, signal);
  assert.notEqual(await client.get(alertKey(nodeName("g-2"), 6)).string(), null);
  const kept = await store(term).loadAndPrune(now, signal);
  assert.equal(await client.get(alertKey(nodeName("g-2"), 6)).string(), null);
  assert.deepEqual(
    kept.map((s) => s.key),
    [alertKey(nodeName("g-1"), 5)],
  );
});
