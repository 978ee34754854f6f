// The manager's view of the fleet as a pure reducer: (state, event, now) -> (state, effects).
//
// etcd decides death: a DELETE of a heartbeat key (lease expired or revoked) is the only
// way a node stops being ALIVE. The manager keeps no timers of its own, so a slow or
// partitioned manager can be late, never wrong. Events come from the heartbeat watch,
// from a list (start-up or re-sync after compaction), and from the connection state.
// Effects are data only: what changed, never how to say it. The console's words for them
// live in liveness-console.ts; the HTTP server, alerts and the registry read the same data.
import type { NodeName } from "../shared/node-name.ts";
import type { ConfigAck, Heartbeat } from "../shared/schema.ts";

export type NodeState = "ALIVE" | "DEAD" | "LEFT";

export interface Transition {
  state: NodeState;
  /** ms since epoch, as observed by the manager. */
  at: number;
  reason: string;
  /** etcd revision of the event that caused it. */
  revision: number;
}

export interface NodeView {
  node: NodeName;
  state: NodeState;
  /** When the current state began (ms). */
  since: number;
  firstSeen: number;
  /** Last moment the node was known alive: a heartbeat put, or its death being observed. */
  lastSeen: number;
  /** create_revision of the live heartbeat key; a new one means the key was deleted in between. */
  createRevision: number;
  /** The heartbeat value said `leaving`: its DELETE is a graceful leave. */
  leaving: boolean;
  heartbeat?: Heartbeat;
  /** Newest last; bounded by HISTORY_LIMIT. */
  history: Transition[];
}

export const HISTORY_LIMIT = 20;

export interface LivenessState {
  nodes: ReadonlyMap<NodeName, NodeView>;
  connected: boolean;
}

export interface ListedHeartbeat {
  node: NodeName;
  heartbeat: Heartbeat | undefined;
  createRevision: number;
  modRevision: number;
}

export type LivenessEvent =
  /** Registry entries persisted by an earlier manager run. */
  | { type: "restore"; views: NodeView[] }
  | {
      type: "put";
      node: NodeName;
      heartbeat: Heartbeat | undefined;
      createRevision: number;
      modRevision: number;
    }
  | { type: "delete"; node: NodeName; modRevision: number }
  /** Every live heartbeat at `revision`; `cause` says why the view was not continuous. */
  | { type: "snapshot"; heartbeats: ListedHeartbeat[]; revision: number; cause: "startup" | "resync" }
  | { type: "connection-lost"; detail: string }
  | { type: "connection-restored" }
  /** Someone forgot the node (src/manager/forget.ts) at etcd revision `revision`. */
  | { type: "forget"; node: NodeName; revision: number; by: string };

export type LivenessEffect =
  /** The view of `node` changed in a way worth persisting in the registry. */
  | { type: "persist"; view: NodeView }
  | {
      type: "transition";
      node: NodeName;
      from: NodeState | undefined;
      to: NodeState;
      reason: string;
      at: number;
      /** etcd revision of the event that caused it: with `node`, an idempotency key. */
      revision: number;
      /**
       * Set when the heartbeat key vanished while the manager was not watching (found
       * missing from the list at start-up or after a re-sync), not seen as a DELETE.
       */
      missedWhile?: "startup" | "resync";
    }
  /**
   * At start-up, every known node that no transition of this list changed, sorted by
   * name (emitted only when there is at least one): the console reports their state once.
   */
  | { type: "known-at-startup"; views: NodeView[] }
  /** The connection to etcd was lost (once per outage): nothing is declared until it is back. */
  | { type: "connection-lost"; detail: string }
  /** The connection came back; the view catches up through the watch or a re-list. */
  | { type: "connection-restored" }
  /** A live node reported a different applied (or rejected) config than before. */
  | { type: "config-ack"; node: NodeName; ack: ConfigAck }
  /** The node was forgotten: consumers drop everything they keep about it. */
  | { type: "forgotten"; node: NodeName; from: NodeState; by: string };

export interface Reduced {
  state: LivenessState;
  effects: LivenessEffect[];
}

export const initialLiveness: LivenessState = { nodes: new Map(), connected: true };

/** A copy of the node map owned by one `reduceMany` call: copied once per batch, not per event. */
type Nodes = Map<NodeName, NodeView>;

export function reduce(state: LivenessState, event: LivenessEvent, now: number): Reduced {
  return reduceMany(state, [event], now);
}

/**
 * Reduces the events of one watch response together: the node map is copied once per
 * batch (and only if a node event is in it), not once per event - 10,000 heartbeat puts
 * in one response cost O(N), not O(N²). Same result as folding `reduce` over `events`.
 */
export function reduceMany(state: LivenessState, events: readonly LivenessEvent[], now: number): Reduced {
  let nodes: Nodes | undefined;
  let connected = state.connected;
  const effects: LivenessEffect[] = [];
  for (const event of events) {
    switch (event.type) {
      case "restore":
        nodes ??= new Map(state.nodes);
        for (const view of event.views) nodes.set(view.node, view);
        break;
      case "put":
        nodes ??= new Map(state.nodes);
        effects.push(...onPut(nodes, event, now));
        break;
      case "delete":
        nodes ??= new Map(state.nodes);
        effects.push(...onDelete(nodes, event, now));
        break;
      case "snapshot":
        nodes ??= new Map(state.nodes);
        effects.push(...onSnapshot(nodes, event, now));
        break;
      case "connection-lost":
        if (!connected) break;
        connected = false;
        effects.push({ type: "connection-lost", detail: event.detail });
        break;
      case "forget": {
        const view = (nodes ?? state.nodes).get(event.node);
        // A node that came back after the forget (a newer transition) is not forgotten.
        if (!view || view.state === "ALIVE" || (view.history.at(-1)?.revision ?? 0) > event.revision) break;
        nodes ??= new Map(state.nodes);
        nodes.delete(event.node);
        effects.push({ type: "forgotten", node: event.node, from: view.state, by: event.by });
        break;
      }
      case "connection-restored":
        if (connected) break;
        connected = true;
        effects.push({ type: "connection-restored" });
        break;
      default:
        event satisfies never;
    }
  }
  if (!nodes && connected === state.connected) return { state, effects };
  return { state: { ...state, nodes: nodes ?? state.nodes, connected }, effects };
}

function onPut(nodes: Nodes, ev: Extract<LivenessEvent, { type: "put" }>, now: number): LivenessEffect[] {
  const prev = nodes.get(ev.node);
  const leaving = ev.heartbeat?.status === "leaving";
  if (prev?.state === "ALIVE") {
    // A refreshed heartbeat (new ts, config ack, leaving flag) is not a transition.
    const view: NodeView = {
      ...prev,
      heartbeat: ev.heartbeat,
      leaving,
      lastSeen: now,
      createRevision: ev.createRevision,
    };
    nodes.set(ev.node, view);
    const effects: LivenessEffect[] = prev.leaving !== leaving ? [{ type: "persist", view }] : [];
    const ack = ev.heartbeat?.config;
    // No previous ack (first put, or a view restored from the registry): no change we saw.
    const before = prev.heartbeat?.config;
    if (ack && before && ackKey(ack) !== ackKey(before))
      effects.push({ type: "config-ack", node: ev.node, ack });
    return effects;
  }
  const reason = prev?.state === "DEAD" ? "recovered" : prev?.state === "LEFT" ? "rejoined" : "joined";
  const view = transition(prev, ev.node, "ALIVE", reason, now, ev.modRevision, {
    heartbeat: ev.heartbeat,
    leaving,
    createRevision: ev.createRevision,
    lastSeen: now,
  });
  nodes.set(ev.node, view);
  return transitionEffects(prev, view, reason, now);
}

function onDelete(
  nodes: Nodes,
  ev: Extract<LivenessEvent, { type: "delete" }>,
  now: number,
): LivenessEffect[] {
  const prev = nodes.get(ev.node);
  if (prev?.state !== "ALIVE") return [];
  const to: NodeState = prev.leaving ? "LEFT" : "DEAD";
  const reason = prev.leaving ? "graceful shutdown" : "TTL expired";
  const view = transition(prev, ev.node, to, reason, now, ev.modRevision, {
    lastSeen: now,
    createRevision: 0,
  });
  nodes.set(ev.node, view);
  return transitionEffects(prev, view, reason, now);
}

/** Reconciles the view with a full list when the event stream was not continuous. */
function onSnapshot(
  nodes: Nodes,
  ev: Extract<LivenessEvent, { type: "snapshot" }>,
  now: number,
): LivenessEffect[] {
  const effects: LivenessEffect[] = [];
  const listed = new Map(ev.heartbeats.map((h) => [h.node, h]));

  for (const view of [...nodes.values()].sort(byName)) {
    if (view.state !== "ALIVE") continue;
    const live = listed.get(view.node);
    // Gone, or deleted and re-created (a different key generation) while we were away.
    if (!live || (view.createRevision !== 0 && live.createRevision !== view.createRevision)) {
      const to: NodeState = view.leaving ? "LEFT" : "DEAD";
      const reason = view.leaving
        ? "graceful shutdown"
        : `TTL expired while the manager was ${awayWord(ev.cause)}`;
      const next = transition(view, view.node, to, reason, now, ev.revision, {
        lastSeen: now,
        createRevision: 0,
      });
      nodes.set(view.node, next);
      effects.push(...transitionEffects(view, next, reason, now, ev.cause));
    }
  }
  for (const live of [...listed.values()].sort(byName)) {
    effects.push(...onPut(nodes, { type: "put", ...live }, now));
  }
  if (ev.cause === "startup") {
    // Every known node's state is reported once; nodes that just changed have their transition.
    const changed = new Set(effects.flatMap((e) => (e.type === "transition" ? [e.node] : [])));
    const unchanged = [...nodes.values()].filter((view) => !changed.has(view.node));
    if (unchanged.length > 0) effects.push({ type: "known-at-startup", views: unchanged.sort(byName) });
  }
  return effects;
}

const ackKey = (ack: ConfigAck | undefined) =>
  ack ? `${ack.nodeRevision}/${ack.defaultRevision}/${ack.rejected?.revision ?? ""}` : "";
const awayWord = (cause: "startup" | "resync") => (cause === "startup" ? "down" : "cut off from etcd");
const byName = (a: { node: NodeName }, b: { node: NodeName }) => a.node.localeCompare(b.node);

function transition(
  prev: NodeView | undefined,
  node: NodeName,
  to: NodeState,
  reason: string,
  now: number,
  revision: number,
  fields: Partial<NodeView>,
): NodeView {
  const history = [...(prev?.history ?? []), { state: to, at: now, reason, revision }].slice(-HISTORY_LIMIT);
  return {
    node,
    firstSeen: prev?.firstSeen ?? now,
    lastSeen: prev?.lastSeen ?? now,
    createRevision: prev?.createRevision ?? 0,
    leaving: false,
    ...(prev?.heartbeat ? { heartbeat: prev.heartbeat } : {}),
    ...fields,
    state: to,
    since: now,
    history,
  };
}

function transitionEffects(
  prev: NodeView | undefined,
  view: NodeView,
  reason: string,
  now: number,
  missedWhile?: "startup" | "resync",
): LivenessEffect[] {
  return [
    {
      type: "transition",
      node: view.node,
      from: prev?.state,
      to: view.state,
      reason,
      at: now,
      revision: view.history[view.history.length - 1]?.revision ?? 0,
      ...(missedWhile ? { missedWhile } : {}),
    },
    { type: "persist", view },
  ];
}
