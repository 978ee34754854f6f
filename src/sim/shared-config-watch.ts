// One prefix watch on /monitor/config/ shared by every simulated node, feeding each
// node's own ConfigWatch (the agent's class, unchanged apply/merge/ack logic) through
// the ConfigSource interface.
//
// Why: ConfigWatch opens two single-key watches per node. At 10,000 nodes that is
// 20,000 watchers on one gRPC stream; etcd3 creates watchers one at a time (each waits
// for etcd's "created" answer), and a fleet default change then travels as 10,000
// separate watch responses of the same event. One prefix watch receives each change
// once and hands it to the nodes it concerns (the fleet default: all of them).
import type { Etcd3 } from "etcd3";
import type { ConfigChange, ConfigKv, ConfigSource } from "../agent/config-watch.ts";
import { ConfigWatch } from "../agent/config-watch.ts";
import { CONFIG_PREFIX } from "../shared/keys.ts";
import type { NodeName } from "../shared/node-name.ts";
import { ResumableWatch, type WatchEvent } from "../shared/resumable-watch.ts";

interface Subscriber {
  fromRevision: number;
  onEvents(events: WatchEvent[]): void;
  onResyncNeeded(reason: string): void;
}

export class SharedConfigWatch {
  private readonly cache = new Map<string, ConfigKv>();
  /** Everything up to this revision is in the cache. */
  private revision = 0;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly watches = new Map<string, ConfigWatch>();
  private watch: ResumableWatch | undefined;
  private stopped = false;
  private readonly source: ConfigSource;

  constructor(private readonly client: Etcd3) {
    this.source = {
      read: async (keys) => ({ revision: this.revision, kvs: keys.map((k) => this.cache.get(k)) }),
      watch: async (key, fromRevision, handlers) => {
        const sub: Subscriber = { fromRevision, ...handlers };
        const set = this.subscribers.get(key) ?? new Set<Subscriber>();
        this.subscribers.set(key, set);
        set.add(sub);
        // Anything newer than the read that reached the cache before this subscription: replay it.
        const kv = this.cache.get(key);
        if (kv && kv.modRevision >= fromRevision) {
          handlers.onEvents([
            { type: "put", key, value: kv.value, modRevision: kv.modRevision, createRevision: 0 },
          ]);
        }
        return {
          cancel: async () => {
            set.delete(sub);
            if (set.size === 0) this.subscribers.delete(key);
          },
        };
      },
    };
  }

  /** Lists the config prefix, then watches it from the listed revision + 1. */
  async start(): Promise<void> {
    const revision = await this.list();
    this.watch = await ResumableWatch.start(this.client, { prefix: CONFIG_PREFIX }, revision + 1, {
      onEvents: (events) => this.onEvents(events),
      onResyncNeeded: (reason) => void this.resync(reason),
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watch?.cancel();
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

  private async list(): Promise<number> {
    const res = await this.client.getAll().prefix(CONFIG_PREFIX).exec();
    this.cache.clear();
    for (const kv of res.kvs) {
      this.cache.set(kv.key.toString(), { value: kv.value.toString(), modRevision: Number(kv.mod_revision) });
    }
    this.revision = Number(res.header.revision);
    return this.revision;
  }

  private onEvents(events: WatchEvent[]): void {
    const byKey = new Map<string, WatchEvent[]>();
    for (const ev of events) {
      if (ev.type === "put") this.cache.set(ev.key, { value: ev.value, modRevision: ev.modRevision });
      else this.cache.delete(ev.key);
      this.revision = Math.max(this.revision, ev.modRevision);
      const list = byKey.get(ev.key);
      if (list) list.push(ev);
      else byKey.set(ev.key, [ev]);
    }
    for (const [key, list] of byKey) {
      const subs = this.subscribers.get(key);
      if (!subs) continue;
      for (const sub of [...subs]) {
        const fresh = list.filter((ev) => ev.modRevision >= sub.fromRevision);
        if (fresh.length > 0) sub.onEvents(fresh);
      }
    }
  }

  private async resync(reason: string): Promise<void> {
    await this.watch?.cancel();
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.start();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
    // Every node re-reads from the refreshed cache, as after its own compaction.
    for (const subs of [...this.subscribers.values()])
      for (const sub of [...subs]) sub.onResyncNeeded(reason);
  }
}
