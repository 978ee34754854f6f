// Issue 12: `--alert-group-wait` gathers webhook alerts so that 200 nodes dying at once
// reach the receiver as one POST, not 200.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { started, startServer, stopAll } from "./fleet.ts";
import { type EtcdCluster, spawnFleetwatch, startEtcd, waitFor } from "./harness/index.ts";

let etcd: EtcdCluster | undefined;
after(async () => {
  await stopAll();
  await etcd?.stop();
});

const N = 200;

test("--alert-group-wait: 200 nodes dying at once are one POST", async (t) => {
  etcd = await startEtcd({ members: 1 });
  const posts: { nodes: string[] }[] = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const parsed = JSON.parse(body) as { alerts: { labels: { node: string } }[] };
      posts.push({ nodes: parsed.alerts.map((a) => a.labels.node) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  after(() => receiver.close());
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const server = await startServer(etcd.endpoints, ["--alert-webhook", hook, "--alert-group-wait", "5s"]);
  await server.waitForLine(/now leading/, { timeoutMs: 20_000 });
  const sim = spawnFleetwatch(
    [
      "sim",
      "--etcd",
      etcd.endpoints,
      "--nodes",
      String(N),
      "--name-prefix",
      "grp-",
      "--ttl",
      "2",
      "--no-metrics",
    ],
    { name: "sim" },
  );
  started.push(sim);
  await sim.waitForLine(new RegExp(`^\\[Sim\\] ${N}/${N} nodes up`), { timeoutMs: 60_000 });
  await server.waitForLine(`[+] Node grp-${N} is ALIVE`, { timeoutMs: 30_000 });

  const killedAt = Date.now();
  await sim.kill("SIGKILL");
  await waitFor(() => posts.length > 0, { timeoutMs: 30_000, message: "the grouped POST" });
  t.diagnostic(
    `kill -9 of ${N} nodes -> first grouped POST: ${Date.now() - killedAt} ms (TTL 2 s, window 5 s)`,
  );
  await waitFor(() => posts.flatMap((p) => p.nodes).length >= N, {
    timeoutMs: 30_000,
    message: `all ${N} DEAD alerts`,
  });
  assert.equal(
    posts.length,
    1,
    `one POST, got ${posts.length} (sizes ${posts.map((p) => p.nodes.length).join(", ")})`,
  );
  assert.equal(new Set(posts[0]?.nodes).size, N);
});
