// A ResumableWatch whose link to etcd is cut resumes, on etcd3's own re-attach, from the
// revision src/shared/resumable-watch.ts wrote into request.start_revision (just past the last
// delivered event): every write made during the cut arrives once, in order. Real etcd, a TCP
// proxy that resets the link.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Etcd3 } from "etcd3";
import { ResumableWatch, type WatchEvent } from "../../src/shared/resumable-watch.ts";
import { type EtcdCluster, startEtcd, TcpProxy, waitFor } from "./harness/index.ts";

let cluster: EtcdCluster | undefined;
let proxy: TcpProxy | undefined;
const clients: Etcd3[] = [];
let watch: ResumableWatch | undefined;

after(async () => {
  await watch?.cancel();
  for (const c of clients) c.close();
  await proxy?.stop();
  await cluster?.stop();
});

test("a cut watch re-attaches from the rewritten start_revision and misses nothing", async () => {
  cluster = await startEtcd({ members: 1 });
  const member = cluster.members[0];
  assert.ok(member);
  proxy = await TcpProxy.start("127.0.0.1", member.clientPort);
  const direct = new Etcd3({ hosts: cluster.hosts });
  const viaProxy = new Etcd3({ hosts: proxy.url });
  clients.push(direct, viaProxy);

  const first = await direct.put("/rw/a").value("1").exec();
  const from = Number(first.header.revision);
  const events: WatchEvent[] = [];
  let disconnects = 0;
  watch = await ResumableWatch.start(viaProxy, { prefix: "/rw/" }, from, {
    onEvents: (evs) => events.push(...evs),
    onState: (state) => {
      if (state === "disconnected") disconnects++;
    },
    onResyncNeeded: (reason) => assert.fail(`unexpected resync: ${reason}`),
  });
  await waitFor(() => events.length === 1, { timeoutMs: 15_000, message: "first event not delivered" });

  // Every re-attach sends watcher.request; record the start_revision it carries.
  const watcher = (
    watch as unknown as {
      watcher: { request: { start_revision: unknown }; on(e: string, f: (req: unknown) => void): void };
    }
  ).watcher;
  // etcd3 moves its resume point to header.revision + 1 of every response; during a history
  // catch-up that header is the store's CURRENT revision, past events not yet delivered (the
  // trap resumable-watch.ts exists for). Stand in for such a header: without the rewrite on
  // "disconnected", the re-attach would start here and deliver nothing written below.
  watcher.request.start_revision = String(from + 1000);
  const reattachedFrom: string[] = [];
  watcher.on("connecting", (req) =>
    reattachedFrom.push(String((req as { start_revision: unknown }).start_revision)),
  );

  proxy.cut("reset");
  await waitFor(() => disconnects > 0, { timeoutMs: 30_000, message: "the watch never saw the cut" });
  const lastBeforeCut = watch.revision;
  // Writes while the link is down, plus unrelated writes that move the store's revision on.
  for (const k of ["b", "c", "d"]) {
    await direct.put(`/rw/${k}`).value(k).exec();
    await direct.put("/elsewhere").value(k).exec();
  }
  proxy.restore();
  await waitFor(() => events.length === 4, {
    timeoutMs: 60_000,
    message: "the writes made during the cut after the re-attach",
  });
  assert.deepEqual(
    events.map((e) => e.key),
    ["/rw/a", "/rw/b", "/rw/c", "/rw/d"],
  );
  const revisions = events.map((e) => e.modRevision);
  assert.deepEqual(
    revisions,
    [...revisions].sort((a, b) => a - b),
  );
  assert.ok(reattachedFrom.length > 0, "etcd3 never re-attached the watcher");
  assert.equal(
    reattachedFrom[0],
    String(lastBeforeCut + 1),
    "re-attach did not start just past the last delivered event",
  );
});
