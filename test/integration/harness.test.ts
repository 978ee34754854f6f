// Self-test of the integration harness: if these fail, every other integration test is suspect.
// Everything runs against real etcd processes on loopback.
import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { test } from "node:test";
import { noop } from "cockatiel";
import { Etcd3 } from "etcd3";
import { FLEETWATCH_BIN, freePort, spawnProcess, startEtcd, TcpProxy, waitFor } from "./harness/index.ts";

/**
 * A client whose failures show immediately: no retries, no circuit breaker (it would keep a host
 * "open" for seconds after restore()), and fast reconnects so recovery is measured, not grpc backoff.
 */
function client(hosts: string | string[]): Etcd3 {
  return new Etcd3({
    hosts,
    dialTimeout: 1000,
    grpcOptions: {
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 500,
    },
    faultHandling: { host: () => noop, global: noop },
  });
}

const deadline = (ms: number) => ({ deadline: Date.now() + ms });

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("freePort hands out distinct, bindable loopback ports", async () => {
  const ports = [];
  for (let i = 0; i < 20; i++) ports.push(await freePort());
  assert.equal(new Set(ports).size, ports.length);
  for (const port of ports) assert.ok(port > 0 && port < 65536, `port ${port}`);
});

test("single member: starts, serves put/get, compacts, and stop() leaves nothing behind", async (t) => {
  const etcd = await startEtcd({ members: 1 });
  t.after(() => etcd.stop());
  const c = client(etcd.hosts);
  t.after(() => c.close());

  const member = etcd.members[0];
  assert.ok(member);
  assert.match(etcd.endpoints, /^127\.0\.0\.1:\d+$/);
  assert.equal(etcd.endpoints, member.endpoint);
  assert.ok(member.running && member.pid !== undefined);

  const first = await c.put("/harness/k").value("v1").exec();
  await c.put("/harness/k").value("v2").exec();
  assert.equal(await c.get("/harness/k").string(), "v2");

  const compactedAt = await etcd.compact();
  assert.ok(compactedAt > Number(first.header.revision));
  // History before the compaction revision is gone: reading the first version must fail.
  await assert.rejects(c.get("/harness/k").revision(first.header.revision).string(), /compacted/);

  const pid = member.pid;
  await etcd.stop();
  assert.equal(member.running, false);
  assert.equal(isAlive(pid), false, "etcd process still alive after stop()");
  assert.equal(existsSync(etcd.dir), false, "data folder still present after stop()");
});

test("three members: leader failover on SIGKILL, writes continue, restarted member rejoins", async (t) => {
  const etcd = await startEtcd({ members: 3 });
  t.after(() => etcd.stop());
  assert.equal(etcd.endpoints.split(",").length, 3);
  assert.equal(new Set(etcd.members.flatMap((m) => [m.clientPort, m.peerPort])).size, 6);

  const all = client(etcd.hosts);
  t.after(() => all.close());
  await all.put("/harness/before").value("1").exec();

  const oldLeader = await etcd.leader();
  assert.ok(etcd.members.includes(oldLeader));
  await oldLeader.kill("SIGKILL");
  assert.equal(oldLeader.running, false);

  const newLeader = await etcd.leader(10_000);
  assert.notEqual(newLeader.name, oldLeader.name);
  assert.ok(newLeader.running);

  const survivors = client(etcd.members.filter((m) => m.running).map((m) => m.url));
  t.after(() => survivors.close());
  await survivors.put("/harness/after").value("2").options(deadline(5000)).exec();
  assert.equal(await survivors.get("/harness/before").string(), "1");

  await oldLeader.start();
  assert.ok(oldLeader.running);
  // The restarted member must have caught up on the write it missed while down.
  const rejoined = client(oldLeader.url);
  t.after(() => rejoined.close());
  assert.equal(await rejoined.get("/harness/after").options(deadline(5000)).string(), "2");
});

test("TcpProxy: forwards, cut('reset') fails requests, restore() recovers", async (t) => {
  const etcd = await startEtcd({ members: 1 });
  t.after(() => etcd.stop());
  const member = etcd.members[0];
  assert.ok(member);
  const proxy = await TcpProxy.start("127.0.0.1", member.clientPort);
  t.after(() => proxy.stop());
  assert.match(proxy.endpoint, /^127\.0\.0\.1:\d+$/);
  assert.notEqual(proxy.port, member.clientPort);

  const c = client(proxy.url);
  t.after(() => c.close());
  await c.put("/harness/p").value("through-proxy").exec();
  assert.equal(await c.get("/harness/p").string(), "through-proxy");
  assert.ok(proxy.connections >= 1);

  proxy.cut("reset");
  await assert.rejects(c.get("/harness/p").options(deadline(1000)).string());
  assert.equal(proxy.connections, 0);

  proxy.restore();
  await waitFor(async () => (await c.get("/harness/p").options(deadline(500)).string()) === "through-proxy", {
    timeoutMs: 5000,
    message: "a get through the restored proxy",
  });
});

test("TcpProxy: cut('blackhole') hangs requests without closing, restore() recovers", async (t) => {
  const etcd = await startEtcd({ members: 1 });
  t.after(() => etcd.stop());
  const member = etcd.members[0];
  assert.ok(member);
  const proxy = await TcpProxy.start("127.0.0.1", member.clientPort);
  t.after(() => proxy.stop());
  const c = client(proxy.url);
  t.after(() => c.close());
  await c.put("/harness/b").value("x").exec();

  proxy.cut("blackhole");
  const started = Date.now();
  await assert.rejects(c.get("/harness/b").options(deadline(500)).string(), /deadline/i);
  // A silent partition: the request ran into its deadline rather than failing fast.
  assert.ok(Date.now() - started >= 400, `failed after ${Date.now() - started} ms, expected a timeout`);
  assert.ok(proxy.connections >= 1, "blackhole must not close connections");

  proxy.restore();
  await waitFor(async () => (await c.get("/harness/b").options(deadline(500)).string()) === "x", {
    timeoutMs: 5000,
    message: "a get through the restored proxy",
  });
});

test("TcpProxy: delay(200) adds measurable latency, restore() removes it", async (t) => {
  const etcd = await startEtcd({ members: 1 });
  t.after(() => etcd.stop());
  const member = etcd.members[0];
  assert.ok(member);
  const proxy = await TcpProxy.start("127.0.0.1", member.clientPort);
  t.after(() => proxy.stop());
  const c = client(proxy.url);
  t.after(() => c.close());
  await c.put("/harness/d").value("slow").exec(); // connection established before measuring

  const roundTrip = async () => {
    const started = performance.now();
    assert.equal(await c.get("/harness/d").options(deadline(5000)).string(), "slow");
    return performance.now() - started;
  };

  proxy.delay(200);
  const slow = await roundTrip();
  assert.ok(slow >= 150 && slow < 3000, `round trip with delay(200) took ${slow.toFixed(0)} ms`);

  proxy.restore();
  const fast = await roundTrip();
  assert.ok(fast < 150, `round trip after restore() took ${fast.toFixed(0)} ms`);
});

test("spawnProcess: waitForLine, write, count, exit and timeout errors", async (t) => {
  const hello = spawnProcess(process.execPath, [
    "-e",
    "console.log('hello'); setTimeout(() => console.log('world'), 100)",
  ]);
  t.after(() => hello.stop());
  const world = await hello.waitForLine("world", { timeoutMs: 5000 });
  assert.equal(world.index, 1);
  assert.equal(world.line, "world");
  assert.ok(world.at <= Date.now());
  assert.equal(hello.stdout[0], "hello");
  assert.equal(hello.count(/^(hello|world)$/), 2);
  assert.deepEqual(await hello.exited, { code: 0, signal: null });
  // The process has exited without printing it: reject at once, showing what it did print.
  await assert.rejects(hello.waitForLine("never", { timeoutMs: 5000 }), /exited \(code 0[\s\S]*hello/);

  const echo = spawnProcess(
    process.execPath,
    ["-e", "process.stdin.on('data', (d) => console.log('got ' + String(d).trim()))"],
    { name: "echo" },
  );
  t.after(() => echo.stop());
  echo.write("ping");
  const got = await echo.waitForLine(/^got ping$/, { timeoutMs: 5000 });
  echo.write("pong");
  await echo.waitForLine("got pong", { timeoutMs: 5000, after: got.index + 1 });
  await assert.rejects(
    echo.waitForLine("nothing", { timeoutMs: 200 }),
    /echo .*within 200 ms[\s\S]*got ping/,
  );
  assert.equal((await echo.stop()).signal, "SIGTERM");

  // spawnFleetwatch resolves bin/fleetwatch from the repo root, wherever the checkout lives.
  assert.ok(statSync(FLEETWATCH_BIN).isFile(), FLEETWATCH_BIN);
});
