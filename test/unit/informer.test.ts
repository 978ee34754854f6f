// The informer's own logic over a scripted KvSource (the etcd side is
// test/integration/informer.test.ts): one status per change of state, one re-list when several
// watches of a key set end together, decode per value, list retries, and whenBack's counting.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Informer, type InformerEvent } from "../../src/shared/informer.ts";
import { type InformerStatus, whenBack } from "../../src/shared/informer-status.ts";
import type { KvSource, Listing, WatchHandlers } from "../../src/shared/kv-source.ts";

/** A source whose lists are answered from a queue and whose watches the test drives. */
class ScriptedSource implements KvSource {
  readonly lists: (Listing | Error)[] = [];
  readonly watches: { fromRevision: number; handlers: WatchHandlers; cancelled: boolean }[] = [];
  listCalls = 0;

  async list(): Promise<Listing> {
    this.listCalls++;
    const next = this.lists.shift() ?? new Error("no list scripted");
    if (next instanceof Error) throw next;
    return next;
  }

  async watch(_target: unknown, fromRevision: number, handlers: WatchHandlers) {
    const w = { fromRevision, handlers, cancelled: false };
    this.watches.push(w);
    return {
      cancel: async () => {
        w.cancelled = true;
      },
    };
  }
}

const kv = (key: string, value: string, rev: number) => ({
  key,
  value,
  modRevision: rev,
  createRevision: rev,
});

function build(source: ScriptedSource) {
  const statuses: InformerStatus[] = [];
  const lists: number[] = [];
  const events: InformerEvent<number | undefined>[] = [];
  const informer = new Informer({
    source,
    target: { keys: ["/a", "/b"] },
    decode: (s) => (/^\d+$/.test(s.value) ? Number(s.value) : undefined),
    onList: (_items, revision) => lists.push(revision),
    onEvents: (evs) => events.push(...evs),
    onStatus: (s) => statuses.push(s),
    backoff: { initialMs: 1, maxMs: 2 },
  });
  return { informer, statuses, lists, events };
}

const states = (statuses: InformerStatus[]) => statuses.map((s) => s.state);

describe("Informer over a scripted source", () => {
  it("reports each state change once, decodes per value and re-lists once for one compaction", async () => {
    const source = new ScriptedSource();
    source.lists.push({ revision: 10, kvs: [kv("/a", "1", 5)] }, new Error("etcd away"), {
      revision: 20,
      kvs: [kv("/b", "x", 18)],
    });
    const { informer, statuses, lists, events } = build(source);
    await informer.start();
    assert.equal(source.watches[0]?.fromRevision, 11);
    const watch = source.watches[0]?.handlers;
    assert.ok(watch);
    watch.onState?.("connected");
    watch.onState?.("connected"); // the second key's watch on the same stream
    watch.onEvents([{ type: "put", key: "/a", value: "oops", modRevision: 12, createRevision: 5 }]);
    watch.onState?.("disconnected", "UNAVAILABLE");
    watch.onState?.("disconnected", "UNAVAILABLE");
    watch.onState?.("connected");
    assert.deepEqual(events, [
      { type: "put", key: "/a", value: undefined, modRevision: 12, createRevision: 5 },
    ]);
    assert.equal(informer.revision, 12);

    // Both key watches are cancelled by one compaction: one re-list (which fails once, then works).
    watch.onResyncNeeded("compacted");
    watch.onResyncNeeded("compacted");
    await waitUntil(() => lists.length === 2);
    assert.deepEqual(lists, [10, 20]);
    assert.equal(source.listCalls, 3);
    assert.equal(source.watches[0]?.cancelled, true);
    assert.equal(source.watches.length, 2);
    assert.equal(source.watches[1]?.fromRevision, 21);
    source.watches[1]?.handlers.onState?.("connected");
    assert.deepEqual(states(statuses), [
      "listing",
      "synced",
      "disconnected",
      "synced",
      "resyncing",
      "listing",
      "list-failed",
      "listing",
      "synced",
    ]);
    assert.deepEqual(statuses[2], { state: "disconnected", detail: "UNAVAILABLE" });
    assert.deepEqual(statuses.at(-1), { state: "synced", revision: 20 });
    await informer.stop();
    assert.equal(source.watches[1]?.cancelled, true);
    source.watches[1]?.handlers.onEvents([
      { type: "put", key: "/a", value: "3", modRevision: 30, createRevision: 30 },
    ]);
    assert.equal(events.length, 1, "nothing is delivered after stop()");
  });

  it("whenBack counts a return after a disconnect or a re-list, not the first sync", () => {
    let back = 0;
    const listener = whenBack(() => back++);
    const feed: InformerStatus[] = [
      { state: "listing" },
      { state: "synced", revision: 1 },
      { state: "disconnected", detail: "x" },
      { state: "synced", revision: 1 },
      { state: "resyncing", reason: "compacted" },
      { state: "listing" },
      { state: "list-failed", error: "e", retryInMs: 1 },
      { state: "listing" },
      { state: "synced", revision: 9 },
      { state: "synced", revision: 9 },
    ];
    for (const s of feed) listener(s);
    assert.equal(back, 2);
  });
});

async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(done(), "condition not reached");
}
