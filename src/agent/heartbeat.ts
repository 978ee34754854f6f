// The agent's presence in etcd: one session (shared/session.ts) holding the heartbeat key
// and any other key the agent publishes under its lease (metrics), so that all of them
// vanish together when the node dies. When the lease is lost the session grants a new one
// and re-puts every key, with exponential backoff and jitter, forever: an agent never gives
// up because etcd was unreachable for a while. This file adds what is the heartbeat's own:
// its value (status, timestamp, config ack), the console events, and the watch that puts
// the key back when someone deletes it.
import type { Etcd3 } from "etcd3";
import type { Clock } from "../shared/clock.ts";
import { withSystemTimers } from "../shared/clock.ts";
import { errorMessage } from "../shared/errors.ts";
import { EtcdAccessDeniedError, isPermissionDenied } from "../shared/etcd-access.ts";
import { heartbeatKey } from "../shared/keys.ts";
import type { LeaseKeeper } from "../shared/lease-keeper.ts";
import type { NodeName } from "../shared/node-name.ts";
import { ResumableWatch, type WatchEvent } from "../shared/resumable-watch.ts";
import type { ConfigAck, Heartbeat as HeartbeatValue } from "../shared/schema.ts";
import { etcdSessionPort, type KeyDrift, Session } from "../shared/session.ts";

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
  node: NodeName;
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
  private readonly session: Session;
  private readonly key: string;
  private status: "alive" | "leaving" = "alive";
  private ack: ConfigAck | undefined;
  private started = false;
  private guard: ResumableWatch | undefined;

  constructor(private readonly options: HeartbeatOptions) {
    const { client, keeper, ttlS, clock, events } = options;
    this.key = heartbeatKey(options.node);
    this.session = new Session({
      port: etcdSessionPort(client, keeper),
      ttlS,
      clock: withSystemTimers(clock),
      isFatal: isPermissionDenied,
      events: {
        renewed: () => events.renewed(),
        established: (lease, attempts, isRecovery) => {
          events.established(lease, attempts, isRecovery);
          // Not awaited: a failure to start the guard must not undo a working heartbeat.
          if (options.guardKey && !this.guard)
            void this.startGuard(this.session.writtenRevision(this.key)).catch(() => undefined);
        },
        lost: (reason) => events.lost(reason),
        // A write under a live lease (an ack) is retried quietly, as before the session.
        retrying: (error, delayMs, leaseHeld) => {
          if (!leaseHeld) events.retrying(errorMessage(error), delayMs);
        },
        failed: (error) => {
          // Before the first lease, start() rejects with it; later nobody awaits, so say it here.
          if (!this.started) return;
          const denied = this.deniedError(error);
          if (denied instanceof EtcdAccessDeniedError && events.denied) events.denied(denied);
          else events.lost(`a new lease could not be granted: ${errorMessage(error)}`);
        },
      },
    });
    // Rendered at write time: a re-grant's put carries a fresh timestamp.
    void this.session.set(this.key, () => this.heartbeatValue());
  }

  get currentLease(): string | undefined {
    return this.session.leaseId;
  }

  /** Resolves once the first lease is granted and the heartbeat key is written. */
  async start(): Promise<void> {
    try {
      await this.session.ready();
      this.started = true;
    } catch (err) {
      throw this.deniedError(err);
    }
  }

  /**
   * Records the applied config in the heartbeat so the manager can show it. Resolves once
   * it is written (a failed put is retried with back-off: etcd must not keep an old ack),
   * or at once without a lease (the re-grant puts the heartbeat with the newest ack).
   */
  async setAck(ack: ConfigAck): Promise<void> {
    this.ack = ack;
    await this.session.set(this.key, () => this.heartbeatValue());
  }

  /** Publishes `value` at `key` under the lease (e.g. the latest metrics sample). */
  async publish(key: string, value: string): Promise<void> {
    await this.session.set(key, value);
  }

  /** Graceful leave: mark the heartbeat as leaving, then revoke so etcd deletes it at once. */
  async leave(): Promise<void> {
    void this.guard?.cancel();
    this.status = "leaving";
    await this.session.revoke({ [this.key]: this.heartbeatValue() });
  }

  /** Stop renewing without revoking: etcd expires the lease after its TTL (the lab's Ctrl+C). */
  release(): string | undefined {
    void this.guard?.cancel();
    return this.session.orphan();
  }

  private deniedError(err: unknown): unknown {
    return isPermissionDenied(err)
      ? new EtcdAccessDeniedError(`etcd denied writing ${this.key}`, { cause: err })
      : err;
  }

  private heartbeatValue(): string {
    const value: HeartbeatValue = { status: this.status, ts: Math.floor(this.options.clock.now() / 1000) };
    if (this.ack) value.config = this.ack;
    return JSON.stringify(value);
  }

  /** Watches the heartbeat key from just after our own put at `fromRevision`: nothing is missed. */
  private async startGuard(fromRevision?: number): Promise<void> {
    const from = fromRevision || Number((await this.options.client.get(this.key).exec()).header.revision);
    this.guard = await ResumableWatch.start(this.options.client, { key: this.key }, from + 1, {
      onEvents: (events) => this.onOwnKeyEvents(events),
      // History compacted: nothing to catch up on, our next write is checked from now.
      onResyncNeeded: () => {
        this.guard = undefined;
        if (this.session.isOpen) void this.startGuard().catch(() => undefined);
      },
    });
    if (!this.session.isOpen) await this.guard.cancel();
  }

  private onOwnKeyEvents(events: WatchEvent[]): void {
    // Every event, in order. Our own writes, older ones and our leave's DELETE are not drift
    // (the session knows).
    for (const event of events) {
      const change = { deleted: event.type === "delete", lease: event.lease, modRevision: event.modRevision };
      const drift = this.session.noticeChange(this.key, change);
      if (drift) {
        const why = describeDrift(drift);
        // The lease may go meanwhile: the session reports that, and the re-grant re-puts.
        void this.session.whenWritten(this.key).then((back) => {
          if (back) this.options.events.restored?.(why);
        });
        return;
      }
      // Deleted or overwritten, and already put back by a newer write of ours (an ack that
      // raced the delete): nothing to do, but it did happen.
      const offLease = change.lease !== undefined && change.lease !== this.session.leaseId;
      if ((change.deleted || offLease) && change.modRevision < this.session.writtenRevision(this.key)) {
        this.options.events.restored?.(describeDrift(change.deleted ? "deleted" : "overwritten"));
        return;
      }
    }
  }
}

function describeDrift(drift: KeyDrift): string {
  return drift === "deleted" ? "deleted" : "overwritten off this agent's lease";
}
