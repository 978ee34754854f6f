// Keeps any number of etcd leases alive over ONE keepalive stream.
//
// Why not etcd3's `Lease` class (docs/liveness.md: etcd3 client traps): it opens a stream per
// lease (~450 MB at 10,000 leases), declares loss only after 2×TTL, never recovers,
// and keeps renewing after `Etcd3.close()`. Here a lease is reported lost as soon as
// etcd answers TTL=0 (it is gone) or no answer came for a whole TTL (etcd has expired
// it by now, unless a leader election extended it - a re-grant is harmless then).
// Re-granting is the owner's job; this class only renews and reports.
import type { Etcd3, IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse } from "etcd3";
import { type BackoffPolicy, backoffDelay } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import { errorMessage } from "./errors.ts";

export interface LeaseListener {
  /** etcd renewed the lease; `ttl` is what etcd says is left (seconds). */
  renewed(ttl: number): void;
  /** The lease is gone or must be assumed gone; it is no longer tracked. */
  lost(reason: string): void;
}

interface Tracked {
  id: string;
  ttlS: number;
  lastRenewedAt: number;
  listener: LeaseListener;
}

type Stream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

export interface LeaseKeeperOptions {
  clock: Clock;
  /** Called when the keepalive stream breaks or comes back, for logs and metrics. */
  onStreamState?: (state: "connected" | "disconnected", detail?: string) => void;
  reconnectBackoff?: BackoffPolicy;
}

export class LeaseKeeper {
  private readonly leases = new Map<string, Tracked>();
  private stream: Stream | undefined;
  private connecting = false;
  private reconnectAttempt = 0;
  /** The TTL the current tick interval was chosen for. */
  private tickTtl = Number.POSITIVE_INFINITY;
  private tickTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly client: Etcd3,
    private readonly options: LeaseKeeperOptions,
  ) {}

  /** Grants a lease (one RPC); start keeping it alive with `track`. */
  async grant(ttlS: number): Promise<string> {
    const res = await this.client.leaseClient.leaseGrant({ TTL: ttlS, ID: 0 });
    return res.ID;
  }

  track(id: string, ttlS: number, listener: LeaseListener): void {
    this.leases.set(id, { id, ttlS, lastRenewedAt: this.options.clock.now(), listener });
    this.ensureTicking();
    if (this.stream) this.send(id);
    else this.connect();
  }

  /** Stops renewing; etcd expires the lease after its TTL (the lab's Ctrl+C). */
  untrack(id: string): void {
    this.leases.delete(id);
    if (this.leases.size === 0) this.stopTicking();
  }

  /** Graceful leave: etcd deletes the lease's keys at once. */
  async revoke(id: string): Promise<void> {
    this.untrack(id);
    await this.client.leaseClient.leaseRevoke({ ID: id });
  }

  /** Stops every timer and the stream; leases are left to expire (revoke them first to leave). */
  close(): void {
    this.closed = true;
    this.leases.clear();
    this.stopTicking();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stream?.end();
    this.stream = undefined;
  }

  private ensureTicking(): void {
    // Tick at a fraction of the shortest TTL: each lease is renewed every TTL/3,
    // etcd's own client rhythm, leaving two more tries before expiry. A shorter TTL
    // tracked later restarts the timer at its own rhythm.
    const minTtl = Math.min(...[...this.leases.values()].map((l) => l.ttlS));
    if (this.tickTimer && minTtl >= this.tickTtl) return;
    this.stopTicking();
    this.tickTtl = minTtl;
    this.tickTimer = setInterval(() => this.tick(), Math.max(100, (minTtl * 1000) / 3));
    this.tickTimer.unref();
  }

  private stopTicking(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    this.tickTtl = Number.POSITIVE_INFINITY;
  }

  private tick(): void {
    const now = this.options.clock.now();
    for (const lease of [...this.leases.values()]) {
      if (now - lease.lastRenewedAt >= lease.ttlS * 1000) {
        this.leases.delete(lease.id);
        lease.listener.lost(`no keepalive answer for ${lease.ttlS}s`);
      } else if (this.stream) {
        this.send(lease.id);
      }
    }
    if (this.leases.size === 0) this.stopTicking();
  }

  private send(id: string): void {
    try {
      this.stream?.write({ ID: id });
    } catch (err) {
      this.onStreamError(err);
    }
  }

  private connect(): void {
    if (this.closed || this.connecting || this.stream) return;
    this.connecting = true;
    this.client.leaseClient
      .leaseKeepAlive()
      .then((stream) => {
        this.connecting = false;
        if (this.closed) return stream.end();
        this.stream = stream;
        stream.on("data", (res) => this.onResponse(res));
        stream.on("error", (err) => this.onStreamError(err, stream));
        stream.on("end", () => this.onStreamError(new Error("keepalive stream ended"), stream));
        this.options.onStreamState?.("connected");
        for (const id of this.leases.keys()) this.send(id);
      })
      .catch((err: unknown) => {
        this.connecting = false;
        this.onStreamError(err);
      });
  }

  private onResponse(res: ILeaseKeepAliveResponse): void {
    const lease = this.leases.get(res.ID);
    if (!lease) return;
    // Only an answer proves the stream works: leaseKeepAlive() hands out a stream at once
    // even while etcd is down, so resetting the backoff on creation would retry every 100 ms.
    this.reconnectAttempt = 0;
    const ttl = Number(res.TTL);
    if (ttl <= 0) {
      this.untrack(res.ID);
      lease.listener.lost("etcd says the lease has expired");
      return;
    }
    lease.lastRenewedAt = this.options.clock.now();
    lease.listener.renewed(ttl);
  }

  private onStreamError(err: unknown, stream?: Stream): void {
    if (stream && stream !== this.stream) return; // a stale stream's late events
    // Our listeners stay attached (the guard above ignores them), so a late error on
    // the ended stream cannot become an unhandled 'error' event.
    this.stream?.end();
    const wasConnected = this.stream !== undefined;
    this.stream = undefined;
    if (this.closed) return;
    if (wasConnected || this.reconnectAttempt === 0)
      this.options.onStreamState?.("disconnected", errorMessage(err));
    if (this.leases.size === 0 || this.reconnectTimer) return;
    const delay = backoffDelay(
      this.reconnectAttempt++,
      this.options.reconnectBackoff ?? { initialMs: 100, maxMs: 1000 },
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }
}
