// "Desired vs applied": compares what is stored for a node (its effective config and the
// mod_revisions it comes from) with what the agent acknowledged in its heartbeat.
// Pure: data in, verdict out, so every case has a table test (test/unit/config-compliance).

import { sameConfig } from "../shared/config-merge.ts";
import { escapeControl } from "../shared/escape.ts";
import { DEFAULT_CONFIG_KEY } from "../shared/keys.ts";
import type { ConfigAck, EffectiveConfig } from "../shared/schema.ts";

export type ComplianceStatus = "in-sync" | "pending" | "rejected" | "unknown";

export type Compliance =
  | { status: "in-sync" }
  /** The agent runs an older revision of one of the two keys. */
  | { status: "pending"; detail: string }
  /** The agent refused the stored value; `reason` is the agent's own. */
  | { status: "rejected"; key: string; revision: number; reason: string }
  /** No acknowledgement to compare with: the node is not alive, or its agent does not ack. */
  | { status: "unknown"; detail: string };

export interface DesiredState {
  config: EffectiveConfig;
  /** mod_revision of the node override (0 when absent). */
  nodeRevision: number;
  /** mod_revision of the fleet default (0 when absent). */
  defaultRevision: number;
}

export interface ComplianceInput {
  desired: DesiredState;
  /** The node is ALIVE (its heartbeat key exists). */
  alive: boolean;
  ack: ConfigAck | undefined;
}

export function compliance({ desired, alive, ack }: ComplianceInput): Compliance {
  if (!alive) return { status: "unknown", detail: "node is not alive" };
  if (!ack) return { status: "unknown", detail: "agent has not acknowledged any config" };
  if (ack.rejected) {
    const current = ack.rejected.key === DEFAULT_CONFIG_KEY ? desired.defaultRevision : desired.nodeRevision;
    // A rejection of an older revision says nothing about the current value.
    if (ack.rejected.revision === current) {
      return {
        status: "rejected",
        key: ack.rejected.key,
        revision: ack.rejected.revision,
        reason: ack.rejected.reason,
      };
    }
  }
  const nodeOk = revisionMatches(desired.nodeRevision, ack.nodeRevision);
  const defaultOk = revisionMatches(desired.defaultRevision, ack.defaultRevision);
  if (nodeOk && defaultOk) return { status: "in-sync" };
  // A deleted key is 0 in a read but the agent may remember the delete's revision; what it
  // runs is then what counts.
  const deletedOnly = (nodeOk || desired.nodeRevision === 0) && (defaultOk || desired.defaultRevision === 0);
  if (deletedOnly && sameConfig(desired.config, ack)) return { status: "in-sync" };
  const behind: string[] = [];
  if (!nodeOk) behind.push(`override revision ${ack.nodeRevision}, desired ${desired.nodeRevision}`);
  if (!defaultOk) behind.push(`default revision ${ack.defaultRevision}, desired ${desired.defaultRevision}`);
  return { status: "pending", detail: `agent applied ${behind.join("; ")}` };
}

function revisionMatches(desired: number, applied: number): boolean {
  return desired === applied;
}

/** One cell of a table: "in-sync", "pending", "rejected: <reason>", "unknown (<detail>)". */
export function describeCompliance(c: Compliance): string {
  switch (c.status) {
    case "in-sync":
      return "in-sync";
    case "pending":
      return "pending";
    case "rejected":
      return `rejected (rev ${c.revision}: ${escapeControl(c.reason)})`;
    case "unknown":
      return `unknown (${c.detail})`;
    default:
      return c satisfies never;
  }
}

/** Has this ack applied (or passed) the given revision of a node override / the default? */
export function ackedRevision(
  ack: ConfigAck | undefined,
  key: "node" | "default",
  revision: number,
): boolean {
  if (!ack) return false;
  const applied = key === "node" ? ack.nodeRevision : ack.defaultRevision;
  return applied >= revision;
}
