// The webhook outbox in etcd: `/monitor/alerts/<node>/<revision>` records (record.ts).
// Every write carries the leader's term compare (Manager.leaderGuard): a manager that lost
// the lead, even one that has not noticed yet, cannot create, mark or prune a record.
import type { Etcd3, ICompare } from "etcd3";
import { backoffDelay, sleep } from "../../shared/backoff.ts";
import { errorMessage } from "../../shared/errors.ts";
import type { Logger } from "../../shared/log.ts";
import type { EtcdTimer } from "../http/prom.ts";
import type { NodeView } from "../liveness.ts";
import type { StoredRecord } from "./delivery-order.ts";
import { ALERTS_PREFIX, type AlertRecord, alertKey, decodeRecord, decodeStoredRecord } from "./record.ts";

/** Records are kept this long (they also guard against duplicates), then pruned, delivered or not. */
export const RECORD_RETENTION_MS = 7 * 24 * 3600 * 1000;
const RETRY = { initialMs: 500, maxMs: 60_000 };

export interface OutboxStoreOptions {
  client: Etcd3;
  timed: EtcdTimer;
  log: Logger;
  /** The leader's term compare; undefined when not leading. */
  guard: () => ICompare | undefined;
  views: () => ReadonlyMap<string, NodeView>;
}

export class OutboxStore {
  private readonly marking = new Map<string, Promise<void>>();

  constructor(private readonly o: OutboxStoreOptions) {}

  /**
   * Every record that decodes and is younger than RECORD_RETENTION_MS; older ones are
   * deleted, delivered or not. What does not decode is reported (kind "alert") and skipped.
   */
  async loadAndPrune(now: number, signal: AbortSignal): Promise<StoredRecord[]> {
    const { client, timed } = this.o;
    const all = await timed("range", () => client.getAll().prefix(ALERTS_PREFIX).exec());
    const kept: StoredRecord[] = [];
    for (const kv of all.kvs) {
      if (signal.aborted) break;
      const key = kv.key.toString();
      const record = decodeStoredRecord({
        key,
        value: kv.value.toString(),
        revision: Number(kv.mod_revision),
      });
      if (!record) continue;
      if (now - record.at > RECORD_RETENTION_MS) await this.guardedDelete(key);
      else kept.push({ key, record });
    }
    return kept;
  }

  private async guardedDelete(key: string): Promise<void> {
    const guard = this.o.guard();
    if (!guard) return;
    await this.o.timed("txn", () =>
      this.o.client.kv.txn({
        compare: [guard],
        success: [{ request_delete_range: { key: Buffer.from(key) } }],
        failure: [],
      }),
    );
  }

  /**
   * Creates the record unless it exists. Returns what is to be delivered: the new record,
   * the existing one (unless `catchUp`: those were loaded already), or nothing when this
   * manager no longer leads or the record repeats the node's newest.
   */
  async create(record: AlertRecord, catchUp: boolean): Promise<StoredRecord | undefined> {
    const key = alertKey(record.node, record.revision);
    const { client, timed } = this.o;
    if (await this.duplicateOfNewest(record)) return undefined;
    const guard = this.o.guard();
    if (!guard) return undefined;
    const res = await timed("txn", () =>
      client.kv.txn({
        compare: [guard, { key: Buffer.from(key), target: "Create", result: "Equal", create_revision: 0 }],
        success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(JSON.stringify(record)) } }],
        failure: [{ request_range: { key: Buffer.from(key) } }],
      }),
    );
    if (res.succeeded) return { key, record };
    const kv = res.responses[0]?.response_range?.kvs[0];
    if (!kv || catchUp) return undefined; // no kv: the term compare failed, no longer leading
    const existing = decodeRecord(kv.value.toString());
    return existing ? { key, record: existing } : undefined;
  }

  /**
   * A transition re-derived after a restart (e.g. DEAD "while the manager was down") has a
   * different revision than the one first recorded when the registry write was lost.
   * It repeats the node's newest record if it is the same kind and the node's history
   * shows no other transition between the two revisions.
   */
  private async duplicateOfNewest(rec: AlertRecord): Promise<boolean> {
    const { client, timed } = this.o;
    const res = await timed("range", () =>
      client.getAll().prefix(`${ALERTS_PREFIX}${rec.node}/`).sort("Key", "Descend").limit(1).strings(),
    );
    const newest = Object.values(res)[0];
    const prev = newest ? decodeRecord(newest) : undefined;
    if (!prev || prev.revision >= rec.revision || prev.kind !== rec.kind) return false;
    const history = this.o.views().get(rec.node)?.history ?? [];
    return !history.some((t) => t.revision > prev.revision && t.revision < rec.revision);
  }

  /** Persists a record's delivered/dropped marks (merged with what etcd holds), one write per key at a time. */
  mark(stored: StoredRecord, signal: AbortSignal): Promise<void> {
    const previous = this.marking.get(stored.key) ?? Promise.resolve();
    const next = previous.then(() => this.writeMarks(stored, signal));
    this.marking.set(stored.key, next);
    void next.finally(() => {
      if (this.marking.get(stored.key) === next) this.marking.delete(stored.key);
    });
    return next;
  }

  private async writeMarks(stored: StoredRecord, signal: AbortSignal): Promise<void> {
    const { client, timed } = this.o;
    const key = Buffer.from(stored.key);
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const guard = this.o.guard();
        if (!guard) return;
        const res = await timed("range", () => client.kv.range({ key }));
        const kv = res.kvs[0];
        const merged = kv ? decodeRecord(kv.value.toString()) : undefined;
        if (!kv || !merged) return; // pruned or replaced: nothing to mark
        merged.delivered = union(merged.delivered, stored.record.delivered);
        merged.dropped = union(merged.dropped, stored.record.dropped).filter(
          (id) => !merged.delivered.includes(id),
        );
        const cas = await timed("txn", () =>
          client.kv.txn({
            compare: [guard, { key, target: "Mod", result: "Equal", mod_revision: kv.mod_revision }],
            success: [{ request_put: { key, value: Buffer.from(JSON.stringify(merged)) } }],
            failure: [{ request_range: { key } }],
          }),
        );
        if (cas.succeeded) return;
        // The record did not change, so the term compare failed: this manager was deposed
        // and the new leader owns the marks. (A changed record is merged again.)
        const now = cas.responses[0]?.response_range?.kvs[0];
        if (!now || now.mod_revision === kv.mod_revision) return;
      } catch (err) {
        const delay = backoffDelay(attempt, RETRY);
        this.o.log.warn(
          { key: stored.key, err: errorMessage(err), delay },
          "cannot mark alert delivered; retrying",
        );
        await sleep(delay, signal);
      }
    }
  }
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}
