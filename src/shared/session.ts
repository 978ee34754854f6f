// One etcd session: a lease kept alive and the keys attached to it, made true again
// whenever they stop being so. Used by the agent's heartbeat (heartbeat + metrics keys) and
// by the manager's election (the lease its leader key is put under). Modelled on etcd's
// clientv3/concurrency Session: `orphan()` stops renewing and lets etcd expire the lease
// (a crash, the lab's Ctrl+C); `revoke()` is the graceful leave (etcd deletes the keys at once).
//
// Level-triggered, not edge-triggered: `sync()` compares what should be (a lease is held;
// every attached key was written under it with its newest value) with what is known, and
// does only the difference. Every trigger - start, a new value, a lost lease, a key deleted
// behind our back, a failed write's retry - calls the same `sync()`; running it twice is
// harmless. Failures back off with jitter (shared/backoff.ts) on the injected clock, so a
// test drives a whole outage without waiting.
//
// It talks to etcd through `SessionPort` (five calls), so it is unit-tested with a fake.
import type { Etcd3 } from "etcd3";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";
import type { SchedulingClock } from "./clock.ts";
import type { LeaseKeeper, LeaseListener } from "./lease-keeper.ts";

/** The lease and KV calls a session needs. */
export interface SessionPort {
  grant(ttlS: number): Promise<string>;
  /** Starts renewing; `listener.lost` when the lease is gone or must be assumed gone. */
  keepAlive(lease: string, ttlS: number, listener: LeaseListener): void;
  stopRenewing(lease: string): void;
  revoke(lease: string): Promise<void>;
  /** Puts `key` attached to `lease`; resolves with the write's revision (0 when unknown). */
  put(key: string, value: string, lease: string): Promise<number>;
}

/** The port over a real client: leases through the shared LeaseKeeper (one keepalive stream). */
export function etcdSessionPort(client: Etcd3, keeper: LeaseKeeper): SessionPort {
  return {
    grant: (ttlS) => keeper.grant(ttlS),
    keepAlive: (lease, ttlS, listener) => keeper.track(lease, ttlS, listener),
    stopRenewing: (lease) => keeper.untrack(lease),
    revoke: (lease) => keeper.revoke(lease),
    put: async (key, value, lease) => {
      const res = await client.put(key).value(value).lease(lease).exec();
      return Number(res?.header?.revision ?? 0);
    },
  };
}

export interface SessionEvents {
  /** etcd renewed the lease; `ttl` is what it says is left (seconds). */
  renewed?(ttl: number): void;
  /** A lease is held and every key is written under it. `attempts` is 1 on a first try. */
  established?(lease: string, attempts: number, isRecovery: boolean): void;
  lost?(reason: string): void;
  /** A grant or a write failed; the next try is in `delayMs`. `leaseHeld`: only a write failed. */
  retrying?(error: unknown, delayMs: number, leaseHeld: boolean): void;
  /** `isFatal` said retrying cannot help (e.g. RBAC refused the write): the session stopped. */
  failed?(error: unknown): void;
}

export interface SessionOptions {
  port: SessionPort;
  ttlS: number;
  clock: SchedulingClock;
  events?: SessionEvents;
  backoff?: BackoffPolicy;
  /** In [0, 1): the jitter's source, injected by tests. */
  random?: () => number;
  isFatal?: (err: unknown) => boolean;
}

/** A value, or how to render it at write time (the heartbeat's timestamp). */
export type SessionValue = string | (() => string);

/** What a watch saw happen to an attached key. */
export interface ObservedChange {
  deleted: boolean;
  /** The lease the key is now attached to ("0": none). */
  lease?: string;
  modRevision: number;
}

export type KeyDrift = "deleted" | "overwritten";

interface Attached {
  value: SessionValue;
  version: number;
  written?: { lease: string; version: number; revision: number };
  /** Revision at which a watch saw the key deleted or overwritten by someone else. */
  driftedAt?: number;
}

type SessionState = "open" | "orphaned" | "revoked" | "failed";

export class Session {
  private lease: string | undefined;
  private state: SessionState = "open";
  private failure: unknown;
  private readonly keys = new Map<string, Attached>();
  /** Leases given up on: revoked once the keys are under a new lease (then they hold nothing). */
  private readonly abandoned: string[] = [];
  private running: Promise<void> | undefined;
  private rerun = false;
  private cancelRetry: (() => void) | undefined;
  private failures = 0;
  private grantAttempts = 0;
  private everEstablished = false;
  /** Nothing is granted before the first `sync()` or `ready()`: keys can be attached first. */
  private begun = false;
  /** Each returns true once it has settled (and is then dropped). */
  private readonly waiters = new Set<() => boolean>();

  constructor(private readonly options: SessionOptions) {}

  get leaseId(): string | undefined {
    return this.lease;
  }

  get isOpen(): boolean {
    return this.state === "open";
  }

  /**
   * Attaches `key` with `value` (replacing an older value); before the session began it is
   * only recorded. Resolves once it is written
   * under the held lease, at once when no lease is held (the next grant writes the newest
   * value), or when the session ends. A failed write is retried with back-off.
   */
  set(key: string, value: SessionValue): Promise<void> {
    // Updated in place: a write in flight records its result on this same entry.
    const attached = this.keys.get(key) ?? { value, version: 0 };
    attached.value = value;
    const version = ++attached.version;
    this.keys.set(key, attached);
    if (this.begun) void this.sync();
    return this.until(() => this.state !== "open" || !this.lease || this.isWritten(key, version)).then(
      () => undefined,
    );
  }

  /**
   * Resolves with the lease once it is held and every key is written under it; with
   * undefined when the session was orphaned or revoked; rejects when it failed.
   */
  ready(): Promise<string | undefined> {
    void this.sync();
    return this.until(() => this.state !== "open" || (this.lease !== undefined && this.converged())).then(
      () => {
        if (this.state === "failed") throw this.failure;
        return this.state === "open" ? this.lease : undefined;
      },
    );
  }

  /** One idempotent step towards the desired state; concurrent calls share one run. */
  sync(): Promise<void> {
    this.begun = true;
    if (this.state !== "open" || this.cancelRetry) return this.running ?? Promise.resolve();
    // A call during a run asks for one more pass: what it wants may have been read already.
    this.rerun = true;
    this.running ??= this.converge();
    return this.running;
  }

  /**
   * A watch saw `key` change. Returns how it drifted from ours (and sets about putting it
   * back), or undefined when the change is ours, older than our write, or harmless.
   */
  noticeChange(key: string, change: ObservedChange): KeyDrift | undefined {
    const attached = this.keys.get(key);
    const lease = this.lease;
    if (!attached || !lease || this.state !== "open") return undefined;
    const written = attached.written;
    // Not yet written under this lease: a write is pending anyway.
    if (!written || written.lease !== lease || change.modRevision <= written.revision) return undefined;
    const drift: KeyDrift | undefined = change.deleted
      ? "deleted"
      : change.lease !== undefined && change.lease !== lease
        ? "overwritten"
        : undefined;
    if (!drift) return undefined;
    attached.written = undefined;
    attached.driftedAt = Math.max(attached.driftedAt ?? 0, change.modRevision);
    void this.sync();
    return drift;
  }

  /** Resolves true once `key`'s newest value is written under the held lease; false if it cannot be now. */
  async whenWritten(key: string): Promise<boolean> {
    const version = this.keys.get(key)?.version ?? 0;
    await this.until(() => this.state !== "open" || !this.lease || this.isWritten(key, version));
    return this.state === "open" && this.isWritten(key, version);
  }

  /** The revision of `key`'s last write under the held lease (0: none, or the port did not say). */
  writtenRevision(key: string): number {
    const written = this.keys.get(key)?.written;
    return written && written.lease === this.lease ? written.revision : 0;
  }

  /** Stops renewing without revoking: etcd expires the lease (and its keys) after its TTL. */
  orphan(): string | undefined {
    if (this.state !== "open") return undefined;
    this.end("orphaned");
    const lease = this.lease;
    if (lease) this.options.port.stopRenewing(lease);
    return lease;
  }

  /** Graceful leave: writes `last` values under the lease once, then revokes it (etcd deletes the keys). */
  async revoke(last: Record<string, string> = {}): Promise<void> {
    if (this.state !== "open") return;
    this.end("revoked");
    const lease = this.lease;
    this.lease = undefined;
    if (!lease) return;
    const { port } = this.options;
    try {
      for (const [key, value] of Object.entries(last)) await port.put(key, value, lease);
    } finally {
      await port.revoke(lease);
    }
  }

  private end(state: SessionState): void {
    this.state = state;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    this.wake();
  }

  private async converge(): Promise<void> {
    try {
      // After a failure the scheduled retry converges; do not skip its back-off.
      while (this.rerun && this.state === "open" && !this.cancelRetry) {
        this.rerun = false;
        await this.pass(); // always yields, so `running` is set before the finally below
      }
    } finally {
      // In the same step as the last check: a sync() after it starts a new run.
      this.running = undefined;
    }
  }

  private async pass(): Promise<void> {
    const { port, ttlS, events } = this.options;
    let fresh: string | undefined;
    try {
      if (!this.lease) {
        this.grantAttempts++;
        fresh = await port.grant(ttlS);
        if (this.state !== "open") {
          await port.revoke(fresh).catch(() => undefined);
          return;
        }
        this.lease = fresh;
      }
      const lease = this.lease;
      for (const [key, attached] of this.keys) {
        if (this.isWritten(key, attached.version)) continue;
        const version = attached.version;
        const value = typeof attached.value === "string" ? attached.value : attached.value();
        const revision = await port.put(key, value, lease);
        if (this.lease !== lease || this.state !== "open") return; // lost or ended meanwhile
        // Deleted behind our back after this write landed (the watch said so meanwhile):
        // not written; the next pass puts it again.
        if (revision > 0 && (attached.driftedAt ?? 0) > revision) {
          this.rerun = true;
          continue;
        }
        attached.written = { lease, version, revision };
      }
      if (fresh) this.established(fresh);
      this.failures = 0;
    } catch (err) {
      // Half-done: do not leave a fresh lease without its keys behind (it is not renewed yet).
      if (fresh) {
        if (this.lease === fresh) this.lease = undefined;
        await port.revoke(fresh).catch(() => undefined);
      }
      if (this.state !== "open") return;
      if (this.options.isFatal?.(err)) return this.fail(err);
      const delay = backoffDelay(
        this.failures++,
        this.options.backoff ?? DEFAULT_BACKOFF,
        (this.options.random ?? Math.random)(),
      );
      events?.retrying?.(err, delay, this.lease !== undefined);
      this.cancelRetry = this.options.clock.schedule(delay, () => {
        this.cancelRetry = undefined;
        void this.sync();
      });
    } finally {
      this.wake();
    }
  }

  /** Every key is under `lease`: renew it from now on (a failed put above revoked it instead). */
  private established(lease: string): void {
    const { port, ttlS, events } = this.options;
    port.keepAlive(lease, ttlS, {
      renewed: (ttl) => events?.renewed?.(ttl),
      lost: (reason) => this.onLost(lease, reason),
    });
    const attempts = this.grantAttempts;
    this.grantAttempts = 0;
    events?.established?.(lease, attempts, this.everEstablished);
    this.everEstablished = true;
    for (const old of this.abandoned.splice(0)) void port.revoke(old).catch(() => undefined);
  }

  private onLost(lease: string, reason: string): void {
    if (lease !== this.lease || this.state !== "open") return;
    this.lease = undefined;
    // The keeper also gives up after a TTL without answers while etcd may still hold the
    // lease (it extends every lease on a leader change or restart). Revoking it now would
    // delete the keys: a false DEAD. Re-putting them under the new lease moves them off the
    // old one, so it is revoked only after that (`established`), when it holds nothing.
    this.abandoned.push(lease);
    this.options.events?.lost?.(reason);
    this.wake();
    void this.sync();
  }

  private fail(err: unknown): void {
    this.failure = err;
    const lease = this.lease;
    this.end("failed");
    if (lease) this.options.port.stopRenewing(lease);
    this.options.events?.failed?.(err);
  }

  private isWritten(key: string, version: number): boolean {
    const written = this.keys.get(key)?.written;
    return written !== undefined && written.lease === this.lease && written.version >= version;
  }

  private converged(): boolean {
    for (const [key, attached] of this.keys) if (!this.isWritten(key, attached.version)) return false;
    return true;
  }

  private until(settled: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!settled()) return false;
        resolve();
        return true;
      };
      if (!check()) this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const check of [...this.waiters]) if (check()) this.waiters.delete(check);
  }
}
