// Alert webhooks: one POST per liveness transition (DEAD, LEFT, RECOVERED) to each
// configured URL, retried with exponential backoff, and sent once even if the manager
// restarts mid-way.
//
// Outbox in etcd: when a transition is seen, a record `/monitor/alerts/<node>/<revision>`
// is created (put-if-absent: node + the etcd revision that caused the transition is the
// idempotency key) before any POST. Each webhook that answers 2xx is added to the record's
// `delivered` list with a compare-and-swap. On start, every record with a configured
// webhook missing from `delivered` is sent again, and transitions from the last
// CATCH_UP_MS in the restored registry that have no record yet (the manager died between
// seeing the transition and writing the record) get one.
//
// The remaining window is the one every webhook outbox has: a crash after the receiver
// answered 2xx but before the record was marked. The resend then carries the same
// `Idempotency-Key` header (and body field), so a receiver can drop it.
import { createHash } from "node:crypto";
import type { Etcd3 } from "etcd3";
import { backoffDelay, sleep } from "../../shared/backoff.ts";
import type { Clock } from "../../shared/clock.ts";
import { errorMessage } from "../../shared/errors.ts";
import { PREFIX } from "../../shared/keys.ts";
import type { Logger } from "../../shared/log.ts";
import type { LivenessEffect, NodeView } from "../liveness.ts";
import {
  type AlertFormat,
  type AlertKind,
  type AlertRecord,
  alertBody,
  idempotencyKey,
} from "./alert-format.ts";
import type { EtcdTimer } from "./prom.ts";

export const ALERTS_PREFIX = `${PREFIX}alerts/`;
/** Padded so the keys of one node sort by revision. */
export const alertKey = (node: string, revision: number) =>
  `${ALERTS_PREFIX}${node}/${String(revision).padStart(20, "0")}`;

/** Transitions up to this old without a record are alerted at start (see above). */
export const CATCH_UP_MS = 10 * 60 * 1000;
/** Delivered records are kept this long (they also guard against duplicates), then pruned. */
export const RECORD_RETENTION_MS = 7 * 24 * 3600 * 1000;
const RETRY = { initialMs: 500, maxMs: 60_000 };
const POST_TIMEOUT_MS = 10_000;
/** How often leadership is checked to start catching up after a failover. */
const LEADER_POLL_MS = 500;

export interface AlertOptions {
  client: Etcd3;
  webhooks: string[];
  format: AlertFormat;
  /** Base URL of the dashboard for links in the messages ("" without one). Read per alert: port 0 is known only once bound. */
  externalUrl: () => string;
  clock: Clock;
  log: Logger;
  timed: EtcdTimer;
  views: () => ReadonlyMap<string, NodeView>;
  /** Only the leading manager records and sends alerts; a new leader catches up. */
  isLeader: () => boolean;
  onDelivery?: (ok: boolean) => void;
}

interface Webhook {
  id: string;
  url: string;
}

/** Which alert a transition is, if any (a first join or a rejoin after LEFT is not). */
export function alertKind(effect: Extract<LivenessEffect, { type: "transition" }>): AlertKind | undefined {
  if (effect.to === "DEAD") return "DEAD";
  if (effect.to === "LEFT") return "LEFT";
  if (effect.to === "ALIVE" && effect.from === "DEAD") return "RECOVERED";
  return undefined;
}

export class AlertDispatcher {
  private readonly hooks: Webhook[];
  private readonly stopSignal = new AbortController();
  /** Record creation is serialized so the duplicate check sees earlier records. */
  private queue: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<string>();

  constructor(private readonly o: AlertOptions) {
    this.hooks = o.webhooks.map((url) => ({
      url,
      id: createHash("sha256").update(url).digest("hex").slice(0, 12),
    }));
  }

  get enabled(): boolean {
    return this.hooks.length > 0;
  }

  /** Called synchronously from the manager's effect stream. */
  onEffect(effect: LivenessEffect): void {
    if (!this.enabled || effect.type !== "transition" || !this.o.isLeader()) return;
    const kind = alertKind(effect);
    if (!kind) return;
    // The view is already updated when effects are delivered: its newest history entry
    // is this transition, with the revision that caused it.
    const last = this.o.views().get(effect.node)?.history.at(-1);
    if (!last || last.state !== effect.to) return;
    const record: AlertRecord = {
      node: effect.node,
      kind,
      state: effect.to,
      reason: effect.reason,
      at: effect.at,
      revision: last.revision,
      delivered: [],
    };
    this.enqueue(() => this.record(record));
  }

  /** Re-sends undelivered records and records recent transitions that have none. */
  async start(isReady: () => boolean): Promise<void> {
    if (!this.enabled) return;
    // Each time this manager becomes the synced leader, it catches up once.
    let caughtUp = false;
    while (!this.stopSignal.signal.aborted) {
      const leading = isReady() && this.o.isLeader();
      if (leading && !caughtUp) {
        this.catchUp();
        await this.queue;
      }
      caughtUp = leading;
      await sleep(LEADER_POLL_MS, this.stopSignal.signal);
    }
  }

  private catchUp(): void {
    this.enqueue(async () => {
      const now = this.o.clock.now();
      for (const view of this.o.views().values()) {
        for (let i = 0; i < view.history.length; i++) {
          const t = view.history[i];
          if (!t || now - t.at > CATCH_UP_MS) continue;
          const kind = alertKind({
            type: "transition",
            node: view.node,
            from: view.history[i - 1]?.state,
            to: t.state,
            reason: t.reason,
            at: t.at,
            revision: t.revision,
          });
          if (!kind) continue;
          await this.record(
            {
              node: view.node,
              kind,
              state: t.state,
              reason: t.reason,
              at: t.at,
              revision: t.revision,
              delivered: [],
            },
            true,
          );
        }
      }
      const all = await this.o.timed("range", () => this.o.client.getAll().prefix(ALERTS_PREFIX).strings());
      for (const [key, text] of Object.entries(all)) {
        const rec = parseRecord(text);
        if (!rec) continue;
        if (this.pendingHooks(rec).length > 0) this.deliver(key, rec);
        else if (now - rec.at > RECORD_RETENTION_MS) {
          await this.o.timed("delete", () => this.o.client.delete().key(key).exec()).catch(() => undefined);
        }
      }
    });
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      for (let attempt = 0; !this.stopSignal.signal.aborted; attempt++) {
        try {
          return await job();
        } catch (err) {
          const delay = backoffDelay(attempt, RETRY);
          this.o.log.warn({ err: errorMessage(err), delay }, "cannot record alert in etcd; retrying");
          await sleep(delay, this.stopSignal.signal);
        }
      }
    });
  }

  /**
   * Creates the record unless it exists, then delivers. `catchUp` only creates records
   * for transitions that are not duplicates of a record written under another revision.
   */
  private async record(rec: AlertRecord, catchUp = false): Promise<void> {
    const key = alertKey(rec.node, rec.revision);
    const { client, timed } = this.o;
    if (await this.duplicateOfNewest(rec)) return;
    const res = await timed("txn", () =>
      client
        .if(key, "Create", "==", 0)
        .then(client.put(key).value(JSON.stringify(rec)))
        .else(client.get(key))
        .commit(),
    );
    let stored = rec;
    if (!res.succeeded) {
      if (catchUp) return; // an existing record is handled by the resend pass
      const kv = res.responses[0]?.response_range?.kvs[0];
      stored = (kv && parseRecord(kv.value.toString())) || rec;
    }
    if (this.pendingHooks(stored).length > 0) this.deliver(key, stored);
  }

  /**
   * A transition re-derived after a restart (e.g. DEAD "while the manager was down") has a
   * different revision than the one first recorded when the registry write was lost.
   * It repeats the node's newest record if it enters the same state and the node's
   * history shows no other transition between the two revisions.
   */
  private async duplicateOfNewest(rec: AlertRecord): Promise<boolean> {
    const { client, timed } = this.o;
    const res = await timed("range", () =>
      client.getAll().prefix(`${ALERTS_PREFIX}${rec.node}/`).sort("Key", "Descend").limit(1).strings(),
    );
    const newest = Object.values(res)[0];
    const prev = newest ? parseRecord(newest) : undefined;
    if (!prev || prev.revision >= rec.revision || prev.state !== rec.state) return false;
    const history = this.o.views().get(rec.node)?.history ?? [];
    const between = history.some((t) => t.revision > prev.revision && t.revision < rec.revision);
    return !between;
  }

  private pendingHooks(rec: AlertRecord): Webhook[] {
    return this.hooks.filter((h) => !rec.delivered.includes(h.id));
  }

  private deliver(key: string, rec: AlertRecord): void {
    for (const hook of this.pendingHooks(rec)) {
      const job = `${key} ${hook.id}`;
      if (this.inFlight.has(job)) continue;
      this.inFlight.add(job);
      void this.post(key, rec, hook).finally(() => this.inFlight.delete(job));
    }
  }

  private async post(key: string, rec: AlertRecord, hook: Webhook): Promise<void> {
    const body = JSON.stringify(alertBody(rec, this.o.format, this.o.externalUrl()));
    for (let attempt = 0; !this.stopSignal.signal.aborted; attempt++) {
      // A manager that lost leadership stops; the new leader resends from the record.
      if (!this.o.isLeader()) return;
      let problem: string;
      try {
        const res = await fetch(hook.url, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": idempotencyKey(rec) },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(POST_TIMEOUT_MS), this.stopSignal.signal]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.o.onDelivery?.(true);
          await this.markDelivered(key, hook.id);
          this.o.log.info({ node: rec.node, kind: rec.kind, revision: rec.revision }, "alert delivered");
          return;
        }
        problem = `HTTP ${res.status}`;
      } catch (err) {
        problem = errorMessage(err);
      }
      this.o.onDelivery?.(false);
      const delay = backoffDelay(attempt, RETRY);
      this.o.log.warn(
        { node: rec.node, kind: rec.kind, webhook: hook.id, problem, delay },
        "alert webhook failed; retrying",
      );
      await sleep(delay, this.stopSignal.signal);
    }
  }

  private async markDelivered(key: string, hookId: string): Promise<void> {
    const { client, timed } = this.o;
    for (let attempt = 0; !this.stopSignal.signal.aborted; attempt++) {
      try {
        const res = await timed("range", () => client.get(key).exec());
        const kv = res.kvs[0];
        const rec = kv && parseRecord(kv.value.toString());
        if (!kv || !rec || rec.delivered.includes(hookId)) return;
        rec.delivered.push(hookId);
        const cas = await timed("txn", () =>
          client
            .if(key, "Mod", "==", kv.mod_revision)
            .then(client.put(key).value(JSON.stringify(rec)))
            .commit(),
        );
        if (cas.succeeded) return;
      } catch (err) {
        const delay = backoffDelay(attempt, RETRY);
        this.o.log.warn({ key, err: errorMessage(err), delay }, "cannot mark alert delivered; retrying");
        await sleep(delay, this.stopSignal.signal);
      }
    }
  }
}

function parseRecord(text: string): AlertRecord | undefined {
  try {
    const r = JSON.parse(text) as AlertRecord;
    if (typeof r.node !== "string" || typeof r.revision !== "number" || !Array.isArray(r.delivered)) {
      return undefined;
    }
    return r;
  } catch {
    return undefined;
  }
}
