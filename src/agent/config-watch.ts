// Reads and watches the two keys a node's config comes from - the fleet default and
// the node's own override - and turns every change into an effective config or a
// rejection. A value that does not parse or validate never replaces the last good one.
//
// Two single-key watches, not a watch on the whole config prefix: with a prefix watch
// a fleet-wide change to N overrides would send N events to each of N agents.
import type { Etcd3 } from "etcd3";
import { mergeConfig } from "../shared/config-merge.ts";
// Hand checks, not zod: zod stays off the agent's start (test/unit/agent-imports.test.ts).
import {
  type ConfigOverride,
  checkConfigText,
  type EffectiveConfig,
  MAX_ACK_REASON,
  type ParseResult,
} from "../shared/config-value.ts";
import { Informer, type InformerEvent, type InformerItem } from "../shared/informer.ts";
import type { InformerStatus } from "../shared/informer-status.ts";
import { configKey, DEFAULT_CONFIG_KEY } from "../shared/keys.ts";
import { etcdKvSource, type KvSource } from "../shared/kv-source.ts";
import type { NodeName } from "../shared/node-name.ts";
import type { ConfigAck } from "../shared/schema.ts";

/** What is known about one of the two source keys. */
interface SourceState {
  key: string;
  /** mod_revision of the last good value applied (0: key absent). */
  revision: number;
  good: ConfigOverride | undefined;
  rejected?: { revision: number; reason: string };
}

/** A stored config as the informer decodes it: the override, or why it was refused. */
type DecodedConfig = ParseResult<ConfigOverride>;

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

export interface ConfigWatchOptions {
  client: Etcd3;
  node: NodeName;
  /**
   * Where the two keys are read and watched: etcd through `client` by default; the
   * simulator shares one prefix watch between thousands of nodes
   * (src/sim/shared-config-watch.ts) and still runs every node's apply/ack here.
   */
  source?: KvSource;
  onChange(change: ConfigChange): void;
  /** The informer's connection state: list failures (retried) and re-lists. */
  onStatus?(status: InformerStatus): void;
}

export class ConfigWatch {
  private readonly sources: { node: SourceState; fleet: SourceState };
  private readonly informer: Informer<DecodedConfig>;
  private listedBefore = false;

  constructor(private readonly options: ConfigWatchOptions) {
    this.sources = {
      node: { key: configKey(options.node), revision: 0, good: undefined },
      fleet: { key: DEFAULT_CONFIG_KEY, revision: 0, good: undefined },
    };
    this.informer = new Informer({
      source: options.source ?? etcdKvSource(options.client),
      // Read at one revision, watched one key each.
      target: { keys: [this.sources.fleet.key, this.sources.node.key] },
      decode: (stored) => checkConfigText(stored.value),
      onList: (items) => this.onList(items),
      onEvents: (events) => this.onEvents(events),
      onStatus: options.onStatus,
    });
  }

  /**
   * Lists both keys at one revision (retrying until etcd answers), reports the initial
   * config, then watches from there.
   */
  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  private onList(items: InformerItem<DecodedConfig>[]): void {
    this.sources.fleet = { key: this.sources.fleet.key, revision: 0, good: undefined };
    this.sources.node = { key: this.sources.node.key, revision: 0, good: undefined };
    for (const source of [this.sources.fleet, this.sources.node]) {
      const item = items.find((i) => i.key === source.key);
      if (item) this.apply(source, { type: "put", ...item });
    }
    // After a re-list (compaction) the config may have changed while history was lost.
    if (this.listedBefore) this.emit({ type: "applied", source: this.sources.node });
    else this.emit({ type: "initial" });
    this.listedBefore = true;
  }

  private onEvents(events: InformerEvent<DecodedConfig>[]): void {
    for (const source of [this.sources.fleet, this.sources.node]) {
      // Only the newest event of a key matters: thousands of writes during a reconnect
      // collapse into one apply of the last value.
      const last = events.filter((ev) => ev.key === source.key).at(-1);
      if (!last) continue;
      const outcome = this.apply(source, last);
      if (outcome) this.emit({ type: outcome.rejected ? "rejected" : "applied", source, ...outcome });
    }
  }

  private apply(
    source: SourceState,
    ev: InformerEvent<DecodedConfig>,
  ): { rejected?: { revision: number; reason: string } } | undefined {
    if (ev.type === "delete") {
      source.good = undefined;
      source.revision = ev.modRevision;
      source.rejected = undefined;
      return {};
    }
    const parsed = ev.value;
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
}
