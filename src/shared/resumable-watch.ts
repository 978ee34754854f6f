// A watch that never skips an event across reconnects.
//
// etcd3 1.1.x resumes a broken watch from `header.revision + 1` of the last response,
// but while a watcher catches up on history the header carries the store's CURRENT
// revision, not the last delivered event's: a reconnect in that window silently drops
// every event in between (docs/liveness.md: etcd3 client traps). We track the mod_revision of the
// last event we actually received and rewrite the resume point on every disconnect.
// A compacted start revision or a cancelled watch cannot be resumed: the owner is told
// to re-list (`onResyncNeeded`) and start a new watch from the listed revision.
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from "etcd3";
import { errorMessage } from "./errors.ts";

export interface WatchEvent {
  type: "put" | "delete";
  key: string;
  /** Empty for a delete. */
  value: string;
  modRevision: number;
  createRevision: number;
  /** The lease the key is attached to ("0": none; absent when the source does not say). */
  lease?: string;
}

export interface WatchHandlers {
  /** Events of one response, in revision order. */
  onEvents(events: WatchEvent[]): void;
  onState?(state: "connected" | "disconnected", detail?: string): void;
  /** History is gone (compaction) or etcd cancelled the watch: re-list, then watch again. */
  onResyncNeeded(reason: string): void;
}

export interface WatchTarget {
  key?: string;
  prefix?: string;
}

export class ResumableWatch {
  private lastRevision: number;
  private watcher: Watcher | undefined;
  private cancelled = false;
  private endedByEtcd = false;

  private constructor(
    private readonly client: Etcd3,
    private readonly target: WatchTarget,
    fromRevision: number,
    private readonly handlers: WatchHandlers,
  ) {
    this.lastRevision = fromRevision - 1;
  }

  /** Starts watching at `fromRevision` (usually the listed revision + 1). */
  static async start(client: Etcd3, target: WatchTarget, fromRevision: number, handlers: WatchHandlers) {
    const watch = new ResumableWatch(client, target, fromRevision, handlers);
    await watch.open();
    return watch;
  }

  /** The revision of the last event delivered (or the start revision - 1). */
  get revision(): number {
    return this.lastRevision;
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    // etcd already cancelled it (compaction): etcd3 has dropped the watcher, and asking etcd
    // to cancel an id it no longer has is never answered - the promise would never settle.
    if (this.endedByEtcd) return;
    await this.watcher?.cancel().catch(() => undefined);
  }

  private async open(): Promise<void> {
    let builder = this.client.watch();
    if (this.target.prefix !== undefined) builder = builder.prefix(this.target.prefix);
    else if (this.target.key !== undefined) builder = builder.key(this.target.key);
    else throw new Error("ResumableWatch needs a key or a prefix");
    const watcher = builder.startRevision(String(this.lastRevision + 1)).watcher();
    this.watcher = watcher;
    watcher.on("data", (res: IWatchResponse) => this.onData(res));
    watcher.on("connected", () => this.handlers.onState?.("connected"));
    watcher.on("disconnected", (err: Error) => {
      // The manager re-attaches this watcher after a backoff using request.start_revision:
      // point it just past the last event we really saw.
      (watcher as unknown as { request: { start_revision: string } }).request.start_revision = String(
        this.lastRevision + 1,
      );
      this.handlers.onState?.("disconnected", errorMessage(err));
    });
    watcher.on("error", (err: Error) => {
      this.endedByEtcd = true;
      if (this.cancelled) return;
      this.cancelled = true;
      this.handlers.onResyncNeeded(errorMessage(err));
    });
    await new Promise<void>((resolve, reject) => {
      // Resolve on the first sign of life either way; a connection failure is not fatal
      // (the manager retries), so "disconnected" also resolves.
      const done = () => {
        watcher.off("connected", done);
        watcher.off("disconnected", done);
        watcher.off("error", fail);
        resolve();
      };
      const fail = (err: Error) => {
        watcher.off("connected", done);
        watcher.off("disconnected", done);
        reject(err);
      };
      watcher.once("connected", done);
      watcher.once("disconnected", done);
      watcher.once("error", fail);
    }).catch(() => undefined); // the error listener above already asked for a resync
  }

  private onData(res: IWatchResponse): void {
    if (this.cancelled) return;
    if (res.events.length === 0) {
      // A progress notification: etcd only sends it to a watcher that is fully caught
      // up, so every event up to this header revision has been delivered.
      this.lastRevision = Math.max(this.lastRevision, Number(res.header.revision));
      return;
    }
    const events = res.events.map((ev) => toEvent(ev.type === "Delete" ? "delete" : "put", ev.kv));
    const last = events[events.length - 1];
    if (last) this.lastRevision = Math.max(this.lastRevision, last.modRevision);
    this.handlers.onEvents(events);
  }
}

function toEvent(type: "put" | "delete", kv: IKeyValue): WatchEvent {
  return {
    type,
    key: kv.key.toString(),
    value: type === "put" ? kv.value.toString() : "",
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
    lease: String(kv.lease ?? "0"),
  };
}
