// Issue 8 (manager high availability): two managers elect a leader through etcd; only
// the leader writes the registry; when it is killed a standby takes over within about a
// TTL and every transition ends up recorded exactly once.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { Etcd3 } from "etcd3";
import { aliveLine, deadLine, startAgent, startServer, stopAll } from "./fleet.ts";
import { type EtcdCluster, startEtcd, waitFor } from "./harness/index.ts";

let etcd: EtcdCluster | undefined;
let client: Etcd3 | undefined;
after(async () => {
  await stopAll();
  client?.close();
  await etcd?.stop();
});

interface Entry {
  state: string;
  history: { state: string; reason: string; revision: number }[];
}

async function registry(c: Etcd3, node: string): Promise<Entry | undefined> {
  const raw = await c.get(`/monitor/nodes/${node}`).string();
  return raw ? (JSON.parse(raw) as Entry) : undefined;
}

/** An alert webhook receiver that records the (node, state) of every alert it accepts. */
async function alertReceiver(): Promise<{ url: string; alerts: string[]; close(): void }> {
  const alerts: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const parsed = JSON.parse(body) as { fleetwatch: { node: string; state: string } };
      alerts.push(`${parsed.fleetwatch.node} ${parsed.fleetwatch.state}`);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/alerts`, alerts, close: () => server.close() };
}

test("kill -9 the leading manager while nodes die and appear: a standby takes over, each transition recorded and alerted once", async () => {
  etcd = await startEtcd({ members: 1 });
  client = new Etcd3({ hosts: etcd.hosts });
  const receiver = await alertReceiver();
  after(() => receiver.close());
  const serverArgs = ["--http", "off", "--alert-webhook", receiver.url];
  const first = await startServer(etcd.endpoints, serverArgs);
  await first.waitForLine(/^\[HA\] This manager \(.+\) is now leading$/);
  const second = await startServer(etcd.endpoints, serverArgs);
  await second.waitForLine(/^\[HA\] Standing by: .+ is leading$/);

  const doomed = await startAgent("ha-doomed", etcd.endpoints, ["--ttl", "3"]);
  await startAgent("ha-stays", etcd.endpoints, ["--ttl", "3"]);
  for (const server of [first, second]) {
    await server.waitForLine(aliveLine("ha-doomed"));
    await server.waitForLine(aliveLine("ha-stays"));
  }
  await waitFor(async () => (await registry(client as Etcd3, "ha-doomed"))?.state === "ALIVE", {
    message: "leader persisted ha-doomed",
  });

  // The leader dies; in the same moment a node dies and another appears.
  const killedAt = Date.now();
  await first.kill("SIGKILL");
  await doomed.kill("SIGKILL");
  await startAgent("ha-newcomer", etcd.endpoints, ["--ttl", "3"]);

  const takeover = await second.waitForLine(/^\[HA\] This manager \(.+\) is now leading$/, {
    timeoutMs: 15_000,
  });
  assert.ok(takeover.at - killedAt < 10_000, `standby took over after ${takeover.at - killedAt} ms`);
  await second.waitForLine(deadLine("ha-doomed"), { timeoutMs: 15_000 });
  await second.waitForLine(aliveLine("ha-newcomer"));

  await waitFor(
    async () =>
      (await registry(client as Etcd3, "ha-doomed"))?.state === "DEAD" &&
      (await registry(client as Etcd3, "ha-newcomer"))?.state === "ALIVE",
    { timeoutMs: 10_000, message: "the new leader persisted the transitions" },
  );
  const doomedEntry = await registry(client, "ha-doomed");
  assert.deepEqual(
    doomedEntry?.history.map((t) => t.state),
    ["ALIVE", "DEAD"],
    "joined once, died once - no duplicate, nothing missed",
  );
  const newcomer = await registry(client, "ha-newcomer");
  assert.deepEqual(
    newcomer?.history.map((t) => t.state),
    ["ALIVE"],
  );
  const stays = await registry(client, "ha-stays");
  assert.deepEqual(
    stays?.history.map((t) => t.state),
    ["ALIVE"],
  );

  // The death is alerted by the new leader, once (joins are not alerts).
  await waitFor(() => receiver.alerts.length >= 1, { timeoutMs: 15_000, message: "the DEAD alert" });
  await new Promise((r) => setTimeout(r, 2000)); // a duplicate would come within the retry period
  assert.deepEqual(receiver.alerts, ["ha-doomed DEAD"]);
});
