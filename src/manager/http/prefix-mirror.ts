// List a key prefix, then watch it from the listed revision + 1 without gaps
// (ResumableWatch). When the watch cannot resume (compaction, cancelled), list again.
// Used for the agents' metric samples and for the stored configs.
import type { Etcd3 } from "etcd3";
import { backoffDelay, sleep } from "../../shared/backoff.ts";
import { errorMessage } from "../../shared/errors.ts";
import type { Logger } from "../../shared/log.ts";
import { ResumableWatch, type WatchEvent } from "../../shared/resumable-watch.ts";
import type { EtcdTimer } from "./prom.ts";

export interface ListedKey {
  key: string;
  value: string;
  modRevision: number;
}

export interface PrefixMirrorHandlers {
  /** Every key under the prefix at `revision`: replace what you had. */
  onList(keys: ListedKey[], revision: number): void;
  onEvents(events: WatchEvent[]): void;
  /** The watch reconnected after a disconnect. */
  onReconnect?(): void;
}

export class PrefixMirror {
  private watch: ResumableWatch | undefined;
  private readonly stopSignal = new AbortController();
  private disconnected = false;

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly handlers: PrefixMirrorHandlers,
    private readonly log: Logger,
    private readonly timed: EtcdTimer,
  ) {}

  /** Resolves after the first list (retried with backoff until it works or stop()). */
  async start(): Promise<void> {
    for (let attempt = 0; !this.stopSignal.signal.aborted; attempt++) {
      try {
        const res = await this.timed("range", () => this.client.getAll().prefix(this.prefix).exec());
        const revision = Number(res.header.revision);
        this.handlers.onList(
          res.kvs.map((kv) => ({
            key: kv.key.toString(),
            value: kv.value.toString(),
            modRevision: Number(kv.mod_revision),
          })),
          revision,
        );
        if (this.stopSignal.signal.aborted) return;
        this.watch = await ResumableWatch.start(this.client, { prefix: this.prefix }, revision + 1, {
          onEvents: (events) => this.handlers.onEvents(events),
          onState: (state) => {
            if (state === "disconnected") this.disconnected = true;
            else if (this.disconnected) {
              this.disconnected = false;
              this.handlers.onReconnect?.();
            }
          },
          onResyncNeeded: (reason) => {
            this.log.warn({ prefix: this.prefix, reason }, "watch cannot resume; re-listing");
            void this.restart();
          },
        });
        return;
      } catch (err) {
        const delay = backoffDelay(attempt);
        this.log.warn({ prefix: this.prefix, err: errorMessage(err), delay }, "cannot list; retrying");
        await sleep(delay, this.stopSignal.signal);
      }
    }
  }

  private async restart(): Promise<void> {
    await this.watch?.cancel();
    this.watch = undefined;
    this.handlers.onReconnect?.();
    await this.start();
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    await this.watch?.cancel();
  }
}
