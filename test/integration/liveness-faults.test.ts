// Issue 4: liveness under faults, against real etcd (one member and a 3-member cluster)
// with a TCP proxy that cuts links. Each case asserts the exact transitions printed.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Etcd3 } from "etcd3";
import { aliveLine, deadLine, linesMatching, startAgent, startServer, stopAll } from "./fleet.ts";
import { type EtcdCluster, startEtcd, TcpProxy, waitFor } from "./harness/index.ts";

const clusters: EtcdCluster[] = [];
const proxies: TcpProxy[] = [];
const clients: Etcd3[] = [];

async function cluster(members: 1 | 3): Promise<EtcdCluster> {
  const c = await startEtcd({ members });
  clusters.push(c);
  return c;
}

async function proxyTo(c: EtcdCluster): Promise<TcpProxy> {
  const member = c.members[0];
  assert.ok(member);
  const proxy = await TcpProxy.start("127.0.0.1", member.clientPort);
  proxies.push(proxy);
  return proxy;
}

function clientOf(c: EtcdCluster): Etcd3 {
  const client = new Etcd3({ hosts: c.hosts });
  clients.push(client);
  return client;
}

/** Waits until etcd itself has deleted `node`'s heartbeat (its lease expired). */
async function leaseGone(c: EtcdCluster, node: string, timeoutMs = 15_000): Promise<void> {
  const client = clientOf(c);
  await waitFor(async () => (await client.get(`/monitor/heartbeat/${node}`).string()) === null, {
    timeoutMs,
    message: `heartbeat of ${node} still in etcd`,
  });
}

/** Observes for `ms` that nothing matching `pattern` is printed (absence needs a window). */
async function assertNothingFor(proc: { stdout: string[] }, pattern: RegExp, ms: number): Promise<void> {
  const from = proc.stdout.length;
  await new Promise((r) => setTimeout(r, ms));
  const hits = proc.stdout.slice(from).filter((l) => pattern.test(l));
  assert.deepEqual(hits, [], `unexpected lines within ${ms} ms`);
}

after(async () => {
  await stopAll();
  for (const p of proxies) await p.stop();
  for (const c of clients) c.close();
  for (const c of clusters) await c.stop();
});

describe("single etcd member", () => {
  test("1. kill -9 agent -> exactly one DEAD within TTL + 1 s", async () => {
    const c = await cluster(1);
    const server = await startServer(c.endpoints);
    const agent = await startAgent("crash-1", c.endpoints, ["--ttl", "5"]);
    await server.waitForLine(aliveLine("crash-1"));
    const killedAt = Date.now();
    await agent.kill("SIGKILL");
    const dead = await server.waitForLine(deadLine("crash-1"), { timeoutMs: 15_000 });
    assert.ok(dead.at - killedAt <= 6000, `DEAD after ${dead.at - killedAt} ms`);
    await assertNothingFor(server, /crash-1/, 1000);
    assert.equal(linesMatching(server, deadLine("crash-1")).length, 1);
  });

  test("2. --leave-on-exit agent stopped -> LEFT in milliseconds, never DEAD", async () => {
    const c = await cluster(1);
    const server = await startServer(c.endpoints);
    const agent = await startAgent("leaver", c.endpoints, ["--leave-on-exit"]);
    await server.waitForLine(aliveLine("leaver"));
    const stoppedAt = Date.now();
    await agent.kill("SIGTERM");
    const left = await server.waitForLine("[-] Node leaver LEFT (graceful shutdown)", { timeoutMs: 5000 });
    assert.ok(left.at - stoppedAt < 3000, `LEFT after ${left.at - stoppedAt} ms`);
    await assertNothingFor(server, deadLine("leaver"), 6000); // longer than the TTL
  });

  test("4. restarting the only etcd member (down ~3 s) -> no false DEAD", async () => {
    const c = await cluster(1);
    const server = await startServer(c.endpoints);
    const agents = await Promise.all(["r-1", "r-2"].map((n) => startAgent(n, c.endpoints, ["--ttl", "5"])));
    for (const a of ["r-1", "r-2"]) await server.waitForLine(aliveLine(a));
    const member = c.members[0];
    assert.ok(member);
    await member.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 3000));
    await member.start();
    await server.waitForLine(/Connection to etcd restored/, { timeoutMs: 15_000 });
    await assertNothingFor(server, /is DEAD|LEFT/, 8000);
    for (const a of agents) assert.ok(a.running);
  });

  test("5. manager restarted while one agent dies and another starts -> one DEAD, one ALIVE", async () => {
    const c = await cluster(1);
    let server = await startServer(c.endpoints);
    const stays = await startAgent("m-stays", c.endpoints, ["--ttl", "3"]);
    const dies = await startAgent("m-dies", c.endpoints, ["--ttl", "3"]);
    for (const a of ["m-stays", "m-dies"]) await server.waitForLine(aliveLine(a));
    await server.stop();

    await dies.kill("SIGKILL");
    await startAgent("m-new", c.endpoints, ["--ttl", "3"]);
    await leaseGone(c, "m-dies");

    server = await startServer(c.endpoints);
    await server.waitForLine("[-] Node m-dies is DEAD (TTL expired while the manager was down)");
    await server.waitForLine("[+] Node m-new is ALIVE");
    await server.waitForLine(/^\[=\] Node m-stays: ALIVE since/);
    await assertNothingFor(server, /m-stays/, 4000);
    assert.equal(linesMatching(server, deadLine("m-dies")).length, 1);
    assert.equal(linesMatching(server, aliveLine("m-new")).length, 1);
    assert.equal(linesMatching(server, /m-stays/).length, 1, "the node that stayed is only listed");
    assert.ok(stays.running);

    // Restarting again reports nothing new: the registry remembers what was already said.
    await server.stop();
    server = await startServer(c.endpoints);
    await server.waitForLine(/^\[=\] Node m-dies: DEAD since/);
    await assertNothingFor(server, /is DEAD|is ALIVE/, 2000);
  });

  test("6. agent<->etcd link cut: shorter than TTL -> nothing; longer -> DEAD, then the same process recovers", async () => {
    const c = await cluster(1);
    const server = await startServer(c.endpoints);
    const proxy = await proxyTo(c);
    const agent = await startAgent("cut-agent", proxy.endpoint, ["--ttl", "4"]);
    await server.waitForLine(aliveLine("cut-agent"));

    proxy.cut("blackhole");
    await new Promise((r) => setTimeout(r, 2000));
    proxy.restore();
    await assertNothingFor(server, /cut-agent/, 5000);

    proxy.cut("blackhole");
    await server.waitForLine(deadLine("cut-agent"), { timeoutMs: 10_000 });
    proxy.restore();
    await server.waitForLine("[+] Node cut-agent is ALIVE (recovered)", { timeoutMs: 20_000 });
    assert.ok(agent.running, "the same agent process came back");
    await agent.waitForLine(/^\[Heartbeat\] New lease \d+ granted/);
    assert.equal(linesMatching(server, deadLine("cut-agent")).length, 1);
  });

  test("7. manager<->etcd link cut for 2xTTL while a node dies -> no false DEAD; the death is reported after", async () => {
    const c = await cluster(1);
    const proxy = await proxyTo(c);
    const server = await startServer(proxy.endpoint);
    const names = ["p-1", "p-2", "p-dies"];
    const agents = await Promise.all(names.map((n) => startAgent(n, c.endpoints, ["--ttl", "3"])));
    for (const n of names) await server.waitForLine(aliveLine(n));

    proxy.cut("blackhole");
    await agents[2]?.kill("SIGKILL");
    await leaseGone(c, "p-dies");
    await new Promise((r) => setTimeout(r, 3000)); // 2 x TTL in all
    assert.deepEqual(linesMatching(server, /is DEAD/), [], "nothing declared while cut off");
    proxy.restore();

    await server.waitForLine(deadLine("p-dies"), { timeoutMs: 20_000 });
    await assertNothingFor(server, /p-1|p-2/, 2000);
    assert.equal(linesMatching(server, /is DEAD/).length, 1);
  });

  test("8. thousands of config writes while the agent's watch reconnects -> it ends on the last config", async () => {
    const c = await cluster(1);
    const proxy = await proxyTo(c);
    const agent = await startAgent("storm", proxy.endpoint, ["--ttl", "5"]);
    await agent.waitForLine(/^\[Config\] Loaded/);
    const client = clientOf(c);
    const writes = 3000;
    let last = 0;
    for (let i = 1; i <= writes; i++) {
      const interval = (i % 3600) + 1;
      const res = await client.put("/monitor/config/storm").value(JSON.stringify({ interval }));
      last = Number(res.header.revision);
      if (i % 750 === 0) {
        proxy.cut("reset");
        setTimeout(() => proxy.restore(), 300);
      }
    }
    const finalInterval = (writes % 3600) + 1;
    await agent.waitForLine(
      `[Config] Updated successfully: interval=${finalInterval}s, metrics=[cpu, memory]`,
      {
        timeoutMs: 30_000,
      },
    );
    // The acknowledgement in the heartbeat names the last revision written.
    await waitFor(
      async () => {
        const hb = JSON.parse((await client.get("/monitor/heartbeat/storm").string()) ?? "{}");
        return hb.config?.nodeRevision === last && hb.config?.interval === finalInterval;
      },
      { timeoutMs: 10_000, message: "heartbeat ack of the last config revision" },
    );
  });

  test("9. history compacted past the manager's revision while it is cut off -> re-list, correct view", async () => {
    const c = await cluster(1);
    const proxy = await proxyTo(c);
    const server = await startServer(proxy.endpoint);
    const stays = await startAgent("k-stays", c.endpoints, ["--ttl", "3"]);
    const dies = await startAgent("k-dies", c.endpoints, ["--ttl", "3"]);
    for (const n of ["k-stays", "k-dies"]) await server.waitForLine(aliveLine(n));

    proxy.cut("blackhole");
    await dies.kill("SIGKILL");
    await startAgent("k-new", c.endpoints, ["--ttl", "3"]);
    await leaseGone(c, "k-dies");
    const client = clientOf(c);
    for (let i = 0; i < 50; i++) await client.put("/bench/filler").value(String(i));
    await c.compact();
    proxy.restore();

    await server.waitForLine(/^\[-\] Node k-dies is DEAD/, { timeoutMs: 20_000 });
    await server.waitForLine(aliveLine("k-new"), { timeoutMs: 10_000 });
    await assertNothingFor(server, /k-stays/, 2000);
    const at = server.stdout.length;
    server.write("nodes");
    await server.waitForLine(/^k-stays\s+ALIVE/, { after: at });
    await server.waitForLine(/^k-dies\s+DEAD/, { after: at });
    await server.waitForLine(/^k-new\s+ALIVE/, { after: at });
    assert.ok(stays.running);
  });
  test("10. manager's watch reset, history compacted before it reconnects -> re-list once, and later events are still seen", async () => {
    const c = await cluster(1);
    const proxy = await proxyTo(c);
    const server = await startServer(proxy.endpoint);
    const dies = await startAgent("z-dies", c.endpoints, ["--ttl", "3"]);
    await server.waitForLine(aliveLine("z-dies"));

    // A reset (not a blackhole): the watch stream breaks at once and reconnects on restore
    // from a revision that is compacted by then, so etcd cancels the re-created watch.
    proxy.cut("reset");
    await dies.kill("SIGKILL");
    await leaseGone(c, "z-dies");
    const client = clientOf(c);
    for (let i = 0; i < 50; i++) await client.put("/bench/filler").value(String(i));
    await c.compact();
    proxy.restore();

    await server.waitForLine(/^\[-\] Node z-dies is DEAD/, { timeoutMs: 20_000 });
    // The re-list must end in a running watch: a node that starts afterwards is seen.
    await startAgent("z-after", c.endpoints, ["--ttl", "3"]);
    await server.waitForLine(aliveLine("z-after"), { timeoutMs: 10_000 });
  });

  test("11. agent's config watches reset, history compacted before they reconnect -> a later config still applies", async () => {
    const c = await cluster(1);
    const proxy = await proxyTo(c);
    const agent = await startAgent("z-conf", proxy.endpoint, ["--ttl", "5", "--log-level", "info"]);
    await agent.waitForLine(/^\[Config\] Loaded/);

    proxy.cut("reset");
    const client = clientOf(c);
    for (let i = 0; i < 50; i++) await client.put("/bench/filler").value(String(i));
    await c.compact();
    proxy.restore();
    // The watches reconnect, etcd cancels them (compacted) and the agent re-lists.
    await agent.waitForLine(/config watch re-listing/, { stream: "stderr", timeoutMs: 15_000 });

    await client.put("/monitor/config/z-conf").value(JSON.stringify({ interval: 7 }));
    await agent.waitForLine("[Config] Updated successfully: interval=7s, metrics=[cpu, memory]", {
      timeoutMs: 10_000,
    });
  });
});

describe("3-member etcd cluster", () => {
  test("12. the manager's only member loses its peers -> it says it lost etcd instead of silently missing events", async () => {
    const c = await cluster(3);
    const [own, ...others] = c.members;
    assert.ok(own);
    const server = await startServer(own.endpoint);
    await startAgent("q-1", c.endpoints, ["--ttl", "5"]);
    await server.waitForLine(aliveLine("q-1"));

    // Without a quorum the remaining member has no leader and can serve no event.
    for (const m of others) await m.kill("SIGKILL");
    await server.waitForLine(/^\[!\] Lost connection to etcd/, { timeoutMs: 20_000 });
    for (const m of others) await m.start();
    await server.waitForLine(/^\[!\] Connection to etcd restored/, { timeoutMs: 30_000 });
    await assertNothingFor(server, /is DEAD/, 3000);
  });

  test("3. killing the etcd leader -> zero DEAD, zero missed transitions; a later death is still reported", async () => {
    const c = await cluster(3);
    const server = await startServer(c.endpoints);
    const names = ["f-1", "f-2", "f-3"];
    const agents = await Promise.all(names.map((n) => startAgent(n, c.endpoints, ["--ttl", "5"])));
    for (const n of names) await server.waitForLine(aliveLine(n));

    const leader = await c.leader();
    await leader.kill("SIGKILL");
    const newLeader = await c.leader();
    assert.notEqual(newLeader.name, leader.name);
    await assertNothingFor(server, /is DEAD|LEFT/, 7000);

    // A node joining and one dying after failover are both seen.
    await startAgent("f-late", c.endpoints, ["--ttl", "5"]);
    await server.waitForLine(aliveLine("f-late"));
    const killedAt = Date.now();
    await agents[0]?.kill("SIGKILL");
    const dead = await server.waitForLine(deadLine("f-1"), { timeoutMs: 15_000 });
    assert.ok(dead.at - killedAt <= 7000, `DEAD after ${dead.at - killedAt} ms`);
    assert.equal(linesMatching(server, /is DEAD/).length, 1);
  });
});
