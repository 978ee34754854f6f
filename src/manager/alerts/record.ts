// The webhook outbox record: `/monitor/alerts/<node>/<revision>`, one per alerting
// transition, written by the leader before any POST. It is read back from etcd after a
// takeover, so it is decoded with zod like every stored value: a record that does not
// decode is reported and skipped, never trusted.
import { z } from "zod";
import { decodeJson, decodeStored, type StoredValue } from "../../shared/decode.ts";
import { ALERTS_PREFIX, alertKey } from "../../shared/keys.ts";
import { isValidNodeName } from "../../shared/node-name.ts";
import type { LivenessEffect, NodeView } from "../liveness.ts";

export { ALERTS_PREFIX, alertKey };

/**
 * DEAD fires FleetwatchNodeDead and RECOVERED resolves it. With `--alert-on-leave`, LEFT
 * fires FleetwatchNodeLeft (severity info) and REJOINED resolves it. Without it a graceful
 * leave is not an alert: it was asked for (a rolling update with --leave-on-exit).
 */
export const ALERT_KINDS = ["DEAD", "RECOVERED", "LEFT", "REJOINED"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const isFiring = (kind: AlertKind): boolean => kind === "DEAD" || kind === "LEFT";
/** The alert name a kind fires or resolves: a pair shares it (and so its labels and fingerprint). */
export const alertName = (kind: AlertKind): string =>
  kind === "DEAD" || kind === "RECOVERED" ? "FleetwatchNodeDead" : "FleetwatchNodeLeft";

const millis = z.number().int().min(0).max(8.64e15); // the range of a JavaScript Date

export const AlertRecordSchema = z.object({
  node: z.string().min(1).max(253).refine(isValidNodeName, "not a valid node name"),
  kind: z.enum(ALERT_KINDS),
  /** Liveness state entered. */
  state: z.enum(["DEAD", "LEFT", "ALIVE"]),
  reason: z.string().max(1024),
  /** ms since epoch of the transition, as the manager observed it. */
  at: millis,
  /** For a resolution: when the alert it resolves started (its startsAt). */
  firingAt: millis.optional(),
  /** etcd revision of the event that caused the transition: with `node`, the idempotency key. */
  revision: z.number().int().min(1),
  /** Ids of the webhooks that answered 2xx (a hash of the URL: URLs can hold secrets). */
  delivered: z.array(z.string().max(64)).max(64),
  /** Ids of the webhooks this firing record was not sent to: a later resolution superseded it. */
  dropped: z.array(z.string().max(64)).max(64).default([]),
});
export type AlertRecord = z.infer<typeof AlertRecordSchema>;

/** Decodes a record read back from etcd; one that does not decode is reported (kind "alert") and skipped. */
export function decodeStoredRecord(stored: StoredValue): AlertRecord | undefined {
  return decodeStored("alert", AlertRecordSchema, stored);
}

/** Decodes without reporting (a value about to be rewritten, or a test). */
export function decodeRecord(text: string): AlertRecord | undefined {
  const result = decodeJson(AlertRecordSchema, text);
  return result.ok ? result.value : undefined;
}

export const idempotencyKey = (a: Pick<AlertRecord, "node" | "revision">) => `${a.node}/${a.revision}`;

/** Which alert a transition is, if any (a first join is not one; LEFT only with --alert-on-leave). */
export function alertKind(
  effect: Extract<LivenessEffect, { type: "transition" }>,
  alertOnLeave: boolean,
): AlertKind | undefined {
  if (effect.to === "DEAD") return "DEAD";
  if (effect.to === "LEFT") return alertOnLeave ? "LEFT" : undefined;
  if (effect.to === "ALIVE" && effect.from === "DEAD") return "RECOVERED";
  if (effect.to === "ALIVE" && effect.from === "LEFT" && alertOnLeave) return "REJOINED";
  return undefined;
}

/**
 * The record for the transition at `index` of a node's history, or undefined when it is
 * not an alert. A resolution carries the start of the state it ends, so a resolved alert
 * keeps the startsAt of the firing one.
 */
export function recordFor(view: NodeView, index: number, alertOnLeave: boolean): AlertRecord | undefined {
  const t = view.history[index];
  if (!t) return undefined;
  const prev = view.history[index - 1];
  const kind = alertKind(
    {
      type: "transition",
      node: view.node,
      from: prev?.state,
      to: t.state,
      reason: t.reason,
      at: t.at,
      revision: t.revision,
    },
    alertOnLeave,
  );
  if (!kind) return undefined;
  return {
    node: view.node,
    kind,
    state: t.state,
    reason: t.reason,
    at: t.at,
    ...(isFiring(kind) || !prev ? {} : { firingAt: prev.at }),
    revision: t.revision,
    delivered: [],
    dropped: [],
  };
}
