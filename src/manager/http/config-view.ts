// The manager's copy of every stored config (fed by a watch on /monitor/config/), for
// the dashboard's "applied vs desired" column and the config apply lag metric. It is a
// read model only: every write goes through the ConfigService (src/config/service.ts).
import type { DesiredState } from "../../config/compliance.ts";
import { mergeConfig } from "../../shared/config-merge.ts";
import type { InformerEvent, StoredKv } from "../../shared/informer.ts";
import { invalidValues } from "../../shared/invalid-values.ts";
import { CONFIG_PREFIX, configKey, DEFAULT_CONFIG_KEY, nodeNameFromKey } from "../../shared/keys.ts";
import type { NodeName } from "../../shared/node-name.ts";
import { type ConfigAck, type ConfigOverride, parseConfigText } from "../../shared/schema.ts";

export interface StoredEntry {
  revision: number;
  /** undefined when the stored value does not validate (the agent rejects it too). */
  value: ConfigOverride | undefined;
  problem?: string;
}

interface PendingWrite {
  revision: number;
  seenAt: number;
  /** Nodes that acknowledged a default write already (counted once each). */
  acked: Set<string>;
}

export class ConfigView {
  private readonly entries = new Map<string, StoredEntry>();
  private readonly pending = new Map<string, PendingWrite>();

  constructor(private readonly observeLag: (seconds: number) => void) {}

  /** Every stored config, decoded by `decodeConfigEntry` (the feed's decoder). */
  onList(items: { key: string; value: StoredEntry }[]): void {
    this.entries.clear();
    for (const item of items) this.entries.set(item.key, item.value);
  }

  onEvents(events: InformerEvent<StoredEntry>[], now: number): string[] {
    const changed: string[] = [];
    for (const ev of events) {
      if (ev.type === "delete") this.entries.delete(ev.key);
      else this.entries.set(ev.key, ev.value);
      this.pending.set(ev.key, { revision: ev.modRevision, seenAt: now, acked: new Set() });
      changed.push(ev.key);
    }
    return changed;
  }

  /** A node's heartbeat acknowledged a config: record the lag of writes it covers. */
  onAck(node: NodeName, ack: ConfigAck, now: number): void {
    const own = this.pending.get(configKey(node));
    if (own && ack.nodeRevision >= own.revision && ack.rejected?.revision !== own.revision) {
      this.observeLag((now - own.seenAt) / 1000);
      this.pending.delete(configKey(node));
    }
    const def = this.pending.get(DEFAULT_CONFIG_KEY);
    if (def && ack.defaultRevision >= def.revision && !def.acked.has(node)) {
      def.acked.add(node);
      this.observeLag((now - def.seenAt) / 1000);
    }
    // Bound: a default write waits for acks at most 10 minutes.
    if (def && now - def.seenAt > 600_000) this.pending.delete(DEFAULT_CONFIG_KEY);
  }

  entry(node: NodeName | undefined): StoredEntry | undefined {
    return this.entries.get(node === undefined ? DEFAULT_CONFIG_KEY : configKey(node));
  }

  /** What the node should run with, from the valid stored values (invalid ones count as absent). */
  desired(node: NodeName): DesiredState {
    const fleet = this.entry(undefined);
    const own = this.entry(node);
    return {
      config: mergeConfig(fleet?.value, own?.value),
      nodeRevision: own?.revision ?? 0,
      defaultRevision: fleet?.revision ?? 0,
    };
  }

  /** The node name of a config key, or undefined for the default key. */
  static nodeOf(key: string): NodeName | undefined {
    return key === DEFAULT_CONFIG_KEY ? undefined : nodeNameFromKey(CONFIG_PREFIX, key);
  }
}

/**
 * The config feed's decoder: a stored config as the view keeps it. A value that does not
 * validate is reported once (the agent rejects it too) and kept with its problem.
 */
export function decodeConfigEntry({ key, value, revision }: StoredKv): StoredEntry {
  const parsed = parseConfigText(value);
  if (parsed.ok) invalidValues.clear(key);
  else invalidValues.report({ kind: "config", key, revision, reason: parsed.reason });
  return parsed.ok
    ? { revision, value: parsed.value }
    : { revision, value: undefined, problem: parsed.reason };
}
