// Issue 3: the lab's demo, end to end on a real etcd - ALIVE on start, a live config
// update, a garbage config rejected with the last good one kept, and a crash seen as DEAD.
import assert from "node:assert/strict";
import { test } from "node:test";
import { aliveLine, deadLine, linesMatching, startAgent, startServer, stopAll } from "./fleet.ts";
import { TcpProxy, useEtcd } from "./harness/index.ts";

const fx = useEtcd({ stopFirst: stopAll });

test("the lab demo: ALIVE, update <node> 2, garbage rejected, kill -9 -> DEAD", async () => {
  const server = await startServer(fx.etcd.endpoints);
  const agent = await startAgent("lab-node", fx.etcd.endpoints);
  await server.waitForLine(aliveLine("lab-node"), { timeoutMs: 10_000 });
  await agent.waitForLine(
    "[Config] Loaded: interval=10s, metrics=[cpu, memory] (no config stored; using defaults)",
  );
  const firstRun = await agent.waitForLine(
    /^\[Monitor\] Collecting \[cpu, memory\]\. Next run in 10s\.\.\.$/,
  );
  assert.match(agent.stdout[firstRun.index + 1] ?? "", /^ {2}cpu: \d+(\.\d)? %$/);
  assert.match(agent.stdout[firstRun.index + 2] ?? "", /^ {2}memory: .+ \/ .+ \(\d+(\.\d)? %\)$/);

  // The heartbeat key holds the lab's value and is attached to a lease.
  const hb = JSON.parse((await fx.client.get("/monitor/heartbeat/lab-node").string()) ?? "{}");
  assert.equal(hb.status, "alive");
  assert.equal(typeof hb.ts, "number");

  // update <node> 2: written, printed, applied live; the next run follows 2 s later, not 10.
  server.write("update lab-node 2");
  await server.waitForLine(
    /^\[Config\] Updated \/monitor\/config\/lab-node = \{"interval":2\} \(revision \d+\)$/,
  );
  const detected = await agent.waitForLine("[Config] Detected update...");
  await agent.waitForLine("[Config] Updated successfully: interval=2s, metrics=[cpu, memory]", {
    after: detected.index,
  });
  const runA = await agent.waitForLine(/Next run in 2s/, { after: detected.index });
  const runB = await agent.waitForLine(/Next run in 2s/, { after: runA.index + 1 });
  const gap = runB.at - runA.at;
  assert.ok(gap > 1500 && gap < 3500, `runs ${gap} ms apart, expected about 2000`);
  await server.waitForLine(/^\[Config\] Node lab-node applied interval=2s/);

  // Bad console input: an error with usage, nothing written.
  const before = await fx.client.get("/monitor/config/lab-node").string();
  for (const bad of [
    "update lab-node",
    "update lab-node abc",
    "update lab-node 0",
    "update a/b 3",
    "frobnicate",
  ]) {
    const at = server.stdout.length;
    server.write(bad);
    await server.waitForLine(/^Error: /, { after: at });
  }
  assert.equal(await fx.client.get("/monitor/config/lab-node").string(), before);

  // Garbage written straight into etcd: rejected with a reason, last good config kept.
  await fx.client.put("/monitor/config/lab-node").value('{"interval":"abc"}');
  await agent.waitForLine(
    /^\[Config\] Rejected \/monitor\/config\/lab-node \(revision \d+\): interval: .*; keeping interval=2s, metrics=\[cpu, memory\]$/,
  );
  await server.waitForLine(/^\[Config\] Node lab-node rejected \/monitor\/config\/lab-node/);
  await fx.client.put("/monitor/config/lab-node").value("not json at all");
  await agent.waitForLine(/Rejected .*not valid JSON.*keeping interval=2s/);
  assert.ok(agent.running, "the agent survives garbage");

  // kill -9: DEAD within TTL + 1 s of the kill, printed once.
  const killedAt = Date.now();
  await agent.kill("SIGKILL");
  const dead = await server.waitForLine(deadLine("lab-node"), { timeoutMs: 15_000 });
  assert.equal(dead.line, "[-] Node lab-node is DEAD (TTL expired)");
  assert.ok(dead.at - killedAt <= 6000, `DEAD after ${dead.at - killedAt} ms, expected <= TTL + 1 s`);
  assert.equal(
    linesMatching(server, aliveLine("lab-node")).length,
    1,
    "ALIVE printed once, not per heartbeat",
  );
  assert.equal(linesMatching(server, deadLine("lab-node")).length, 1);
});

test("Ctrl+C on an agent lets its lease expire: DEAD, as in the lab", async () => {
  const server = await startServer(fx.etcd.endpoints);
  const agent = await startAgent("ctrl-c-node", fx.etcd.endpoints, ["--ttl", "3"]);
  await server.waitForLine(aliveLine("ctrl-c-node"));
  await agent.kill("SIGINT");
  await agent.waitForLine(/^\[Agent\] Stopped\. Lease left to expire/);
  await server.waitForLine("[-] Node ctrl-c-node is DEAD (TTL expired)", { timeoutMs: 10_000 });
});

test("an agent started while etcd is unreachable retries, then registers by itself", async () => {
  const member = fx.etcd.members[0];
  assert.ok(member);
  const proxy = await TcpProxy.start("127.0.0.1", member.clientPort);
  try {
    proxy.cut("reset");
    const agent = await startAgent("early-node", proxy.endpoint, [], { waitRegistered: false });
    await agent.waitForLine(/^\[Heartbeat\] Cannot reach etcd .*; retrying in/, { timeoutMs: 15_000 });
    proxy.restore();
    await agent.waitForLine("[Heartbeat] Node early-node registered", { timeoutMs: 15_000 });
  } finally {
    await proxy.stop();
  }
});
