// Issue 11's alert items: nothing a receiver or a stored outbox record does can stop the
// manager or grow it without bound. Real etcd, real manager processes, local receivers.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, afterEach, before, test } from "node:test";
import { Etcd3 } from "etcd3";
import { webhookId } from "../../src/manager/alerts/outbox.ts";
import { alertKey } from "../../src/manager/alerts/record.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";
import { deadLine, startAgent, startServer, stopAll } from "./fleet.ts";
import { type EtcdCluster, freePort, startEtcd, waitFor } from "./harness/index.ts";

let etcd: EtcdCluster;
let client: Etcd3;
const servers: { close(): void }[] = [];
before(async () => {
  etcd = await startEtcd({ members: 1 });
  client = new Etcd3({ hosts: etcd.hosts });
});
afterEach(async () => {
  await stopAll();
  for (const s of servers.splice(0)) s.close();
  await client.delete().prefix("/monitor/").exec();
});
after(async () => {
  client.close();
  await etcd.stop();
});

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function receiver(handler: Handler) {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => handler(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

const DAY = 24 * 3600 * 1000;
const record = (node: string, revision: number, at: number, delivered: string[] = []) => ({
  node,
  kind: "DEAD",
  state: "DEAD",
  reason: "TTL expired",
  at,
  revision,
  delivered,
});

async function outboxKeys(): Promise<string[]> {
  return Object.keys(await client.getAll().prefix("/monitor/alerts/").strings());
}

async function metric(port: number, line: string): Promise<boolean> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split("\n").some((l) => l.startsWith(line));
}

test("an outbox record that does not decode does not stop the manager nor the standby that takes over; it is counted", async () => {
  const accepted: string[] = [];
  const hook = await receiver((_req, res, body) => {
    accepted.push((JSON.parse(body) as { fleetwatch: { node: string } }).fleetwatch.node);
    res.writeHead(200).end();
  });
  // Issue 11's reproduction: no `at`.
  await client
    .put("/monitor/alerts/y/00000000000000000002")
    .value('{"node":"y","revision":2,"delivered":[]}');
  await client.put("/monitor/alerts/z/00000000000000000003").value("not json \u001b[31m");
  const firstPort = await freePort();
  const secondPort = await freePort();
  const first = await startServer(etcd.endpoints, [
    "--http",
    `127.0.0.1:${firstPort}`,
    "--alert-webhook",
    hook,
  ]);
  await first.waitForLine(/now leading/, { timeoutMs: 20_000 });
  const second = await startServer(etcd.endpoints, [
    "--http",
    `127.0.0.1:${secondPort}`,
    "--alert-webhook",
    hook,
  ]);
  await second.waitForLine(/Standing by/, { timeoutMs: 20_000 });
  await waitFor(() => metric(firstPort, 'fleetwatch_invalid_values_total{kind="alert"} 2'), {
    message: "both bad records counted by the leader",
  });

  await first.kill("SIGKILL");
  await second.waitForLine(/now leading/, { timeoutMs: 30_000 });
  await waitFor(() => metric(secondPort, 'fleetwatch_invalid_values_total{kind="alert"} 2'), {
    message: "both bad records counted by the new leader",
  });
  // Alerting still works around them.
  const agent = await startAgent("hard-1", etcd.endpoints, ["--ttl", "2"]);
  await agent.kill("SIGKILL");
  await second.waitForLine(deadLine("hard-1"), { timeoutMs: 30_000 });
  await waitFor(() => accepted.includes("hard-1"), {
    timeoutMs: 15_000,
    message: "the DEAD alert for hard-1",
  });
  assert.ok(second.running, "the standby that took over is still running");
  assert.ok(
    second.stdout.every((l) => !l.includes("\u001b")),
    "no raw control character from the bad record reaches the console",
  );
});

test("a receiver's response body is read at most a few KiB, then dropped", async () => {
  let written = 0;
  let closed = false;
  const hook = await receiver((_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const chunk = Buffer.alloc(64 * 1024, 120);
    // An endless body: only the manager closing the connection ends it.
    const pump = () => {
      while (!closed && res.write(chunk)) written += chunk.length;
      if (!closed) res.once("drain", pump);
    };
    res.on("close", () => {
      closed = true;
    });
    pump();
  });
  const now = Date.now();
  await client.put(alertKey(nodeName("body-1"), 7)).value(JSON.stringify(record("body-1", 7, now)));
  const server = await startServer(etcd.endpoints, ["--alert-webhook", hook]);
  await server.waitForLine(/now leading/, { timeoutMs: 20_000 });
  await waitFor(
    async () => {
      const value = await client.get(alertKey(nodeName("body-1"), 7)).string();
      return (
        value !== null && (JSON.parse(value) as { delivered: string[] }).delivered.includes(webhookId(hook))
      );
    },
    { timeoutMs: 15_000, message: "the record marked delivered" },
  );
  await waitFor(() => closed, { message: "the manager closed the endless response" });
  assert.ok(
    written < 32 * 1024 * 1024,
    `the receiver could write only ${written} bytes (socket buffers) before the manager hung up`,
  );
});

test("redirects are never followed: a 307 is a failure, retried, and the target never sees the alert", async () => {
  let targetHits = 0;
  const target = await receiver((_req, res) => {
    targetHits++;
    res.writeHead(200).end();
  });
  let redirects = 0;
  const hook = await receiver((_req, res) => {
    redirects++;
    res.writeHead(307, { location: target }).end();
  });
  await client.put(alertKey(nodeName("redir-1"), 9)).value(JSON.stringify(record("redir-1", 9, Date.now())));
  const server = await startServer(etcd.endpoints, ["--alert-webhook", hook]);
  await server.waitForLine(/now leading/, { timeoutMs: 20_000 });
  await waitFor(() => redirects >= 2, { timeoutMs: 15_000, message: "the redirecting receiver retried" });
  assert.equal(targetHits, 0, "the redirect target was never contacted");
  const stored = JSON.parse((await client.get(alertKey(nodeName("redir-1"), 9)).string()) ?? "{}") as {
    delivered: string[];
  };
  assert.deepEqual(stored.delivered, []);
});

test("2,000 undelivered records against a receiver answering 500: concurrent POSTs and retries stay capped", async (t) => {
  let inFlight = 0;
  let maxInFlight = 0;
  let posts = 0;
  const hook = await receiver((_req, res) => {
    posts++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Answer a little later, so concurrent requests overlap.
    setTimeout(() => {
      inFlight--;
      res.writeHead(500).end("down");
    }, 50);
  });
  const now = Date.now();
  const RECORDS = 2000;
  for (let base = 0; base < RECORDS; base += 100) {
    const ops = [];
    for (let i = base; i < base + 100; i++) {
      ops.push(
        client
          .put(alertKey(nodeName(`flood-${i}`), 10 + i))
          .value(JSON.stringify(record(`flood-${i}`, 10 + i, now))),
      );
    }
    await Promise.all(ops.map((op) => op.exec()));
  }
  const server = await startServer(etcd.endpoints, ["--alert-webhook", hook]);
  await server.waitForLine(/now leading/, { timeoutMs: 20_000 });
  await waitFor(() => posts > 0, { timeoutMs: 20_000, message: "the first POST" });
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 10_000)); // an observation window, not a synchronisation
  const seconds = (Date.now() - started) / 1000;
  t.diagnostic(`${posts} POSTs in ${seconds.toFixed(1)} s, at most ${maxInFlight} at once`);
  assert.ok(maxInFlight <= 8, `at most 8 POSTs at once, saw ${maxInFlight}`);
  // One round per back-off step (0.5 s doubling, jittered), each stopped by its first failure.
  assert.ok(posts <= 120, `${posts} POSTs in ${seconds.toFixed(0)} s (issue 11 saw 11,596 in 20 s)`);
  assert.ok(server.running);
});

test("undelivered records are pruned on the same 7-day rule as delivered ones", async () => {
  const hook = await receiver((_req, res) => res.writeHead(500).end());
  const now = Date.now();
  const id = webhookId(hook);
  await client
    .put(alertKey(nodeName("old-undelivered"), 5))
    .value(JSON.stringify(record("old-undelivered", 5, now - 8 * DAY)));
  await client
    .put(alertKey(nodeName("old-delivered"), 6))
    .value(JSON.stringify(record("old-delivered", 6, now - 8 * DAY, [id])));
  await client.put(alertKey(nodeName("fresh"), 7)).value(JSON.stringify(record("fresh", 7, now - 6 * DAY)));
  const server = await startServer(etcd.endpoints, ["--alert-webhook", hook]);
  await server.waitForLine(/now leading/, { timeoutMs: 20_000 });
  await waitFor(async () => (await outboxKeys()).length === 1, {
    timeoutMs: 15_000,
    message: "the old records pruned",
  });
  assert.deepEqual(await outboxKeys(), [alertKey(nodeName("fresh"), 7)]);
});

test("a firing record left behind by an older manager (its resolution already delivered) is dropped, not sent after it", async () => {
  const received: string[] = [];
  const hook = await receiver((_req, res, body) => {
    received.push(JSON.stringify(JSON.parse(body).fleetwatch));
    res.writeHead(200).end();
  });
  const id = webhookId(hook);
  const now = Date.now();
  await client
    .put(alertKey(nodeName("stale-1"), 20))
    .value(JSON.stringify(record("stale-1", 20, now - 60_000)));
  const recovered = { ...record("stale-1", 30, now - 30_000, [id]), kind: "RECOVERED", state: "ALIVE" };
  await client.put(alertKey(nodeName("stale-1"), 30)).value(JSON.stringify(recovered));
  const server = await startServer(etcd.endpoints, ["--alert-webhook", hook]);
  await server.waitForLine(/now leading/, { timeoutMs: 20_000 });
  await waitFor(
    async () => {
      const value = await client.get(alertKey(nodeName("stale-1"), 20)).string();
      return value !== null && (JSON.parse(value) as { dropped?: string[] }).dropped?.includes(id) === true;
    },
    { timeoutMs: 15_000, message: "the stale DEAD record marked dropped" },
  );
  assert.deepEqual(received, [], "nothing sent: the receiver already has the resolution");
});
