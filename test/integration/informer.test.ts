// The one informer (src/shared/informer.ts) against real etcd: the initial list, watch events
// in order, values through the caller's decoder (a failure is what the decoder returns), a
// re-list with its status sequence when history is compacted during a cut, a key set read at
// one revision, and stop() settling even while list retries run against an unreachable etcd.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Etcd3 } from "etcd3";
import { Informer, type InformerEvent, type InformerItem, listOnce } from "../../src/shared/informer.ts";
import type { InformerStatus } from "../../src/shared/informer-status.ts";
import { etcdKvSource } from "../../src/shared/kv-source.ts";
import { type EtcdCluster, freePort, startEtcd, TcpProxy, waitFor } from "./harness/index.ts";

let cluster: EtcdCluster | undefined;
const proxies: TcpProxy[] = [];
const clients: Etcd3[] = [];
const informers: Informer<unknown>[] = [];

after(async () => {
  for (const i of informers) await i.stop();
  for (const c of clients) c.close();
  for (const p of proxies) await p.stop();
  await cluster?.stop();
});

async function etcd(): Promise<EtcdCluster> {
  cluster ??= await startEtcd({ members: 1 });
  return cluster;
}

function client(hosts: string | string[]): Etcd3 {
  const c = new Etcd3({ hosts });
  clients.push(c);
  return c;
}

/** Numbers only: anything else decodes to undefined (what decodeStored-based decoders do). */
function decodeNumber(stored: { value: string }): number | undefined {
  return /^\d+$/.test(stored.value) ? Number(stored.value) : undefined;
}

interface Recorded {
  informer: Informer<number | undefined>;
  lists: { items: InformerItem<number | undefined>[]; revision: number }[];
  events: InformerEvent<number | undefined>[];
  statuses: InformerStatus[];
}

function record(c: Etcd3, target: { prefix: string } | { keys: string[] }): Recorded {
  const rec: Omit<Recorded, "informer"> = { lists: [], events: [], statuses: [] };
  const informer = new Informer({
    source: etcdKvSource(c),
    target,
    decode: decodeNumber,
    onList: (items, revision) => rec.lists.push({ items, revision }),
    onEvents: (events) => rec.events.push(...events),
    onStatus: (status) => rec.statuses.push(status),
  });
  informers.push(informer);
  return { ...rec, informer };
}

const states = (statuses: InformerStatus[]) => statuses.map((s) => s.state).join(" ");

test("lists at R, delivers the watch from R+1 in order, decodes through the caller's decoder", async () => {
  const c = client((await etcd()).hosts);
  await c.put("/inf1/a").value("1");
  const listedAt = Number((await c.put("/inf1/b").value("not a number").exec()).header.revision);
  const rec = record(c, { prefix: "/inf1/" });
  await rec.informer.start();

  assert.equal(rec.lists.length, 1);
  const [first] = rec.lists;
  assert.ok(first);
  assert.ok(first.revision >= listedAt);
  assert.deepEqual(
    first.items.map((i) => [i.key, i.value]),
    [
      ["/inf1/a", 1],
      ["/inf1/b", undefined],
    ],
  );
  await waitFor(() => rec.informer.status?.state === "synced", { timeoutMs: 15_000, message: "synced" });

  await c.put("/inf1/c").value("3");
  await c.put("/inf1/a").value("4");
  await c.delete().key("/inf1/b");
  await c.put("/elsewhere").value("5");
  await c.put("/inf1/d").value("bad");
  await waitFor(() => rec.events.length >= 4, { timeoutMs: 15_000, message: "four watch events" });
  assert.deepEqual(
    rec.events.map((e) => [e.type, e.key, e.type === "put" ? e.value : null]),
    [
      ["put", "/inf1/c", 3],
      ["put", "/inf1/a", 4],
      ["delete", "/inf1/b", null],
      ["put", "/inf1/d", undefined],
    ],
  );
  const revisions = rec.events.map((e) => e.modRevision);
  assert.deepEqual(
    revisions,
    [...revisions].sort((a, b) => a - b),
  );
  assert.ok((revisions[0] ?? 0) > first.revision, "the watch starts after the listed revision");
  assert.equal(rec.informer.revision, revisions.at(-1));
  assert.equal(states(rec.statuses), "listing synced");

  // listOnce reads through the same source and decoder.
  const once = await listOnce(etcdKvSource(c), { prefix: "/inf1/" }, decodeNumber);
  assert.deepEqual(
    once.items.map((i) => [i.key, i.value]),
    [
      ["/inf1/a", 4],
      ["/inf1/c", 3],
      ["/inf1/d", undefined],
    ],
  );
  await rec.informer.stop();
});

test("history compacted during a cut -> resyncing, a re-list holding the cut's writes, then live events", async () => {
  const c = await etcd();
  const member = c.members[0];
  assert.ok(member);
  const proxy = await TcpProxy.start("127.0.0.1", member.clientPort);
  proxies.push(proxy);
  const direct = client(c.hosts);
  await direct.put("/inf2/a").value("1");
  const rec = record(client(proxy.url), { prefix: "/inf2/" });
  await rec.informer.start();
  await waitFor(() => rec.informer.status?.state === "synced", { timeoutMs: 15_000, message: "synced" });

  proxy.cut("reset");
  await waitFor(() => rec.informer.status?.state === "disconnected", {
    timeoutMs: 30_000,
    message: "the informer never reported the cut",
  });
  assert.equal(rec.informer.synced, true, "a disconnect alone does not clear synced");
  await direct.put("/inf2/b").value("2");
  await direct.delete().key("/inf2/a");
  for (let i = 0; i < 20; i++) await direct.put("/inf2-filler").value(String(i));
  await c.compact();
  proxy.restore();

  await waitFor(() => rec.lists.length === 2 && rec.informer.status?.state === "synced", {
    timeoutMs: 60_000,
    message: `a re-list after the compaction (statuses: ${states(rec.statuses)})`,
  });
  assert.match(
    states(rec.statuses),
    /^listing synced disconnected (synced )?resyncing listing (list-failed listing )*synced$/,
  );
  const resync = rec.statuses.find((s) => s.state === "resyncing");
  // etcd 3.4 cancels a watch on a compacted revision with an empty cancel_reason.
  assert.match(resync?.state === "resyncing" ? resync.reason : "", /canceled/i);
  assert.deepEqual(
    rec.lists[1]?.items.map((i) => [i.key, i.value]),
    [["/inf2/b", 2]],
  );
  assert.equal(rec.events.length, 0, "nothing of the cut arrives as events: the re-list carries it");

  await direct.put("/inf2/c").value("3");
  await waitFor(() => rec.events.length === 1, { timeoutMs: 15_000, message: "an event after the re-list" });
  assert.equal(rec.events[0]?.key, "/inf2/c");
  await rec.informer.stop();
});

test("a key set is read at one revision (absent keys left out) and only its keys are watched", async () => {
  const c = client((await etcd()).hosts);
  await c.put("/inf3/one").value("1");
  await c.put("/inf3/other").value("9");
  const rec = record(c, { keys: ["/inf3/one", "/inf3/two"] });
  await rec.informer.start();
  assert.deepEqual(
    rec.lists[0]?.items.map((i) => [i.key, i.value]),
    [["/inf3/one", 1]],
  );
  await c.put("/inf3/other").value("10");
  await c.put("/inf3/two").value("2");
  await c.put("/inf3/one").value("11");
  await waitFor(() => rec.events.length === 2, { timeoutMs: 15_000, message: "two watch events" });
  assert.deepEqual(
    rec.events.map((e) => [e.key, e.type === "put" ? e.value : null]),
    [
      ["/inf3/two", 2],
      ["/inf3/one", 11],
    ],
  );
  await rec.informer.stop();
});

test("list failures are reported with their retry delay, and stop() ends the retry loop", async () => {
  const nobody = client(`127.0.0.1:${await freePort()}`);
  const rec = record(nobody, { prefix: "/inf4/" });
  const started = rec.informer.start();
  await waitFor(() => rec.statuses.filter((s) => s.state === "list-failed").length >= 2, {
    timeoutMs: 60_000,
    message: "two failed lists",
  });
  const failed = rec.statuses.filter((s) => s.state === "list-failed");
  for (const f of failed) {
    assert.ok(f.state === "list-failed" && f.retryInMs > 0 && f.error.length > 0);
  }
  const t0 = Date.now();
  await rec.informer.stop();
  await started;
  assert.ok(Date.now() - t0 < 20_000, "start() settled after stop()");
  assert.equal(rec.informer.synced, false);
  assert.deepEqual(rec.lists, []);
});
