// The one informer: list a prefix (or a few keys) at revision R, watch from R+1 without
// gaps (ResumableWatch behind a KvSource), list again when the watch cannot resume
// (history compacted, watch cancelled), retry failed lists with backoff, decode every
// value once through the caller's decoder, and report connection state as one
// InformerStatus. The heartbeat tracker, the manager's mirrors, the agent's and the
// simulator's config watches and ctl's reads (listOnce) are thin users of it.
//
// The decoder is the caller's, so this module needs no schema library: the manager passes
// decodeStored-based decoders (shared/decode.ts), the agent its own small checks. What a
// value that does not decode becomes (undefined, a rejection with a reason) is the
// decoder's choice; the informer hands on whatever it returns.
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, sleep } from "./backoff.ts";
import { errorMessage } from "./errors.ts";
import type { InformerStatus } from "./informer-status.ts";
import type { InformerTarget, KvSource, Listing, RawKv, WatchEvent, WatchHandle } from "./kv-source.ts";

/** What a decoder sees of one stored value. */
export interface StoredKv {
  key: string;
  value: string;
  /** mod_revision: a bad value is reported once per key and revision. */
  revision: number;
}

export type Decoder<T> = (stored: StoredKv) => T;

export interface InformerItem<T> {
  key: string;
  value: T;
  modRevision: number;
  createRevision: number;
}

export type InformerEvent<T> =
  | { type: "put"; key: string; value: T; modRevision: number; createRevision: number }
  | { type: "delete"; key: string; modRevision: number };

export interface InformerOptions<T> {
  source: KvSource;
  target: InformerTarget;
  decode: Decoder<T>;
  /** Every present key at `revision`: replace what you had (first start and every resync). */
  onList(items: InformerItem<T>[], revision: number): void;
  /** The events of one watch response, in revision order. */
  onEvents(events: InformerEvent<T>[]): void;
  onStatus?(status: InformerStatus): void;
  /** List retry delays (default shared/backoff.ts's). */
  backoff?: BackoffPolicy;
}

export class Informer<T> {
  private watch: WatchHandle | undefined;
  private readonly stopSignal = new AbortController();
  private resyncing: Promise<void> | undefined;
  private listedAndWatching = false;
  private latest: InformerStatus | undefined;
  private seen = 0;

  constructor(private readonly options: InformerOptions<T>) {}

  /** Listed and watching (false while listing or re-listing; a disconnect does not clear it). */
  get synced(): boolean {
    return this.listedAndWatching;
  }

  /** The last status reported (undefined before start). */
  get status(): InformerStatus | undefined {
    return this.latest;
  }

  /** The revision of the last list or event delivered. */
  get revision(): number {
    return this.seen;
  }

  /** Resolves once the first list is delivered and the watch is open (or on stop()). */
  start(): Promise<void> {
    return this.listAndWatch();
  }

  /** Stops watching and ends any list retry loop; settles without waiting for etcd. */
  async stop(): Promise<void> {
    this.stopSignal.abort();
    const watch = this.watch;
    this.watch = undefined;
    await watch?.cancel();
  }

  private get stopped(): boolean {
    return this.stopSignal.signal.aborted;
  }

  private async listAndWatch(): Promise<void> {
    const { source, target, backoff = DEFAULT_BACKOFF } = this.options;
    for (let attempt = 0; !this.stopped; attempt++) {
      this.report({ state: "listing" });
      try {
        const listing = await source.list(target);
        if (this.stopped) return;
        this.deliverList(listing);
        const watch = await source.watch(target, listing.revision + 1, {
          onEvents: (events) => this.onEvents(events),
          onState: (state, detail) =>
            this.report(
              state === "connected"
                ? { state: "synced", revision: this.seen }
                : { state: "disconnected", detail: detail ?? "" },
            ),
          onResyncNeeded: (reason) => void this.resync(reason),
        });
        if (this.stopped) {
          await watch.cancel();
          return;
        }
        this.watch = watch;
        this.listedAndWatching = true;
        return;
      } catch (err) {
        const retryInMs = backoffDelay(attempt, backoff);
        this.report({ state: "list-failed", error: errorMessage(err), retryInMs });
        await sleep(retryInMs, this.stopSignal.signal);
      }
    }
  }

  private deliverList(listing: Listing): void {
    this.seen = listing.revision;
    this.options.onList(
      listing.kvs.map((kv) => decodeItem(kv, this.options.decode)),
      listing.revision,
    );
  }

  private onEvents(events: WatchEvent[]): void {
    if (this.stopped || events.length === 0) return;
    const decoded = events.map(
      (ev): InformerEvent<T> =>
        ev.type === "delete"
          ? { type: "delete", key: ev.key, modRevision: ev.modRevision }
          : {
              type: "put",
              key: ev.key,
              value: this.options.decode({ key: ev.key, value: ev.value, revision: ev.modRevision }),
              modRevision: ev.modRevision,
              createRevision: ev.createRevision,
            },
    );
    this.seen = Math.max(this.seen, events[events.length - 1]?.modRevision ?? 0);
    this.options.onEvents(decoded);
  }

  private resync(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // Several watches of one key set end together on one compaction: re-list once.
    this.resyncing ??= (async () => {
      this.listedAndWatching = false;
      this.report({ state: "resyncing", reason });
      const old = this.watch;
      this.watch = undefined;
      await old?.cancel();
      await this.listAndWatch();
    })().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  private report(status: InformerStatus): void {
    if (this.stopped) return;
    // Several watches share one stream and report the same break or return: say it once.
    const previous = this.latest;
    if (previous?.state === status.state && (status.state === "synced" || status.state === "disconnected")) {
      return;
    }
    this.latest = status;
    this.options.onStatus?.(status);
  }
}

/** One read through the same source and decoder as an informer (ctl's reads). */
export async function listOnce<T>(
  source: KvSource,
  target: InformerTarget,
  decode: Decoder<T>,
): Promise<{ items: InformerItem<T>[]; revision: number }> {
  const listing = await source.list(target);
  return { items: listing.kvs.map((kv) => decodeItem(kv, decode)), revision: listing.revision };
}

function decodeItem<T>(kv: RawKv, decode: Decoder<T>): InformerItem<T> {
  return {
    key: kv.key,
    value: decode({ key: kv.key, value: kv.value, revision: kv.modRevision }),
    modRevision: kv.modRevision,
    createRevision: kv.createRevision,
  };
}
