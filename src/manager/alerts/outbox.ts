// Alert webhooks: a POST per alerting transition (see record.ts for which) to each
// configured URL, in order per node, retried, and sent once even across a manager crash.
//
// Outbox in etcd: when a transition is seen, the leader creates the record
// `/monitor/alerts/<node>/<revision>` (put-if-absent, guarded by its leadership term, so a
// deposed leader cannot write) before any POST. Each webhook that answers 2xx is added to
// the record's `delivered` list (a superseded firing record to `dropped`). On taking the
// lead a manager loads every record, prunes those older than RECORD_RETENTION_MS
// (delivered or not), and records transitions from the last CATCH_UP_MS that have none
// (the old leader died between seeing a transition and writing it).
//
// Delivery: one loop per webhook sends, per node, the oldest pending record (delivery-
// order.ts); a node's next record waits until the previous one is settled. A failed POST
// ends the round and the loop backs off (exponential, per webhook), so a receiver that
// fails sees at most MAX_CONCURRENT_POSTS requests per back-off step however many records
// are pending. With a grouping window, the records pending after it go in one POST.
//
// The window every webhook outbox has remains: a crash after the receiver answered 2xx
// but before the record was marked. The resend carries the same `Idempotency-Key`.
import { createHash } from "node:crypto";
import type { Etcd3, ICompare } from "etcd3";
import { backoffDelay, sleep } from "../../shared/backoff.ts";
import type { Clock } from "../../shared/clock.ts";
import { errorMessage } from "../../shared/errors.ts";
import type { Logger } from "../../shared/log.ts";
import type { EtcdTimer } from "../http/prom.ts";
import type { LivenessEffect, NodeView } from "../liveness.ts";
import { isPendingFor, nextForHook, type StoredRecord } from "./delivery-order.ts";
import { postJson } from "./post.ts";
import {
  ALERTS_PREFIX,
  type AlertRecord,
  alertKey,
  decodeRecord,
  decodeStoredRecord,
  recordFor,
} from "./record.ts";
import { Semaphore } from "./semaphore.ts";
import { batchIdempotencyKey, type WebhookFormat, webhookBody } from "./webhook-format.ts";

/** Transitions up to this old without a record are recorded on taking the lead. */
export const CATCH_UP_MS = 10 * 60 * 1000;
/** Records are kept this long (they also guard against duplicates), then pruned, delivered or not. */
export const RECORD_RETENTION_MS = 7 * 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;
const RETRY = { initialMs: 500, maxMs: 60_000 };
/** POSTs in flight at once, across all webhooks and records. */
export const MAX_CONCURRENT_POSTS = 8;
/** Records in one grouped POST. */
const MAX_BATCH = 500;

export interface OutboxOptions {
  client: Etcd3;
  webhooks: string[];
  format: WebhookFormat;
  /** Grouping window (ms): records pending after it go in one POST; 0 sends each alone. */
  groupWaitMs: number;
  alertOnLeave: boolean;
  /** Base URL of the dashboard for links ("" without one). Read per alert: a port 0 is known once bound. */
  externalUrl: () => string;
  clock: Clock;
  log: Logger;
  timed: EtcdTimer;
  views: () => ReadonlyMap<string, NodeView>;
  /** The leader's term compare (Manager.leaderGuard); undefined when not leading. */
  guard: () => ICompare | undefined;
  onDelivery?: (ok: boolean) => void;
}

interface Webhook {
  id: string;
  url: string;
}

export const webhookId = (url: string) => createHash("sha256").update(url).digest("hex").slice(0, 12);

export class WebhookOutbox {
  private readonly hooks: Webhook[];
  private readonly posts = new Semaphore(MAX_CONCURRENT_POSTS);
  /** Set while this manager leads; aborted when it stops leading. */
  private term: AbortController | undefined;
  /** Record creation is serialized so the duplicate check sees earlier records. */
  private queue: Promise<void> = Promise.resolve();
  /** Per node, oldest first: records with something pending for some webhook. */
  private readonly records = new Map<string, StoredRecord[]>();
  private readonly marking = new Map<string, Promise<void>>();
  private wakeups: (() => void)[] = [];

  constructor(private readonly o: OutboxOptions) {
    this.hooks = o.webhooks.map((url) => ({ url, id: webhookId(url) }));
  }

  /** This manager leads now: load the outbox, catch up, start delivering. */
  lead(): void {
    if (this.hooks.length === 0 || this.term) return;
    const term = new AbortController();
    this.term = term;
    this.enqueue(term.signal, () => this.catchUp(term.signal));
    for (const hook of this.hooks) void this.deliverLoop(hook, term.signal);
    const prune = setInterval(
      () => this.enqueue(term.signal, () => this.loadAndPrune(term.signal)),
      PRUNE_EVERY_MS,
    );
    prune.unref();
    term.signal.addEventListener("abort", () => clearInterval(prune), { once: true });
  }

  /** This manager no longer leads: stop at once; the new leader resends from etcd. */
  follow(): void {
    this.term?.abort();
    this.term = undefined;
    this.records.clear();
    this.wake();
  }

  /** Called synchronously from the manager's effect stream. */
  onEffect(effect: LivenessEffect): void {
    const term = this.term;
    if (!term || effect.type !== "transition") return;
    // The view is already updated when effects are delivered: its newest history entry
    // is this transition, with the revision that caused it.
    const view = this.o.views().get(effect.node);
    const index = (view?.history.length ?? 0) - 1;
    if (!view || view.history[index]?.state !== effect.to) return;
    const record = recordFor(view, index, this.o.alertOnLeave);
    if (record) this.enqueue(term.signal, () => this.create(record, false));
  }

  // ---- records in etcd ----------------------------------------------------------------

  private enqueue(signal: AbortSignal, job: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      for (let attempt = 0; !signal.aborted; attempt++) {
        try {
          return await job();
        } catch (err) {
          const delay = backoffDelay(attempt, RETRY);
          this.o.log.warn({ err: errorMessage(err), delay }, "cannot record alert in etcd; retrying");
          await sleep(delay, signal);
        }
      }
    });
  }

  private async catchUp(signal: AbortSignal): Promise<void> {
    await this.loadAndPrune(signal);
    const now = this.o.clock.now();
    for (const view of this.o.views().values()) {
      for (let i = 0; i < view.history.length && !signal.aborted; i++) {
        const t = view.history[i];
        if (!t || now - t.at > CATCH_UP_MS) continue;
        const record = recordFor(view, i, this.o.alertOnLeave);
        if (record) await this.create(record, true);
      }
    }
  }

  /** Reads every record: prunes the expired, keeps the pending; what does not decode is reported and skipped. */
  private async loadAndPrune(signal: AbortSignal): Promise<void> {
    const { client, timed } = this.o;
    const all = await timed("range", () => client.getAll().prefix(ALERTS_PREFIX).exec());
    const now = this.o.clock.now();
    for (const kv of all.kvs) {
      if (signal.aborted) return;
      const key = kv.key.toString();
      const record = decodeStoredRecord({
        key,
        value: kv.value.toString(),
        revision: Number(kv.mod_revision),
      });
      if (!record) continue;
      if (now - record.at > RECORD_RETENTION_MS) await this.guardedDelete(key);
      else if (this.hooks.some((h) => isPendingFor(record, h.id))) this.remember({ key, record });
    }
    this.wake();
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

  /** Creates the record unless it exists (or this manager was deposed), then queues it. */
  private async create(record: AlertRecord, catchUp: boolean): Promise<void> {
    const key = alertKey(record.node, record.revision);
    const { client, timed } = this.o;
    if (await this.duplicateOfNewest(record)) return;
    const guard = this.o.guard();
    if (!guard) return;
    const res = await timed("txn", () =>
      client.kv.txn({
        compare: [guard, { key: Buffer.from(key), target: "Create", result: "Equal", create_revision: 0 }],
        success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(JSON.stringify(record)) } }],
        failure: [{ request_range: { key: Buffer.from(key) } }],
      }),
    );
    if (res.succeeded) {
      this.remember({ key, record });
    } else {
      const kv = res.responses[0]?.response_range?.kvs[0];
      if (!kv) return; // the term compare failed: no longer leading
      if (catchUp) return; // an existing record was loaded with the others
      const existing = decodeRecord(kv.value.toString());
      if (existing) this.remember({ key, record: existing });
    }
    this.wake();
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

  private remember(stored: StoredRecord): void {
    const list = this.records.get(stored.record.node) ?? [];
    if (list.some((s) => s.key === stored.key)) return;
    list.push(stored);
    list.sort((a, b) => a.record.revision - b.record.revision);
    this.records.set(stored.record.node, list);
  }

  /** Persists a record's delivered/dropped marks (merged with what etcd holds), guarded. */
  private persistMarks(stored: StoredRecord, signal: AbortSignal): void {
    const previous = this.marking.get(stored.key) ?? Promise.resolve();
    const next = previous.then(() => this.writeMarks(stored, signal));
    this.marking.set(stored.key, next);
    void next.finally(() => {
      if (this.marking.get(stored.key) === next) this.marking.delete(stored.key);
    });
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
            failure: [],
          }),
        );
        if (cas.succeeded) return;
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

  // ---- delivery -----------------------------------------------------------------------

  private wake(): void {
    const waiting = this.wakeups;
    this.wakeups = [];
    for (const resolve of waiting) resolve();
  }

  private waitForWork(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      this.wakeups.push(resolve);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  /** Per node, the record to send next to `hook`; superseded firing records are dropped on the way. */
  private heads(hook: Webhook, signal: AbortSignal): StoredRecord[] {
    const heads: StoredRecord[] = [];
    for (const [node, list] of this.records) {
      const { drop, send } = nextForHook(list, hook.id);
      for (const d of drop) {
        d.record.dropped.push(hook.id);
        this.persistMarks(d, signal);
        this.o.log.info(
          { node, kind: d.record.kind, revision: d.record.revision, webhook: hook.id },
          "alert superseded by a later resolution; not sent",
        );
      }
      if (send) heads.push(send);
      else if (drop.length > 0) this.forgetSettled(node);
    }
    return heads;
  }

  /**
   * Drops records settled for every webhook. Safe for the ordering: a record settled for
   * every webhook is never newer than one still pending for some webhook.
   */
  private forgetSettled(node: string): void {
    const list = this.records.get(node);
    if (!list) return;
    const pending = list.filter((s) => this.hooks.some((h) => isPendingFor(s.record, h.id)));
    if (pending.length === 0) this.records.delete(node);
    else this.records.set(node, pending);
  }

  private async deliverLoop(hook: Webhook, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted; ) {
      let heads = this.heads(hook, signal);
      if (heads.length === 0) {
        await this.waitForWork(signal);
        continue;
      }
      if (this.o.groupWaitMs > 0) {
        await sleep(this.o.groupWaitMs, signal);
        if (signal.aborted) return;
        heads = this.heads(hook, signal);
      }
      const batches = this.o.groupWaitMs > 0 ? chunks(heads, MAX_BATCH) : heads.map((h) => [h]);
      if (await this.sendRound(hook, batches, signal)) {
        attempt = 0;
      } else {
        await sleep(backoffDelay(attempt++, RETRY), signal);
      }
    }
  }

  /** Sends the batches, at most MAX_CONCURRENT_POSTS at once; stops starting new ones after a failure. */
  private async sendRound(hook: Webhook, batches: StoredRecord[][], signal: AbortSignal): Promise<boolean> {
    let failed = false;
    let next = 0;
    const worker = async () => {
      while (!failed && !signal.aborted && next < batches.length) {
        const batch = batches[next++] as StoredRecord[];
        const ok = await this.posts.run(() => this.post(hook, batch, signal));
        if (!ok) failed = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_POSTS, batches.length) }, worker));
    return !failed;
  }

  private async post(hook: Webhook, batch: StoredRecord[], signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    const records = batch.map((s) => s.record);
    const body = JSON.stringify(webhookBody(records, this.o.format, this.o.externalUrl()));
    const result = await postJson(
      hook.url,
      body,
      { "idempotency-key": batchIdempotencyKey(records) },
      signal,
    );
    if (signal.aborted) return false; // deposed meanwhile: the new leader owns the marks
    this.o.onDelivery?.(result.ok);
    if (!result.ok) {
      this.o.log.warn(
        {
          webhook: hook.id,
          alerts: records.length,
          first: `${records[0]?.node} ${records[0]?.kind}`,
          problem: result.problem,
        },
        "alert webhook failed; retrying",
      );
      return false;
    }
    for (const stored of batch) {
      stored.record.delivered.push(hook.id);
      this.persistMarks(stored, signal);
      this.forgetSettled(stored.record.node);
      this.o.log.info(
        {
          node: stored.record.node,
          kind: stored.record.kind,
          revision: stored.record.revision,
          webhook: hook.id,
        },
        "alert delivered",
      );
    }
    return true;
  }
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
