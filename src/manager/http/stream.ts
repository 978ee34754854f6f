// Server-Sent Events for the dashboard (`GET /api/stream`). SSE rather than WebSocket:
// the traffic is one-way, it is plain HTTP (works through the same proxies and auth),
// and browsers reconnect by themselves.
//
// Bounded (issue 11): at most `maxStreams` streams at once (503 beyond, with Retry-After), and a
// client that does not read is dropped once more than `maxBufferedBytes` wait in its socket
// buffer, so a stalled tab or a hostile client cannot grow the manager's memory.
import type { ServerResponse } from "node:http";
import { HttpError } from "./http-util.ts";
import { DEFAULT_MAX_STREAMS } from "./options.ts";

/** A comment line every 15 s keeps idle proxies from closing the stream. */
const KEEPALIVE_MS = 15_000;
/**
 * Bytes that may wait unsent for one client before it is dropped. Checked before each write, so
 * one large message (a 10,000-node snapshot is a few MB) still goes out whole; what may not
 * happen is messages piling up behind it. Worst case per client: this plus one message.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
export { DEFAULT_MAX_STREAMS } from "./options.ts";

interface Client {
  res: ServerResponse;
  /** Only this node's samples are sent (node page); undefined: no samples (fleet table). */
  node: string | undefined;
}

export interface StreamLimits {
  maxStreams: number;
  maxBufferedBytes: number;
  /** A client was dropped for not reading. */
  onDrop?(): void;
}

export class StreamHub {
  private readonly clients = new Set<Client>();
  private readonly timer: NodeJS.Timeout;
  private readonly limits: StreamLimits;

  constructor(limits: Partial<StreamLimits> = {}) {
    this.limits = {
      maxStreams: DEFAULT_MAX_STREAMS,
      maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
      ...limits,
    };
    this.timer = setInterval(() => {
      for (const c of this.clients) this.send(c, ": keepalive\n\n");
    }, KEEPALIVE_MS);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Refuses with 503 when `maxStreams` are open; call before building the first messages. */
  checkCapacity(): void {
    if (this.clients.size >= this.limits.maxStreams) {
      throw new HttpError(
        503,
        `too many open streams (${this.limits.maxStreams}, --http-max-streams); try again later`,
        undefined,
        { "retry-after": "5" },
      );
    }
  }

  open(res: ServerResponse, node: string | undefined, first: { event: string; data: unknown }[]): void {
    this.checkCapacity();
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const client: Client = { res, node };
    this.clients.add(client);
    res.on("close", () => this.clients.delete(client));
    this.send(client, "retry: 2000\n\n");
    for (const m of first) this.send(client, frame(m.event, m.data));
  }

  broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = frame(event, data);
    for (const c of this.clients) this.send(c, text);
  }

  /** A sample of `node`, to the clients watching that node. */
  sample(node: string, data: unknown): void {
    let text: string | undefined;
    for (const c of this.clients) {
      if (c.node !== node) continue;
      text ??= frame("sample", data);
      this.send(c, text);
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private send(client: Client, text: string): void {
    if (client.res.destroyed) return;
    // writableLength: bytes accepted by write() but not yet taken by the kernel's socket buffer.
    if (client.res.writableLength > this.limits.maxBufferedBytes) {
      this.clients.delete(client);
      client.res.destroy();
      this.limits.onDrop?.();
      return;
    }
    client.res.write(text);
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
