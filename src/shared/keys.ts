// The etcd key schema. The heartbeat and config keys are the lab's compatibility
// contract; everything else lives under the same prefix so one `etcdctl get --prefix
// /monitor` shows the whole product state.
//
// Builders take a NodeName (shared/node-name.ts): a name is parsed where it enters, so no
// key can be built from an unchecked string (a "/" or "../" inside would leave its prefix).

import { type NodeName, nodeNameOrUndefined } from "./node-name.ts";

export const PREFIX = "/monitor/";
export const HEARTBEAT_PREFIX = `${PREFIX}heartbeat/`;
export const CONFIG_PREFIX = `${PREFIX}config/`;
export const METRICS_PREFIX = `${PREFIX}metrics/`;
export const REGISTRY_PREFIX = `${PREFIX}nodes/`;
export const EVENTS_PREFIX = `${PREFIX}events/`;
/** Fleet-wide defaults; `_` cannot start a valid node name, so it never collides. */
export const DEFAULT_CONFIG_KEY = `${CONFIG_PREFIX}_default`;
/** Config versions: `<prefix><node|_default>/<zero-padded version>` (see docs/config.md). */
export const CONFIG_HISTORY_PREFIX = `${PREFIX}config-history/`;
/** Forget records, watched by every manager (src/manager/forget.ts). */
export const FORGOTTEN_PREFIX = `${PREFIX}forgotten/`;
/** Alert outbox records, one per alerting transition (src/manager/alerts/record.ts). */
export const ALERTS_PREFIX = `${PREFIX}alerts/`;
/** Held by the leading manager under its lease; its create_revision is the leadership term. */
export const LEADER_KEY = `${PREFIX}leader`;

export const heartbeatKey = (node: NodeName): string => `${HEARTBEAT_PREFIX}${node}`;
export const configKey = (node: NodeName): string => `${CONFIG_PREFIX}${node}`;
export const metricsKey = (node: NodeName): string => `${METRICS_PREFIX}${node}`;
export const registryKey = (node: NodeName): string => `${REGISTRY_PREFIX}${node}`;
export const eventsPrefix = (node: NodeName): string => `${EVENTS_PREFIX}${node}/`;
export const forgottenKey = (node: NodeName): string => `${FORGOTTEN_PREFIX}${node}`;
/** Padded so the keys of one node sort by revision. */
export const alertKey = (node: NodeName, revision: number): string =>
  `${ALERTS_PREFIX}${node}/${String(revision).padStart(20, "0")}`;

/** Digits of a config version in its key: zero-padded, so etcd's key order is version order. */
const CONFIG_VERSION_DIGITS = 10;
/** `name` is a node or `_default`. */
export const configHistoryPrefix = (name: NodeName | "_default"): string =>
  `${CONFIG_HISTORY_PREFIX}${name}/`;
export const configVersionKey = (name: NodeName | "_default", version: number): string =>
  `${configHistoryPrefix(name)}${String(version).padStart(CONFIG_VERSION_DIGITS, "0")}`;

/** The node name a key under `prefix` belongs to, or undefined for a key outside it. */
export function nodeFromKey(prefix: string, key: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  return rest.length > 0 && !rest.includes("/") ? rest : undefined;
}

/**
 * The boundary for keys read from etcd: the node a key under `prefix` belongs to, parsed,
 * or undefined for a key outside it or whose name is not a valid node name (not ours).
 */
export function nodeNameFromKey(prefix: string, key: string): NodeName | undefined {
  const node = nodeFromKey(prefix, key);
  return node === undefined ? undefined : nodeNameOrUndefined(node);
}
