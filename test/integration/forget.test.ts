// Issue 14 "Forget a node": DELETE /api/nodes/<node>, `ctl nodes forget`, console `forget`,
// plus `ctl nodes --state/--selector` with since / last-seen columns. Real etcd, real agents.
import assert from "node:assert/strict";
import { test } from "node:test";
import { deadLine, runCtl, startAgent, startServer, stopAll } from "./fleet.ts";
import { freePort, useEtcd, waitFor } from "./harness/index.ts";

const TOKEN = "forget-token";

const fx = useEtcd({ stopFirst: stopAll });

test("forget: refused for ALIVE, removes a DEAD node from the API, /metrics and the registry; idempotent; ctl filters and forget", async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startServer(fx.etcd.endpoints, ["--http", `127.0.0.1:${port}`, "--api-token", TOKEN]);
  await startAgent("keep-1", fx.etcd.endpoints, ["--ttl", "2"]);
  const doomed = await startAgent("gone-1", fx.etcd.endpoints, ["--ttl", "2"]);
  const leaver = await startAgent("gone-2", fx.etcd.endpoints, ["--ttl", "2", "--leave-on-exit"]);
  await fx.client.put("/monitor/config/gone-2").value(JSON.stringify({ interval: 5 }));

  const del = (node: string, token: string | undefined = TOKEN, query = "") =>
    fetch(`${base}/api/nodes/${node}${query}`, {
      method: "DELETE",
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  // ALIVE is refused everywhere; no token is 401.
  await waitFor(async () => (await fetch(`${base}/api/nodes/keep-1`)).ok, { timeoutMs: 15_000 });
  assert.equal((await del("keep-1", "")).status, 401);
  const alive = await del("keep-1");
  assert.equal(alive.status, 409);
  assert.match(((await alive.json()) as { error: string }).error, /ALIVE/);
  const ctlAlive = await runCtl(fx.etcd.endpoints, "nodes", "forget", "keep-1");
  assert.equal(ctlAlive.code, 3, ctlAlive.stderr.join("\n"));

  // gone-1 dies (lease left to expire), gone-2 leaves.
  doomed.kill("SIGKILL");
  await leaver.stop();
  await server.waitForLine(deadLine("gone-1"), { timeoutMs: 30_000 });
  await server.waitForLine(/^\[-\] Node gone-2 LEFT/, { timeoutMs: 30_000 });
  await waitFor(
    async () => (await fetch(`${base}/metrics`).then((r) => r.text())).includes('node="gone-1"'),
    {
      timeoutMs: 10_000,
    },
  );

  // ctl nodes: filters and since / last-seen columns (the registry is written in the background).
  let dead = await runCtl(fx.etcd.endpoints, "nodes", "--state", "DEAD");
  await waitFor(
    async () => {
      dead = await runCtl(fx.etcd.endpoints, "nodes", "--state", "DEAD");
      return dead.stdout.includes("gone-1");
    },
    { timeoutMs: 10_000, message: "gone-1 DEAD in ctl nodes" },
  );
  assert.match(dead.stdout, /^NODE\s+STATE\s+SINCE\s+LAST SEEN\s+APPLIED/m);
  assert.match(dead.stdout, /^gone-1\s+DEAD\s+\d+s ago\s+\d+s ago/m);
  assert.doesNotMatch(dead.stdout, /keep-1|gone-2/);
  const selected = await runCtl(fx.etcd.endpoints, "nodes", "--selector", "gone-*", "--state", "dead,left");
  assert.match(selected.stdout, /^gone-1\s+DEAD/m);
  assert.match(selected.stdout, /^gone-2\s+LEFT/m);
  assert.doesNotMatch(selected.stdout, /keep-1/);
  assert.equal((await runCtl(fx.etcd.endpoints, "nodes", "--state", "SLEEPING")).code, 2);

  // DELETE forgets the DEAD node: API, /metrics, registry, console line.
  const forgotten = await del("gone-1");
  assert.equal(forgotten.status, 200);
  assert.deepEqual(
    { ...((await forgotten.json()) as Record<string, unknown>), revision: 0 },
    { node: "gone-1", removed: true, configPurged: false, revision: 0, state: "DEAD" },
  );
  await server.waitForLine(/^\[x\] Node gone-1 forgotten \(was DEAD; by http-api@127\.0\.0\.1\)$/, {
    timeoutMs: 10_000,
  });
  assert.equal((await fetch(`${base}/api/nodes/gone-1`)).status, 404);
  const list = (await (await fetch(`${base}/api/nodes`)).json()) as { nodes: { node: string }[] };
  assert.deepEqual(list.nodes.map((n) => n.node).sort(), ["gone-2", "keep-1"]);
  assert.doesNotMatch(await (await fetch(`${base}/metrics`)).text(), /node="gone-1"/);
  assert.equal(await fx.client.get("/monitor/nodes/gone-1").string(), null);
  const record = JSON.parse((await fx.client.get("/monitor/forgotten/gone-1").string()) ?? "{}");
  assert.equal(record.by, "http-api@127.0.0.1");
  // Idempotent.
  const again = await del("gone-1");
  assert.equal(again.status, 200);
  assert.equal(((await again.json()) as { removed: boolean }).removed, false);

  // ctl forget by selector: only DEAD/LEFT nodes match, --purge-config deletes the override.
  const bulk = await runCtl(fx.etcd.endpoints, "nodes", "forget", "--selector", "*", "--purge-config");
  assert.equal(bulk.code, 0, bulk.stderr.join("\n"));
  assert.match(bulk.stdout, /^Forgot gone-2, config override deleted/m);
  assert.doesNotMatch(bulk.stdout, /keep-1/);
  await server.waitForLine(/^\[x\] Node gone-2 forgotten \(was LEFT; by ctl:/, { timeoutMs: 10_000 });
  assert.equal(await fx.client.get("/monitor/config/gone-2").string(), null);
  const after = await runCtl(fx.etcd.endpoints, "nodes");
  assert.doesNotMatch(after.stdout, /gone-/);
  assert.match(after.stdout, /^keep-1\s+ALIVE/m);

  // --older-than keeps recent ones; the console forgets too.
  const recent = await runCtl(fx.etcd.endpoints, "nodes", "forget", "--selector", "*", "--older-than", "1h");
  assert.match(recent.stdout, /nothing forgotten/);
  server.write("forget keep-1");
  await server.waitForLine(/^Error: node keep-1 is ALIVE/, { timeoutMs: 10_000 });
});

test("server --forget-after: the leader forgets a DEAD node once it stayed DEAD that long", async () => {
  // Only the leader forgets: the previous test's manager (leading, without --forget-after)
  // and its agents go first, so this manager is the one that leads.
  await stopAll();
  const server = await startServer(fx.etcd.endpoints, ["--forget-after", "3s"]);
  await server.waitForLine(/^\[Forget\] DEAD and LEFT nodes are forgotten 3 s after/, { timeoutMs: 5_000 });
  const agent = await startAgent("auto-1", fx.etcd.endpoints, ["--ttl", "2"]);
  agent.kill("SIGKILL");
  await server.waitForLine(deadLine("auto-1"), { timeoutMs: 30_000 });
  await server.waitForLine(/^\[x\] Node auto-1 forgotten \(was DEAD; by forget-after\)$/, {
    timeoutMs: 30_000,
  });
  assert.equal(await fx.client.get("/monitor/nodes/auto-1").string(), null);
});
