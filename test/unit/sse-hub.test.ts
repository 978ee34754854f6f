// StreamHub bounds (issue 11) over real loopback sockets, no etcd: a client that stops reading
// is dropped once its unsent bytes pass the bound, a reading one is not; the stream cap refuses.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { test } from "node:test";
import type { HttpError } from "../../src/manager/http/http-util.ts";
import { StreamHub } from "../../src/manager/http/stream.ts";

async function listen(hub: StreamHub): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    try {
      hub.open(res, undefined, [{ event: "hello", data: 1 }]);
    } catch (err) {
      res.writeHead((err as HttpError).status, (err as HttpError).headers).end((err as Error).message);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const waitUntil = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setImmediate(r));
  }
};

test("a client that does not read is dropped once its buffer passes the bound; a reader keeps its stream", async () => {
  let drops = 0;
  const hub = new StreamHub({ maxBufferedBytes: 64 * 1024, onDrop: () => drops++ });
  const { server, port } = await listen(hub);
  const stalled = connect(port, "127.0.0.1");
  stalled.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  stalled.pause(); // never reads: the kernel buffers fill, then the server's
  let readerBytes = 0;
  const reader = connect(port, "127.0.0.1");
  reader.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  reader.on("data", (chunk) => {
    readerBytes += chunk.length;
  });
  await waitUntil(() => hub.size === 2);
  const chunk = "x".repeat(16 * 1024);
  // Up to 64 MiB, yielding so the sockets can drain: far more than any socket buffer holds.
  for (let i = 0; i < 4096 && drops === 0; i++) {
    hub.broadcast("fill", chunk);
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(drops, 1, "the stalled client was dropped");
  assert.equal(hub.size, 1, "the reading client still has its stream");
  assert.ok(readerBytes > 1024 * 1024, `the reader received ${readerBytes} bytes`);
  stalled.destroy();
  reader.destroy();
  hub.close();
  server.closeAllConnections();
  server.close();
});

test("the stream cap refuses with 503 and Retry-After, and frees a slot when a client leaves", async () => {
  const hub = new StreamHub({ maxStreams: 2 });
  const { server, port } = await listen(hub);
  const open = async () => {
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: ac.signal });
    return { res, ac };
  };
  const a = await open();
  const b = await open();
  assert.equal(a.res.status, 200);
  assert.equal(b.res.status, 200);
  const c = await open();
  assert.equal(c.res.status, 503);
  assert.equal(c.res.headers.get("retry-after"), "5");
  assert.match(await c.res.text(), /--http-max-streams/);
  a.ac.abort();
  await waitUntil(() => hub.size === 1);
  const d = await open();
  assert.equal(d.res.status, 200);
  b.ac.abort();
  d.ac.abort();
  hub.close();
  server.closeAllConnections();
  server.close();
});
