// A byte-level TCP proxy between a client (fleetwatch, an etcd3 client) and one etcd member, to
// inject the network faults fleetwatch must survive: a reset link, a silent partition, latency.
// It only pipes bytes, so gRPC/HTTP2 works through it unchanged.
import { connect, createServer, type Server, type Socket } from "node:net";

export type CutMode = "reset" | "blackhole";

type Mode = "forward" | CutMode;

/** A chunk of bytes waiting for its delay to pass; `null` marks end of stream. */
interface Queued {
  chunk: Buffer | null;
  due: number;
}

export class TcpProxy {
  private mode: Mode = "forward";
  private delayMs = 0;
  private readonly links = new Set<Link>();
  /** Connections accepted during a blackhole: open, never forwarded, destroyed on restore. */
  private readonly held = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  /** "127.0.0.1:<port>", the format of fleetwatch's --etcd flag. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** "http://127.0.0.1:<port>", the format of the etcd3 client's `hosts`. */
  get url(): string {
    return `http://${this.endpoint}`;
  }

  /** Number of client connections currently open through the proxy (forwarded or held). */
  get connections(): number {
    return this.links.size + this.held.size;
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const server = createServer({ noDelay: true });
    // Listening on port 0 directly (rather than freePort()) leaves no window for another process.
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port: 0 }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("TcpProxy: no port assigned");
    const proxy = new TcpProxy(server, address.port, targetHost, targetPort);
    server.on("connection", (socket) => proxy.accept(socket));
    return proxy;
  }

  /**
   * reset: every open connection is reset (RST) and new ones are reset on arrival, like a
   * crashed peer or a firewall that rejects.
   * blackhole: nothing is forwarded any more in either direction, but no socket is closed and new
   * connections are accepted and left hanging: a silent partition that only timeouts detect.
   */
  cut(mode: CutMode = "blackhole"): void {
    this.mode = mode;
    if (mode === "reset") {
      for (const link of this.links) link.reset();
      for (const socket of this.held) socket.resetAndDestroy();
      this.held.clear();
    } else {
      for (const link of this.links) link.hold();
    }
  }

  /**
   * Adds `ms` of latency to every chunk that arrives from now on, in both directions, never
   * reordering bytes. Chunks already queued keep their delay, as packets in flight would.
   */
  delay(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  /**
   * Forward normally again, without latency: bytes still waiting out a delay() go at once, so a
   * test measuring after restore() is not held up by an HTTP/2 frame queued before it. Connections
   * blackholed in flight resume as a healed partition would (their bytes were held, not dropped);
   * connections accepted during the blackhole never reached etcd, so they are destroyed and the
   * client reconnects cleanly.
   */
  restore(): void {
    this.mode = "forward";
    this.delayMs = 0;
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    for (const link of this.links) link.release();
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const link of this.links) link.destroy();
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    await closed;
  }

  private accept(client: Socket): void {
    client.on("error", () => {
      // A reset by the client is normal traffic for a proxy; the 'close' handler cleans up.
    });
    switch (this.mode) {
      case "reset":
        client.resetAndDestroy();
        return;
      case "blackhole":
        // Do not even read: the client's writes pile up in kernel buffers, as in a real partition.
        client.pause();
        this.held.add(client);
        client.once("close", () => this.held.delete(client));
        return;
      case "forward": {
        const link = new Link(
          client,
          connect({ host: this.targetHost, port: this.targetPort, noDelay: true }),
          () => this.delayMs,
        );
        this.links.add(link);
        link.onClose(() => this.links.delete(link));
        return;
      }
      default: {
        const exhaustive: never = this.mode;
        throw new Error(`unknown mode ${exhaustive}`);
      }
    }
  }
}

/** One proxied connection: a client socket, its upstream socket and a delay queue each way. */
class Link {
  private readonly up: Pipe;
  private readonly down: Pipe;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    delayMs: () => number,
  ) {
    this.up = new Pipe(client, upstream, delayMs);
    this.down = new Pipe(upstream, client, delayMs);
    for (const socket of [client, upstream]) {
      socket.on("error", () => {
        // Errors end the link through 'close'; the other side is destroyed there.
      });
      socket.once("close", () => this.destroy());
    }
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  hold(): void {
    this.up.hold();
    this.down.hold();
  }

  /** Resume forwarding, with everything queued due now. */
  release(): void {
    this.up.release();
    this.down.release();
  }

  /** RST towards the client so it sees ECONNRESET at once, not an orderly FIN. */
  reset(): void {
    if (!this.client.destroyed) this.client.resetAndDestroy();
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.up.clear();
    this.down.clear();
    this.client.destroy();
    this.upstream.destroy();
    for (const listener of this.closeListeners) listener();
  }
}

/** Moves bytes from one socket to another through a FIFO queue, so latency never reorders them. */
class Pipe {
  private readonly queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  private backpressured = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly delayMs: () => number,
  ) {
    from.on("data", (chunk: Buffer) => this.push(chunk));
    from.on("end", () => this.push(null));
    to.on("drain", () => {
      this.backpressured = false;
      this.updateFlow();
    });
  }

  hold(): void {
    this.held = true;
    this.updateFlow();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resume forwarding; queued chunks are due now (their order is kept, the latency dropped). */
  release(): void {
    this.held = false;
    const now = Date.now();
    for (const queued of this.queue) queued.due = Math.min(queued.due, now);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.updateFlow();
    this.pump();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private push(chunk: Buffer | null): void {
    const last = this.queue.at(-1);
    // Never due before the chunk ahead of it, even when the delay was lowered meanwhile.
    const due = Math.max(Date.now() + this.delayMs(), last?.due ?? 0);
    this.queue.push({ chunk, due });
    this.pump();
  }

  private pump(): void {
    if (this.held || this.timer) return;
    const now = Date.now();
    while (this.queue.length > 0) {
      const head = this.queue[0] as Queued;
      if (head.due > now) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, head.due - now);
        return;
      }
      this.queue.shift();
      if (this.to.destroyed) continue;
      if (head.chunk === null) {
        this.to.end();
      } else if (!this.to.write(head.chunk)) {
        this.backpressured = true;
      }
    }
    this.updateFlow();
  }

  /** Read from the source only while bytes can go somewhere. */
  private updateFlow(): void {
    if (this.from.destroyed) return;
    if (this.held || this.backpressured) this.from.pause();
    else this.from.resume();
  }
}
