// The agent's presence in etcd: one lease, the heartbeat key attached to it, and any
// other key the agent publishes under it (metrics) so that all of them vanish together
// when the node dies. When the lease is lost the agent grants a new one and re-puts
// every key, with exponential backoff and jitter, forever: an agent never gives up
// because etcd was unreachable for a while.
import type { Etcd3 } from "etcd3";
import { backoffDelay, sleep } from "../shared/backoff.ts";
import type { Clock } from "../shared/clock.ts";
import { errorMessage } from "../shared/errors.ts";
import { EtcdAccessDeniedError, isPermissionDenied } from "../shared/etcd-access.ts";
import { heartbeatKey } from "../shared/keys.ts";
import type { LeaseKeeper } from "../shared/lease-keeper.ts";
import { ResumableWatch, type WatchEvent } from "../shared/resumable-watch.ts";
import type { ConfigAck, Heartbeat as HeartbeatValue } from "../shared/schema.ts";

export interface HeartbeatEvents {
  /** etcd renewed the lease. */
  renewed(): void;
  /** A lease is live and every key is (re)published. `attempts` is 1 on a first try. */
  established(leaseId: string, attempts: number, isRecovery: boolean): void;
  lost(reason: string): void;
  /** A grant or put failed; the next try is in `delayMs`. */
  retrying(error: string, delayMs: number): void;
  /** The heartbeat key was deleted or replaced while the lease is live; it was put back. */
  restored?(why: string): void;
  /** etcd refused a write for this agent's user (RBAC): retrying cannot help, so it stopped trying. */
  denied?(error: EtcdAccessDeniedError): void;
}

export interface HeartbeatOptions {
  client: Etcd3;
  keeper: LeaseKeeper;
  node: string;
  ttlS: number;
  clock: Clock;
  events: HeartbeatEvents;
  /**
   * Watch the heartbeat key and put it back when someone deletes it (`etcdctl del`) or
   * overwrites it off the lease: otherwise the node stays DEAD while it runs. One watch per
   * agent; the simulator's thousands of nodes do without.
   */
  guardKey?: boolean;
}

export class Heartbeat {
  private leaseId: string | undefined;
  private status: "alive" | "leaving" = "alive";
  private ack: ConfigAck | undefined;
  /** Keys published under the lease, re-put after a re-grant. */
  private readonly attached = new Map<string, string>();
  private readonly stop = new AbortController();
  private establishing: Promise<void> | undefined;
  private ackDirty = false;
  private ackWriting: Promise<void> | undefined;
  private everEstablished = false;
  private guard: ResumableWatch | undefined;

  constructor(private readonly options: HeartbeatOptions) {}

  get currentLease(): string | undefined {
    return this.leaseId;
  }

  /** Resolves once the first lease is granted and the heartbeat key is written. */
  start(): Promise<void> {
    return this.establish();
  }

  /** Records the applied config in the heartbeat so the manager can show it. */
  async setAck(ack: ConfigAck): Promise<void> {
    this.ack = ack;
    this.ackDirty = true;
    this.ackWriting ??= this.writeAckUntilDone().finally(() => {
      this.ackWriting = undefined;
    });
    await this.ackWriting;
  }

  /**
   * Writes the newest ack until one write succeeds. A failed put (connection reset, an
   * open circuit after a burst of failures) must not leave the manager showing an old
   * ack forever; acks that arrive meanwhile collapse into the newest one. Without a lease
   * there is nothing to do: the re-grant puts the heartbeat with the newest ack.
   */
  private async writeAckUntilDone(): Promise<void> {
    for (let attempt = 0; this.ackDirty && !this.stop.signal.aborted; ) {
      this.ackDirty = false;
      try {
        await this.putHeartbeat();
        attempt = 0;
      } catch {
        this.ackDirty = true;
        await sleep(backoffDelay(attempt++, { initialMs: 100, maxMs: 2000 }), this.stop.signal);
      }
    }
  }

  /** Publishes `value` at `key` under the lease (e.g. the latest metrics sample). */
  async publish(key: string, value: string): Promise<void> {
    this.attached.set(key, value);
    const lease = this.leaseId;
    if (!lease) return; // re-put when the lease is back
    await this.options.client.put(key).value(value).lease(lease).exec();
  }

  /** Graceful leave: mark the heartbeat as leaving, then revoke so etcd deletes it at once. */
  async leave(): Promise<void> {
    this.stop.abort();
    void this.guard?.cancel();
    const lease = this.leaseId;
    if (!lease) return;
    this.status = "leaving";
    await this.putHeartbeat();
    await this.options.keeper.revoke(lease);
    this.leaseId = undefined;
  }

  /** Stop renewing without revoking: etcd expires the lease after its TTL (the lab's Ctrl+C). */
  release(): string | undefined {
    this.stop.abort();
    void this.guard?.cancel();
    const lease = this.leaseId;
    if (lease) this.options.keeper.untrack(lease);
    return lease;
  }

  private heartbeatValue(): string {
    const value: HeartbeatValue = { status: this.status, ts: Math.floor(this.options.clock.now() / 1000) };
    if (this.ack) value.config = this.ack;
    return JSON.stringify(value);
  }

  /** Returns the revision of the put (undefined without a lease). */
  private async putHeartbeat(): Promise<number | undefined> {
    const lease = this.leaseId;
    if (!lease) return undefined;
    const res = await this.options.client
      .put(heartbeatKey(this.options.node))
      .value(this.heartbeatValue())
      .lease(lease)
      .exec();
    // Only the key guard needs the revision; a put is not failed for want of it.
    const revision = Number(res?.header?.revision);
    return Number.isSafeInteger(revision) ? revision : undefined;
  }

  private establish(): Promise<void> {
    this.establishing ??= this.grantUntilDone().finally(() => {
      this.establishing = undefined;
    });
    return this.establishing;
  }

  private async grantUntilDone(): Promise<void> {
    const { keeper, ttlS, events } = this.options;
    for (let attempt = 0; !this.stop.signal.aborted; attempt++) {
      let granted: string | undefined;
      try {
        granted = await keeper.grant(ttlS);
        if (this.stop.signal.aborted) {
          await keeper.revoke(granted).catch(() => undefined);
          return;
        }
        this.leaseId = granted;
        const putAt = await this.putHeartbeat();
        for (const [key, value] of this.attached) {
          await this.options.client.put(key).value(value).lease(granted).exec();
        }
        // Renew only once the keys are there: a failed put above revokes the lease instead.
        const lease = granted;
        keeper.track(lease, ttlS, {
          renewed: () => events.renewed(),
          lost: (reason) => this.onLost(lease, reason),
        });
        events.established(granted, attempt + 1, this.everEstablished);
        this.everEstablished = true;
        // Not awaited: a failure to start the guard must not undo a working heartbeat.
        if (this.options.guardKey && !this.guard) void this.startGuard(putAt).catch(() => undefined);
        return;
      } catch (err) {
        if (granted) {
          // Half-done: do not leave a lease without its keys behind.
          this.leaseId = undefined;
          await keeper.revoke(granted).catch(() => undefined);
        }
        if (isPermissionDenied(err)) {
          throw new EtcdAccessDeniedError(`etcd denied writing ${heartbeatKey(this.options.node)}`, {
            cause: err,
          });
        }
        const delay = backoffDelay(attempt);
        events.retrying(errorMessage(err), delay);
        await sleep(delay, this.stop.signal);
      }
    }
  }

  /** Watches the heartbeat key from just after our own put at `fromRevision`: nothing is missed. */
  private async startGuard(fromRevision?: number): Promise<void> {
    const key = heartbeatKey(this.options.node);
    const from = fromRevision ?? Number((await this.options.client.get(key).exec()).header.revision);
    this.guard = await ResumableWatch.start(this.options.client, { key }, from + 1, {
      onEvents: (events) => this.onOwnKeyEvents(events),
      // History compacted: nothing to catch up on, our next write is checked from now.
      onResyncNeeded: () => {
        this.guard = undefined;
        if (!this.stop.signal.aborted) void this.startGuard().catch(() => undefined);
      },
    });
    if (this.stop.signal.aborted) await this.guard.cancel();
  }

  private onOwnKeyEvents(events: WatchEvent[]): void {
    const last = events[events.length - 1];
    const lease = this.leaseId;
    // No lease: the re-grant in progress puts the key. Stopping: the DELETE is ours (leave).
    if (!last || !lease || this.stop.signal.aborted || this.establishing) return;
    const why =
      last.type === "delete"
        ? "deleted"
        : last.lease !== undefined && last.lease !== lease
          ? "overwritten off this agent's lease"
          : undefined;
    if (!why) return;
    this.putHeartbeat().then(
      () => this.options.events.restored?.(why),
      // The lease may have gone meanwhile: the keeper reports that and the re-grant re-puts.
      () => undefined,
    );
  }

  private onLost(lease: string, reason: string): void {
    if (lease !== this.leaseId || this.stop.signal.aborted) return;
    this.leaseId = undefined;
    this.options.events.lost(reason);
    // The keeper also gives up after a TTL without answers, while etcd may still hold the
    // lease (it extends every lease on a leader change or restart). Revoking it now would
    // delete the heartbeat key: a false DEAD. Re-putting the keys under the new lease moves
    // them off the old one, so revoke it only after that; it then holds nothing.
    this.establish()
      .then(() => this.options.client.leaseClient.leaseRevoke({ ID: lease }).catch(() => undefined))
      .catch((err: unknown) => {
        // Never rethrow here: nothing awaits this promise, so a throw would be an
        // unhandled rejection that ends the process (the simulator has no `denied`).
        if (err instanceof EtcdAccessDeniedError && this.options.events.denied)
          this.options.events.denied(err);
        else this.options.events.lost(`a new lease could not be granted: ${errorMessage(err)}`);
      });
  }
}
