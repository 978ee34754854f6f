// Issue 12 "Delivery that is correct": webhook records of one node must reach a receiver
// in the order of the transitions. Reproduction of the bug found on main: two managers
// share one receiver that answers 503; nodes die, the leader is killed -9, the nodes come
// back, then the receiver recovers. With independent per-record backoffs the DEAD
// records (older, so retried at longer intervals) were delivered AFTER the RECOVERED
// ones, and the receiver ended with a live node's alert firing.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { Etcd3 } from "etcd3";
import { aliveLine, deadLine, startAgent, startServer, stopAll } from "./fleet.ts";
import { type EtcdCluster, type FleetwatchProcess, startEtcd, waitFor } from "./harness/index.ts";

let etcd: EtcdCluster | undefined;
let client: Etcd3 | undefined;
after(async () => {
  await stopAll();
  client?.close();
  await etcd?.stop();
});

interface ReceivedAlert {
  status: string;
  labels: Record<string, string>;
}

/** A receiver that keeps, per alert identity (alertname + node), the last status it accepted. */
async function flakyReceiver() {
  let answer = 503;
  let refused = 0;
  const lastStatus = new Map<string, string>();
  const log: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      if (answer !== 200) {
        refused++;
        res.writeHead(answer).end("unavailable");
        return;
      }
      const parsed = JSON.parse(body) as { alerts: ReceivedAlert[] };
      for (const a of parsed.alerts) {
        lastStatus.set(`${a.labels.alertname} ${a.labels.node}`, a.status);
        log.push(`${a.labels.node} ${a.status}`);
      }
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    lastStatus,
    log,
    /** POSTs answered with an error so far. */
    refused: () => refused,
    recover: () => {
      answer = 200;
    },
    close: () => server.close(),
  };
}

/** True once every outbox record in etcd is settled for the one webhook (sent or dropped). */
async function outboxSettled(c: Etcd3): Promise<boolean> {
  const all = await c.getAll().prefix("/monitor/alerts/").strings();
  const records = Object.values(all).map((v) => JSON.parse(v) as { delivered: string[]; dropped?: string[] });
  return records.length > 0 && records.every((r) => r.delivered.length + (r.dropped?.length ?? 0) >= 1);
}

const NODES = ["ord-1", "ord-2", "ord-3", "ord-4"];

test("alert order: after a receiver outage and a leader kill -9, no live node is left with its alert firing", async () => {
  etcd = await startEtcd({ members: 1 });
  client = new Etcd3({ hosts: etcd.hosts });
  const receiver = await flakyReceiver();
  after(() => receiver.close());
  const serverArgs = ["--alert-webhook", receiver.url];
  const first = await startServer(etcd.endpoints, serverArgs);
  await first.waitForLine(/^\[HA\] This manager \(.+\) is now leading$/);
  const second = await startServer(etcd.endpoints, serverArgs);
  await second.waitForLine(/^\[HA\] Standing by: .+ is leading$/);

  const agents: FleetwatchProcess[] = [];
  for (const node of NODES) agents.push(await startAgent(node, etcd.endpoints, ["--ttl", "2"]));
  for (const node of NODES) await second.waitForLine(aliveLine(node));

  // Nodes die while the receiver is down; the leader records DEAD and keeps failing.
  await Promise.all(agents.map((a) => a.kill("SIGKILL")));
  for (const node of NODES) await first.waitForLine(deadLine(node), { timeoutMs: 30_000 });
  await waitFor(
    async () =>
      Object.keys(await (client as Etcd3).getAll().prefix("/monitor/alerts/").strings()).length >=
      NODES.length,
    { timeoutMs: 15_000, message: "the leader recorded every DEAD" },
  );
  // The leader dies; the standby takes over and retries the DEAD records itself.
  await first.kill("SIGKILL");
  await second.waitForLine(/^\[HA\] This manager \(.+\) is now leading$/, { timeoutMs: 30_000 });
  // The new leader's DEAD retries fail until their backoff has grown to seconds (500 ms
  // doubling: the 4th refusal comes ~7.5 s after the first).
  const refusedAtTakeover = receiver.refused();
  await waitFor(() => receiver.refused() >= refusedAtTakeover + 4, {
    timeoutMs: 30_000,
    message: "the new leader's retries backed off against the failing receiver",
  });

  // The nodes come back (RECOVERED records start a fresh backoff), then the receiver does.
  for (const node of NODES) await startAgent(node, etcd.endpoints, ["--ttl", "2"]);
  for (const node of NODES)
    await second.waitForLine(`[+] Node ${node} is ALIVE (recovered)`, { timeoutMs: 15_000 });
  await waitFor(
    async () =>
      Object.keys(await (client as Etcd3).getAll().prefix("/monitor/alerts/").strings()).length >=
      2 * NODES.length,
    { timeoutMs: 15_000, message: "the leader recorded every RECOVERED" },
  );
  receiver.recover();

  await waitFor(() => outboxSettled(client as Etcd3), {
    timeoutMs: 90_000,
    intervalMs: 500,
    message: "every outbox record delivered or dropped",
  });
  for (const node of NODES) {
    assert.notEqual(
      receiver.lastStatus.get(`FleetwatchNodeDead ${node}`),
      "firing",
      `${node} is ALIVE but its alert is left firing at the receiver (received: ${receiver.log.join(", ")})`,
    );
  }
});
