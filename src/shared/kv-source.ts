// Where an informer (src/shared/informer.ts) reads and watches: etcd through the pinned
// ResumableWatch, or - in the simulator - a cache fed by one shared prefix watch
// (src/sim/shared-config-watch.ts). Values are raw strings here; decoding is the informer's.
import type { Etcd3 } from "etcd3";
import { ResumableWatch, type WatchEvent, type WatchHandlers } from "./resumable-watch.ts";

/** A prefix, or a set of single keys read at one revision and watched one watch per key. */
export type InformerTarget = { prefix: string } | { keys: readonly string[] };

export interface RawKv {
  key: string;
  value: string;
  modRevision: number;
  createRevision: number;
}

export interface Listing {
  /** The store revision the list was read at: watch from revision + 1. */
  revision: number;
  /** Present keys only, in etcd's order (absent keys are left out). */
  kvs: RawKv[];
}

export interface WatchHandle {
  cancel(): Promise<void>;
}

export interface KvSource {
  list(target: InformerTarget): Promise<Listing>;
  watch(target: InformerTarget, fromRevision: number, handlers: WatchHandlers): Promise<WatchHandle>;
}

/** Times one etcd request for the request-duration histogram (the manager's; others pass none). */
export type RequestTimer = <R>(op: string, call: () => Promise<R>) => Promise<R>;

export function etcdKvSource(client: Etcd3, timed: RequestTimer = (_op, call) => call()): KvSource {
  return {
    async list(target) {
      if ("prefix" in target) {
        const res = await timed("range", () => client.getAll().prefix(target.prefix).exec());
        return { revision: Number(res.header.revision), kvs: res.kvs.map(toRaw) };
      }
      // One transaction reads every key at the same revision, so the watches start from a
      // point where nothing between the read and the watch can be missed.
      const res = await timed("txn", () =>
        client.kv.txn({
          compare: [],
          success: target.keys.map((key) => ({ request_range: { key: Buffer.from(key) } })),
          failure: [],
        }),
      );
      const kvs = res.responses.flatMap((r) => r.response_range?.kvs.map(toRaw) ?? []);
      return { revision: Number(res.header.revision), kvs };
    },
    async watch(target, fromRevision, handlers) {
      if ("prefix" in target) {
        return ResumableWatch.start(client, { prefix: target.prefix }, fromRevision, handlers);
      }
      const watches = await Promise.all(
        target.keys.map((key) => ResumableWatch.start(client, { key }, fromRevision, handlers)),
      );
      return { cancel: async () => void (await Promise.all(watches.map((w) => w.cancel()))) };
    },
  };
}

function toRaw(kv: {
  key: Buffer;
  value: Buffer;
  mod_revision: string | number;
  create_revision: string | number;
}): RawKv {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  };
}

export type { WatchEvent, WatchHandlers };
