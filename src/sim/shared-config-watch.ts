// One prefix watch on /monitor/config/ shared by every simulated node, feeding each
// node's own ConfigWatch (the agent's class, unchanged apply/merge/ack logic) through
// the KvSource interface (src/shared/kv-source.ts).
//
// Why: ConfigWatch opens two single-key watches per node. At 10,000 nodes that is
// 20,000 watchers on one gRPC stream; etcd3 creates watchers one at a time (each waits
// for etcd's "created" answer), and a fleet default change then travels as 10,000
// separate watch responses of the same event. One prefix watch receives each change
// once and hands it to the nodes it concerns (the fleet default: all of them).
import type { Etcd3 } from "etcd3";
import type { ConfigChange } from "../agent/config-watch.ts";
import { ConfigWatch } from "../agent/config-watch.ts";
import { Informer, type InformerEvent } from "../shared/informer.ts";
import { CONFIG_PREFIX } from "../shared/keys.ts";
import type { KvSource, RawKv, WatchEvent, WatchHandlers } from "../shared/kv-source.ts";
import { etcdKvSource } from "../shared/kv-source.ts";
import type { NodeName } from "../shared/node-name.ts";

interface Subscriber {
  fromRevision: number;
  handlers: WatchHandlers;
}

export class SharedConfigWatch {
  private readonly cache = new Map<string, RawKv>();
  /** Everything up to this revision is in the cache. */
  private revision = 0;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly watches = new Map<string, ConfigWatch>();
  private readonly informer: Informer<string>;
  private listedBefore = false;
  private resyncReason = "";
  private readonly source: KvSource;

  constructor(private readonly client: Etcd3) {
    // Values stay text in the cache: each node's ConfigWatch decodes them, as the agent does.
    this.informer = new Informer({
      source: etcdKvSource(client),
      target: { prefix: CONFIG_PREFIX },
      decode: (stored) => stored.value,
      onList: (items, revision) => this.onList(items, revision),
      onEvents: (events) => this.onEvents(events),
      onStatus: (status) => {
        if (status.state === "resyncing") this.resyncReason = status.reason;
      },
    });
    this.source = {
      list: async (target) => {
        const keys = "keys" in target ? target.keys : [];
        const kvs = keys.flatMap((k) => this.cache.get(k) ?? []);
        return { revision: this.revision, kvs };
      },
      watch: async (target, fromRevision, handlers) => {
        const keys = "keys" in target ? target.keys : [];
        const sub: Subscriber = { fromRevision, handlers };
        for (const key of keys) {
          const set = this.subscribers.get(key) ?? new Set<Subscriber>();
          this.subscribers.set(key, set);
          set.add(sub);
          // Anything newer than the read that reached the cache before this subscription: replay it.
          const kv = this.cache.get(key);
          if (kv && kv.modRevision >= fromRevision) handlers.onEvents([{ type: "put", ...kv }]);
        }
        return {
          cancel: async () => {
            for (const key of keys) {
              const set = this.subscribers.get(key);
              set?.delete(sub);
              if (set?.size === 0) this.subscribers.delete(key);
            }
          },
        };
      },
    };
  }

  /** Lists the config prefix (retrying until etcd answers), then watches it from there. */
  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  /** Starts `node`'s ConfigWatch on the shared source. */
  async add(node: NodeName, onChange: (change: ConfigChange) => void): Promise<void> {
    const watch = new ConfigWatch({ client: this.client, node, source: this.source, onChange });
    this.watches.set(node, watch);
    await watch.start();
  }

  async remove(node: string): Promise<void> {
    const watch = this.watches.get(node);
    this.watches.delete(node);
    await watch?.stop();
  }

  private onList(items: RawKv[], revision: number): void {
    this.cache.clear();
    for (const item of items) this.cache.set(item.key, item);
    this.revision = revision;
    if (!this.listedBefore) {
      this.listedBefore = true;
      return;
    }
    // Every node re-reads from the refreshed cache, as after its own compaction.
    for (const subs of [...this.subscribers.values()])
      for (const sub of [...subs]) sub.handlers.onResyncNeeded(this.resyncReason);
  }

  private onEvents(events: InformerEvent<string>[]): void {
    const byKey = new Map<string, WatchEvent[]>();
    for (const ev of events) {
      let raw: WatchEvent;
      if (ev.type === "put") {
        const kv: RawKv = {
          key: ev.key,
          value: ev.value,
          modRevision: ev.modRevision,
          createRevision: ev.createRevision,
        };
        this.cache.set(ev.key, kv);
        raw = { type: "put", ...kv };
      } else {
        this.cache.delete(ev.key);
        raw = { type: "delete", key: ev.key, value: "", modRevision: ev.modRevision, createRevision: 0 };
      }
      this.revision = Math.max(this.revision, ev.modRevision);
      const list = byKey.get(ev.key);
      if (list) list.push(raw);
      else byKey.set(ev.key, [raw]);
    }
    for (const [key, list] of byKey) {
      const subs = this.subscribers.get(key);
      if (!subs) continue;
      for (const sub of [...subs]) {
        const fresh = list.filter((ev) => ev.modRevision >= sub.fromRevision);
        if (fresh.length > 0) sub.handlers.onEvents(fresh);
      }
    }
  }
}
