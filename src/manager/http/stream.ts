// Server-Sent Events for the dashboard (`GET /api/stream`). SSE rather than WebSocket:
// the traffic is one-way, it is plain HTTP (works through the same proxies and auth),
// and browsers reconnect by themselves.
import type { ServerResponse } from "node:http";

/** A comment line every 15 s keeps idle proxies from closing the stream. */
const KEEPALIVE_MS = 15_000;

interface Client {
  res: ServerResponse;
  /** Only this node's samples are sent (node page); undefined: no samples (fleet table). */
  node: string | undefined;
}

export class StreamHub {
  private readonly clients = new Set<Client>();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      for (const c of this.clients) c.res.write(": keepalive\n\n");
    }, KEEPALIVE_MS);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  open(res: ServerResponse, node: string | undefined, first: { event: string; data: unknown }[]): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    const client: Client = { res, node };
    for (const m of first) write(res, m.event, m.data);
    this.clients.add(client);
    res.on("close", () => this.clients.delete(client));
  }

  broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = frame(event, data);
    for (const c of this.clients) c.res.write(text);
  }

  /** A sample of `node`, to the clients watching that node. */
  sample(node: string, data: unknown): void {
    let text: string | undefined;
    for (const c of this.clients) {
      if (c.node !== node) continue;
      text ??= frame("sample", data);
      c.res.write(text);
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function write(res: ServerResponse, event: string, data: unknown): void {
  res.write(frame(event, data));
}
