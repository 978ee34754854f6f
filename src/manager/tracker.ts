// List-then-watch of the heartbeat prefix, feeding the liveness reducer.
//
// Start-up lists every heartbeat at revision R and watches from R+1. A reconnect
// resumes from the last event actually received (ResumableWatch), so the events of an
// outage are replayed in order - a graceful leave during a partition is still LEFT.
// Only when history is gone (compaction) or the watch is cancelled does the tracker
// re-list and hand the reducer a snapshot to reconcile.
import type { Etcd3 } from "etcd3";
import { backoffDelay, sleep } from "../shared/backoff.ts";
import { decodeStored } from "../shared/decode.ts";
import { errorMessage } from "../shared/errors.ts";
import { invalidValues } from "../shared/invalid-values.ts";
import { HEARTBEAT_PREFIX, nodeFromKey } from "../shared/keys.ts";
import { isValidNodeName } from "../shared/node-name.ts";
import { ResumableWatch, type WatchEvent } from "../shared/resumable-watch.ts";
import { HeartbeatSchema } from "../shared/schema.ts";
import type { ListedHeartbeat, LivenessEvent } from "./liveness.ts";

export interface TrackerOptions {
  client: Etcd3;
  dispatch(event: LivenessEvent): void;
  /** The events of one watch response together (one reducer step); falls back to `dispatch`. */
  dispatchMany?(events: LivenessEvent[]): void;
  /** etcd could not be listed; the tracker retries after `delayMs`. */
  onListFailed(error: string, delayMs: number): void;
  /** The watch could not be resumed (compaction, cancelled); a re-list follows. */
  onResync?(reason: string): void;
}

export class HeartbeatTracker {
  private watch: ResumableWatch | undefined;
  private stopped = false;
  private resyncing: Promise<void> | undefined;
  private synced = false;

  constructor(private readonly options: TrackerOptions) {}

  /** True once the first list is done and the watch is running. */
  get isSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first snapshot has been dispatched and the watch is running. */
  start(): Promise<void> {
    return this.listAndWatch("startup");
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watch?.cancel();
  }

  private async listAndWatch(cause: "startup" | "resync"): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const { heartbeats, revision } = await this.list();
        // etcd answered: say so before reconciling, so the output reads in order.
        if (cause === "resync") this.options.dispatch({ type: "connection-restored" });
        this.options.dispatch({ type: "snapshot", heartbeats, revision, cause });
        this.watch = await ResumableWatch.start(
          this.options.client,
          { prefix: HEARTBEAT_PREFIX },
          revision + 1,
          {
            onEvents: (events) => this.onEvents(events),
            onState: (state, detail) =>
              this.options.dispatch(
                state === "connected"
                  ? { type: "connection-restored" }
                  : { type: "connection-lost", detail: detail ?? "" },
              ),
            onResyncNeeded: (reason) => void this.resync(reason),
          },
        );
        this.synced = true;
        return;
      } catch (err) {
        const delay = backoffDelay(attempt);
        this.options.onListFailed(errorMessage(err), delay);
        await sleep(delay);
      }
    }
  }

  private async list(): Promise<{ heartbeats: ListedHeartbeat[]; revision: number }> {
    const res = await this.options.client.getAll().prefix(HEARTBEAT_PREFIX).exec();
    const heartbeats: ListedHeartbeat[] = [];
    for (const kv of res.kvs) {
      const node = nodeFromKey(HEARTBEAT_PREFIX, kv.key.toString());
      if (!node || !isValidNodeName(node)) continue;
      const key = kv.key.toString();
      const modRevision = Number(kv.mod_revision);
      heartbeats.push({
        node,
        heartbeat: decodeStored("heartbeat", HeartbeatSchema, {
          key,
          value: kv.value.toString(),
          revision: modRevision,
        }),
        createRevision: Number(kv.create_revision),
        modRevision,
      });
    }
    return { heartbeats, revision: Number(res.header.revision) };
  }

  private onEvents(events: WatchEvent[]): void {
    const batch: LivenessEvent[] = [];
    for (const ev of events) {
      const node = nodeFromKey(HEARTBEAT_PREFIX, ev.key);
      // Keys written by other tools with names we would refuse are not nodes.
      if (!node || !isValidNodeName(node)) continue;
      if (ev.type === "delete") invalidValues.clear(ev.key);
      batch.push(
        ev.type === "put"
          ? {
              type: "put",
              node,
              // A value that does not decode is reported once and is unknown: the node
              // is still ALIVE (its key exists), its heartbeat details are not shown.
              heartbeat: decodeStored("heartbeat", HeartbeatSchema, {
                key: ev.key,
                value: ev.value,
                revision: ev.modRevision,
              }),
              createRevision: ev.createRevision,
              modRevision: ev.modRevision,
            }
          : { type: "delete", node, modRevision: ev.modRevision },
      );
    }
    if (batch.length === 0) return;
    if (this.options.dispatchMany) this.options.dispatchMany(batch);
    else for (const event of batch) this.options.dispatch(event);
  }

  private resync(reason: string): Promise<void> {
    this.resyncing ??= (async () => {
      this.synced = false;
      this.options.onResync?.(reason);
      await this.watch?.cancel();
      await this.listAndWatch("resync");
    })().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }
}
