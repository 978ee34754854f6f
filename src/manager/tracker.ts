// The heartbeat informer feeding the liveness reducer.
//
// Start-up lists every heartbeat at revision R and watches from R+1. A reconnect
// resumes from the last event actually received (ResumableWatch, inside the informer), so
// the events of an outage are replayed in order - a graceful leave during a partition is
// still LEFT. Only when history is gone (compaction) or the watch is cancelled does the
// informer re-list, and the tracker hands the reducer a snapshot to reconcile.
import type { Etcd3 } from "etcd3";
import { decodeHeartbeatEntry, type HeartbeatEntry } from "../shared/heartbeat-entry.ts";
import { Informer, type InformerEvent, type InformerItem } from "../shared/informer.ts";
import type { InformerStatus } from "../shared/informer-status.ts";
import { invalidValues } from "../shared/invalid-values.ts";
import { HEARTBEAT_PREFIX, nodeFromKey } from "../shared/keys.ts";
import { etcdKvSource } from "../shared/kv-source.ts";
import { nodeNameOrUndefined } from "../shared/node-name.ts";
import type { ListedHeartbeat, LivenessEvent } from "./liveness.ts";

export interface TrackerOptions {
  client: Etcd3;
  dispatch(event: LivenessEvent): void;
  /** The events of one watch response together (one reducer step); falls back to `dispatch`. */
  dispatchMany?(events: LivenessEvent[]): void;
  /** The informer's connection state (list failures, resyncs); the tracker has already
   * turned disconnects and returns into connection-lost/-restored for the reducer. */
  onStatus?(status: InformerStatus): void;
}

export class HeartbeatTracker {
  private readonly informer: Informer<HeartbeatEntry | undefined>;
  private listedBefore = false;

  constructor(private readonly options: TrackerOptions) {
    this.informer = new Informer({
      source: etcdKvSource(options.client),
      target: { prefix: HEARTBEAT_PREFIX },
      decode: decodeHeartbeatEntry,
      onList: (items, revision) => this.onList(items, revision),
      onEvents: (events) => this.onEvents(events),
      onStatus: (status) => this.onStatus(status),
    });
  }

  /** True once the first list is done and the watch is running (false while re-listing). */
  get isSynced(): boolean {
    return this.informer.synced;
  }

  /** Resolves once the first snapshot has been dispatched and the watch is running. */
  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  private onStatus(status: InformerStatus): void {
    if (status.state === "synced") this.options.dispatch({ type: "connection-restored" });
    else if (status.state === "disconnected") {
      this.options.dispatch({ type: "connection-lost", detail: status.detail });
    }
    this.options.onStatus?.(status);
  }

  private onList(items: InformerItem<HeartbeatEntry | undefined>[], revision: number): void {
    const cause = this.listedBefore ? "resync" : "startup";
    this.listedBefore = true;
    const heartbeats: ListedHeartbeat[] = [];
    for (const item of items) {
      if (!item.value) continue;
      heartbeats.push({
        node: item.value.node,
        heartbeat: item.value.heartbeat,
        createRevision: item.createRevision,
        modRevision: item.modRevision,
      });
    }
    // etcd answered: say so before reconciling, so the output reads in order.
    if (cause === "resync") this.options.dispatch({ type: "connection-restored" });
    this.options.dispatch({ type: "snapshot", heartbeats, revision, cause });
  }

  private onEvents(events: InformerEvent<HeartbeatEntry | undefined>[]): void {
    const batch: LivenessEvent[] = [];
    for (const ev of events) {
      if (ev.type === "put") {
        // Keys written by other tools with names we would refuse are not nodes.
        if (!ev.value) continue;
        batch.push({
          type: "put",
          node: ev.value.node,
          heartbeat: ev.value.heartbeat,
          createRevision: ev.createRevision,
          modRevision: ev.modRevision,
        });
        continue;
      }
      const node = nodeNameOrUndefined(nodeFromKey(HEARTBEAT_PREFIX, ev.key) ?? "");
      if (!node) continue;
      invalidValues.clear(ev.key);
      batch.push({ type: "delete", node, modRevision: ev.modRevision });
    }
    if (batch.length === 0) return;
    if (this.options.dispatchMany) this.options.dispatchMany(batch);
    else for (const event of batch) this.options.dispatch(event);
  }
}
