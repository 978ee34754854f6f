// Reads and watches the two keys a node's config comes from - the fleet default and
// the node's own override - and turns every change into an effective config or a
// rejection. A value that does not parse or validate never replaces the last good one.
//
// Two single-key watches, not a watch on the whole config prefix: with a prefix watch
// a fleet-wide change to N overrides would send N events to each of N agents.
import type { Etcd3 } from "etcd3";
import { backoffDelay, sleep } from "../shared/backoff.ts";
import { mergeConfig } from "../shared/config-merge.ts";
// Hand checks, not zod: zod stays off the agent's start (test/unit/agent-imports.test.ts).
import {
  type ConfigOverride,
  checkConfigText,
  type EffectiveConfig,
  MAX_ACK_REASON,
} from "../shared/config-value.ts";
import { configKey, DEFAULT_CONFIG_KEY } from "../shared/keys.ts";
import { ResumableWatch, type WatchEvent } from "../shared/resumable-watch.ts";
import type { ConfigAck } from "../shared/schema.ts";

/** What is known about one of the two source keys. */
interface SourceState {
  key: string;
  /** mod_revision of the last good value applied (0: key absent). */
  revision: number;
  good: ConfigOverride | undefined;
  rejected?: { revision: number; reason: string };
}

export type ConfigChange =
  | { type: "initial"; config: EffectiveConfig; ack: ConfigAck }
  | { type: "applied"; config: EffectiveConfig; ack: ConfigAck; key: string }
  | {
      type: "rejected";
      config: EffectiveConfig;
      ack: ConfigAck;
      key: string;
      revision: number;
      reason: string;
    };

/** One stored value of a config key. */
export interface ConfigKv {
  value: string;
  modRevision: number;
}

/**
 * Where the two keys are read and watched. The agent reads etcd directly
 * (`etcdConfigSource`); the simulator shares one prefix watch between thousands of
 * nodes (src/sim/shared-config-watch.ts) and still runs every node's apply/ack here.
 */
export interface ConfigSource {
  /** The keys' values at one revision, in the order asked. */
  read(keys: string[]): Promise<{ revision: number; kvs: (ConfigKv | undefined)[] }>;
  /** Watches one key from `fromRevision`. */
  watch(
    key: string,
    fromRevision: number,
    handlers: { onEvents(events: WatchEvent[]): void; onResyncNeeded(reason: string): void },
  ): Promise<{ cancel(): Promise<void> }>;
}

export function etcdConfigSource(client: Etcd3): ConfigSource {
  return {
    async read(keys) {
      // One transaction reads both keys at the same revision, so the watches start
      // from a point where nothing between the read and the watch can be missed.
      const res = await client.kv.txn({
        compare: [],
        success: keys.map((key) => ({ request_range: { key: Buffer.from(key) } })),
        failure: [],
      });
      const kvs = res.responses.map((r) => {
        const kv = r.response_range?.kvs[0];
        return kv ? { value: kv.value.toString(), modRevision: Number(kv.mod_revision) } : undefined;
      });
      return { revision: Number(res.header.revision), kvs };
    },
    watch: (key, fromRevision, handlers) => ResumableWatch.start(client, { key }, fromRevision, handlers),
  };
}

export interface ConfigWatchOptions {
  client: Etcd3;
  node: string;
  /** Defaults to reading and watching etcd through `client`. */
  source?: ConfigSource;
  onChange(change: ConfigChange): void;
  onResync?(reason: string): void;
}

export class ConfigWatch {
  private readonly sources: { node: SourceState; fleet: SourceState };
  private watches: { cancel(): Promise<void> }[] = [];
  private readonly source: ConfigSource;
  private stopped = false;
  private resyncing: Promise<void> | undefined;

  constructor(private readonly options: ConfigWatchOptions) {
    this.source = options.source ?? etcdConfigSource(options.client);
    this.sources = {
      node: { key: configKey(options.node), revision: 0, good: undefined },
      fleet: { key: DEFAULT_CONFIG_KEY, revision: 0, good: undefined },
    };
  }

  /** Lists both keys at one revision, reports the initial config, then watches from there. */
  async start(): Promise<void> {
    const revision = await this.load();
    this.emit({ type: "initial" });
    await this.watchFrom(revision + 1);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.watches.map((w) => w.cancel()));
  }

  private async load(): Promise<number> {
    const { revision, kvs } = await this.source.read([this.sources.fleet.key, this.sources.node.key]);
    const [fleetKv, nodeKv] = kvs;
    this.sources.fleet = { key: this.sources.fleet.key, revision: 0, good: undefined };
    this.sources.node = { key: this.sources.node.key, revision: 0, good: undefined };
    for (const [source, kv] of [
      [this.sources.fleet, fleetKv],
      [this.sources.node, nodeKv],
    ] as const) {
      if (kv) this.apply(source, { type: "put", value: kv.value, modRevision: kv.modRevision });
    }
    return revision;
  }

  private async watchFrom(revision: number): Promise<void> {
    this.watches = await Promise.all(
      [this.sources.fleet, this.sources.node].map((source) =>
        this.source.watch(source.key, revision, {
          onEvents: (events) => this.onEvents(source.key, events),
          onResyncNeeded: (reason) => void this.resync(reason),
        }),
      ),
    );
  }

  private onEvents(key: string, events: WatchEvent[]): void {
    const source = key === this.sources.node.key ? this.sources.node : this.sources.fleet;
    // Only the newest event of a batch matters: thousands of writes during a reconnect
    // collapse into one apply of the last value.
    const last = events[events.length - 1];
    if (!last) return;
    const outcome = this.apply(source, last);
    if (outcome) this.emit({ type: outcome.rejected ? "rejected" : "applied", source, ...outcome });
  }

  private apply(
    source: SourceState,
    ev: Pick<WatchEvent, "type" | "value" | "modRevision">,
  ): { rejected?: { revision: number; reason: string } } | undefined {
    if (ev.type === "delete") {
      source.good = undefined;
      source.revision = ev.modRevision;
      source.rejected = undefined;
      return {};
    }
    const parsed = checkConfigText(ev.value);
    if (parsed.ok) {
      source.good = parsed.value;
      source.revision = ev.modRevision;
      source.rejected = undefined;
      return {};
    }
    // The reason names stored field names and values: clip it so the ack stays within what
    // the manager decodes (a 64 KiB config can have thousands of unknown fields).
    const reason =
      parsed.reason.length > MAX_ACK_REASON
        ? `${parsed.reason.slice(0, MAX_ACK_REASON - 3)}...`
        : parsed.reason;
    source.rejected = { revision: ev.modRevision, reason };
    return { rejected: source.rejected };
  }

  private emit(change: { type: ConfigChange["type"]; source?: SourceState }): void {
    const config = mergeConfig(this.sources.fleet.good, this.sources.node.good);
    const rejectedSource = [this.sources.node, this.sources.fleet].find((s) => s.rejected);
    const ack: ConfigAck = {
      nodeRevision: this.sources.node.revision,
      defaultRevision: this.sources.fleet.revision,
      interval: config.interval,
      metrics: config.metrics,
    };
    if (rejectedSource?.rejected) ack.rejected = { key: rejectedSource.key, ...rejectedSource.rejected };
    const key = change.source?.key ?? "";
    if (change.type === "initial") this.options.onChange({ type: "initial", config, ack });
    else if (change.type === "applied") this.options.onChange({ type: "applied", config, ack, key });
    else {
      const rejected = change.source?.rejected ?? { revision: 0, reason: "" };
      this.options.onChange({ type: "rejected", config, ack, key, ...rejected });
    }
  }

  private resync(reason: string): Promise<void> {
    // Both watches may fail at once (one compaction); re-list once.
    this.resyncing ??= this.relistUntilDone(reason).finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  private async relistUntilDone(reason: string): Promise<void> {
    this.options.onResync?.(reason);
    await Promise.all(this.watches.map((w) => w.cancel()));
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const revision = await this.load();
        this.emit({ type: "applied", source: this.sources.node });
        await this.watchFrom(revision + 1);
        return;
      } catch {
        await sleep(backoffDelay(attempt));
      }
    }
  }
}
