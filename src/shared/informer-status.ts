// The one shape of "how is my view of etcd doing", reported by every informer
// (src/shared/informer.ts) and collapsed by its users into console lines, log lines,
// readiness and reconnect counters. One union instead of a callback per situation.
import type { Logger } from "./log.ts";

export type InformerStatus =
  /** Reading the key set or prefix (first start, or after a resync). */
  | { state: "listing" }
  /** The list failed; the next attempt starts in `retryInMs`. */
  | { state: "list-failed"; error: string; retryInMs: number }
  /** Listed and watching, caught up as far as the informer knows (also after a reconnect). */
  | { state: "synced"; revision: number }
  /** The watch stream broke; etcd3 re-attaches it and the watch resumes without a gap. */
  | { state: "disconnected"; detail: string }
  /** The watch cannot resume (history compacted, watch cancelled): a re-list follows. */
  | { state: "resyncing"; reason: string };

export type InformerStatusListener = (status: InformerStatus) => void;

/**
 * A listener that calls `onBack` each time a watch is synced again after a disconnect or a
 * re-list (what fleetwatch_watch_reconnects_total counts); the first sync is not a return.
 */
export function whenBack(onBack: () => void): InformerStatusListener {
  let away = false;
  return (status) => {
    if (status.state === "disconnected" || status.state === "resyncing") away = true;
    else if (status.state === "synced" && away) {
      away = false;
      onBack();
    }
  };
}

/** Logs what a background informer cannot do itself (list failures, re-lists) under `prefix`. */
export function logStatus(log: Pick<Logger, "warn">, prefix: string): InformerStatusListener {
  return (status) => {
    if (status.state === "list-failed") {
      log.warn({ prefix, err: status.error, delay: status.retryInMs }, "cannot list; retrying");
    } else if (status.state === "resyncing") {
      log.warn({ prefix, reason: status.reason }, "watch cannot resume; re-listing");
    }
  };
}
