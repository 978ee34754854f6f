// The `--json` output of `fleetwatch ctl`. These shapes are a contract for scripts and CI
// (documented in docs/config.md): fields are only ever added, never renamed or removed.
import type { Compliance } from "../../config/compliance.ts";
import type { ConfigVersion, Desired, StoredConfig } from "../../config/service.ts";
import type { ConfigAck } from "../../shared/schema.ts";
import type { FleetNode } from "./fleet.ts";

export interface StoredJson {
  target: string;
  key: string;
  exists: boolean;
  revision: number;
  valid: boolean;
  value: unknown;
  raw: string | null;
  reason: string | null;
}

export function storedJson(stored: StoredConfig): StoredJson {
  return {
    target: stored.target.kind === "default" ? "_default" : stored.target.node,
    key: stored.key,
    exists: stored.exists,
    revision: stored.revision,
    valid: stored.valid,
    value: stored.value ?? null,
    raw: stored.raw ?? null,
    reason: stored.reason ?? null,
  };
}

export function versionJson(v: ConfigVersion) {
  return {
    version: v.version,
    at: v.at,
    time: new Date(v.at).toISOString(),
    author: v.author,
    value: v.value,
    revision: v.revision,
    rollbackOf: v.rollbackOf ?? null,
  };
}

export function desiredJson(d: Desired) {
  return {
    interval: d.config.interval,
    metrics: d.config.metrics,
    nodeRevision: d.nodeRevision,
    defaultRevision: d.defaultRevision,
  };
}

export function appliedJson(ack: ConfigAck | undefined) {
  if (!ack) return null;
  return {
    interval: ack.interval,
    metrics: ack.metrics,
    nodeRevision: ack.nodeRevision,
    defaultRevision: ack.defaultRevision,
    rejected: ack.rejected ?? null,
  };
}

export function complianceJson(c: Compliance) {
  return {
    status: c.status,
    detail: c.status === "pending" || c.status === "unknown" ? c.detail : null,
    rejected: c.status === "rejected" ? { key: c.key, revision: c.revision, reason: c.reason } : null,
  };
}

export function nodeJson(n: FleetNode) {
  return {
    node: n.node,
    state: n.state,
    alive: n.alive,
    heartbeatTs: n.heartbeat?.ts ?? null,
    lastSeen: n.registry ? new Date(n.registry.lastSeen).toISOString() : null,
    desired: desiredJson(n.desired),
    applied: n.alive ? appliedJson(n.heartbeat?.config) : null,
    override: storedJson(n.desired.override),
    ...complianceJson(n.compliance),
  };
}
