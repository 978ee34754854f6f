// Stored configs as read from etcd, their kept versions, and the desired effective config
// of a node (fleet default <- node override). Pure: values in, values out.
import { mergeConfig } from "../shared/config-merge.ts";
import { invalidValues } from "../shared/invalid-values.ts";
import type { NodeName } from "../shared/node-name.ts";
import { type ConfigOverride, type EffectiveConfig, parseConfigText } from "../shared/schema.ts";
import { type ConfigTarget, targetKey } from "./target.ts";

export interface StoredConfig {
  target: ConfigTarget;
  key: string;
  exists: boolean;
  value: ConfigOverride | undefined;
  raw: string | undefined;
  /** mod_revision, 0 when absent. */
  revision: number;
  valid: boolean;
  reason?: string;
}

export interface ConfigVersion {
  version: number;
  /** ms since the epoch. */
  at: number;
  author: string;
  /** null = override removed. */
  value: ConfigOverride | null;
  /** etcd revision of the write (the config key's mod_revision right after it). */
  revision: number;
  /** Set when this version was written by a rollback to an earlier version. */
  rollbackOf?: number;
}

export interface ConfigSnapshot {
  /** etcd revision the snapshot was read at. */
  revision: number;
  fleetDefault: StoredConfig;
  overrides: Map<NodeName, StoredConfig>;
}

export interface Desired {
  config: EffectiveConfig;
  nodeRevision: number;
  defaultRevision: number;
  override: StoredConfig;
  fleetDefault: StoredConfig;
}

/** Reads a stored value (or its absence) the way the agent does. */
export function toStored(target: ConfigTarget, raw: string | undefined, revision: number): StoredConfig {
  const key = targetKey(target);
  if (raw === undefined) {
    return { target, key, exists: false, value: undefined, raw: undefined, revision: 0, valid: true };
  }
  const parsed = parseConfigText(raw);
  // Reported once per key and revision (every reader of the config prefix comes here).
  if (parsed.ok) invalidValues.clear(key);
  else invalidValues.report({ kind: "config", key, revision, reason: parsed.reason });
  return parsed.ok
    ? { target, key, exists: true, value: parsed.value, raw, revision, valid: true }
    : { target, key, exists: true, value: undefined, raw, revision, valid: false, reason: parsed.reason };
}

/** The desired effective config of `node` from a snapshot; invalid stored values count as absent. */
export function desiredFrom(snapshot: ConfigSnapshot, node: NodeName): Desired {
  const override = snapshot.overrides.get(node) ?? toStored({ kind: "node", node }, undefined, 0);
  return {
    config: mergeConfig(snapshot.fleetDefault.value, override.value),
    nodeRevision: override.revision,
    defaultRevision: snapshot.fleetDefault.revision,
    override,
    fleetDefault: snapshot.fleetDefault,
  };
}
