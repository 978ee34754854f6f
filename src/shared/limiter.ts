// At most `limit` calls in flight; the rest wait in order. Used by the alert outbox (POSTs
// in flight across all receivers) and the simulator. The simulator sends every
// write of its N nodes through one, so that 10,000 nodes acknowledging a fleet default
// change at once do not pile 10,000 puts onto etcd: in etcd 3.4 a lease renewal waits
// until the applied index catches up, and a deep write backlog fails renewals with
// "waiting for the applied index took too long" - leases then expire for real.
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  get pending(): number {
    return this.queue.length + this.active;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
