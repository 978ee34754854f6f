// Alert webhooks: a POST per alerting transition (see record.ts for which) to each
// configured URL, in order per node, retried, and sent once even across a manager crash.
//
// Outbox in etcd (outbox-store.ts): when a transition is seen, the leader creates the record
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
import { Limiter } from "../../shared/limiter.ts";
import type { Logger } from "../../shared/log.ts";
import type { EtcdTimer } from "../http/prom.ts";
import type { LivenessEffect, NodeView } from "../liveness.ts";
import { isPendingFor, nextForHook, type StoredRecord } from "./delivery-order.ts";
import { OutboxStore } from "./outbox-store.ts";
import { postJson } from "./post.ts";
import { type AlertRecord, recordFor } from "./record.ts";
import { batchIdempotencyKey, type WebhookFormat, webhookBody } from "./webhook-format.ts";

/** Transitions up to this old without a record are recorded on taking the lead. */
export const CATCH_UP_MS = 10 * 60 * 1000;
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
  private readonly posts = new Limiter(MAX_CONCURRENT_POSTS);
  /** Set while this manager leads; aborted when it stops leading. */
  private term: AbortController | undefined;
  /** Record creation is serialized so the duplicate check sees earlier records. */
  private queue: Promise<void> = Promise.resolve();
  /** Per node, oldest first, from its oldest record still pending for some webhook. */
  private readonly records = new Map<string, StoredRecord[]>();
  private readonly store: OutboxStore;
  private wakeups: (() => void)[] = [];

  constructor(private readonly o: OutboxOptions) {
    this.hooks = o.webhooks.map((url) => ({ url, id: webhookId(url) }));
    this.store = new OutboxStore(o);
  }

  /** This manager leads now: load the outbox, catch up, start delivering. */
  lead(): void {
    if (this.hooks.length === 0 || this.term) return;
    const term = new AbortController();
    this.term = term;
    this.enqueue(term.signal, () => this.catchUp(term.signal));
    for (const hook of this.hooks) void this.deliverLoop(hook, term.signal);
    const prune = setInterval(() => this.enqueue(term.signal, () => this.load(term.signal)), PRUNE_EVERY_MS);
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
    await this.load(signal);
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

  /**
   * Loads the outbox: the records of every node with something pending for a configured
   * webhook, settled ones included, since a later resolution settles an older firing record
   * (records from before ordered delivery can have one delivered after the other is not).
   */
  private async load(signal: AbortSignal): Promise<void> {
    const loaded = await this.store.loadAndPrune(this.o.clock.now(), signal);
    const pendingNodes = new Set(
      loaded.filter((s) => this.hooks.some((h) => isPendingFor(s.record, h.id))).map((s) => s.record.node),
    );
    for (const stored of loaded) if (pendingNodes.has(stored.record.node)) this.remember(stored);
    this.wake();
  }

  private async create(record: AlertRecord, catchUp: boolean): Promise<void> {
    const stored = await this.store.create(record, catchUp);
    if (!stored) return;
    this.remember(stored);
    this.wake();
  }

  private remember(stored: StoredRecord): void {
    const list = this.records.get(stored.record.node) ?? [];
    if (list.some((s) => s.key === stored.key)) return;
    list.push(stored);
    list.sort((a, b) => a.record.revision - b.record.revision);
    this.records.set(stored.record.node, list);
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
      const done = () => {
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.wakeups.push(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Per node, the record to send next to `hook`; superseded firing records are dropped on the way. */
  private heads(hook: Webhook, signal: AbortSignal): StoredRecord[] {
    const heads: StoredRecord[] = [];
    for (const [node, list] of this.records) {
      const { drop, send } = nextForHook(list, hook.id);
      for (const d of drop) {
        d.record.dropped.push(hook.id);
        void this.store.mark(d, signal);
        this.o.log.info(
          { node, kind: d.record.kind, revision: d.record.revision, webhook: hook.id },
          "alert superseded by a later resolution; not sent",
        );
      }
      if (send) heads.push(send);
      else this.forgetSettled(node);
    }
    return heads;
  }

  /** Forgets the records older than the node's oldest pending one (all of them once none is pending). */
  private forgetSettled(node: string): void {
    const list = this.records.get(node);
    if (!list) return;
    const first = list.findIndex((s) => this.hooks.some((h) => isPendingFor(s.record, h.id)));
    if (first < 0) this.records.delete(node);
    else if (first > 0) this.records.set(node, list.slice(first));
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
      void this.store.mark(stored, signal);
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

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
