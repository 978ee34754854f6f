// Issue 11's reproductions, each a named test against real etcd and real processes: one
// bad value in etcd must not stop the manager or hide a node, and no stored string may
// drive the terminal. Every value that does not decode is reported once and counted.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Etcd3 } from "etcd3";
import { hasControl } from "../../src/shared/escape.ts";
import { runCtl, startAgent, started, startServer, stopAll } from "./fleet.ts";
import {
  type EtcdCluster,
  type FleetwatchProcess,
  freePort,
  spawnFleetwatch,
  startEtcd,
  waitFor,
} from "./harness/index.ts";
import { deadRegistryEntry } from "./harness/registry-entry.ts";
import { apiClient } from "./http/client.ts";

const ESC = "\u001b";
const FAKE_DEAD = `${ESC}[31m[-] Node web-1 is DEAD (TTL expired)${ESC}[0m`;

/** A server with HTTP on a free port; returns it and its API client. */
async function startHttpServer(etcd: EtcdCluster, name: string) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawnFleetwatch(["server", "--etcd", etcd.endpoints, "--http", `127.0.0.1:${port}`], {
    name,
  });
  started.push(server);
  await server.waitForLine(`[HTTP] Dashboard at ${base}/`, { timeoutMs: 15_000 });
  return { server, call: apiClient(base) };
}

function assertNoControl(proc: FleetwatchProcess): void {
  for (const line of [...proc.stdout, ...proc.stderr]) {
    assert.equal(hasControl(line), false, `raw control character in a line: ${JSON.stringify(line)}`);
  }
}

const goodAck = { nodeRevision: 0, defaultRevision: 0, interval: 10, metrics: ["cpu", "memory"] };

describe("hardening: one bad value cannot stop the manager or hide a node (issue 11)", () => {
  let etcd: EtcdCluster;
  let client: Etcd3;
  let server: FleetwatchProcess;
  let call: ReturnType<typeof apiClient>;
  let quiet: FleetwatchProcess; // --http off: the console's `nodes` is the only view

  before(async () => {
    etcd = await startEtcd({ members: 1 });
    client = new Etcd3({ hosts: etcd.hosts });
    ({ server, call } = await startHttpServer(etcd, "server"));
    quiet = await startServer(etcd.endpoints);
    await startAgent("good-1", etcd.endpoints, ["--ttl", "3"]);
    await server.waitForLine("[+] Node good-1 is ALIVE");
  });

  after(async () => {
    await stopAll();
    client?.close();
    await etcd?.stop();
  });

  test("a heartbeat whose config ack has wrong types does not kill the manager", async () => {
    // A first value with a good ack, then a bad one: the ack-line path sees a change.
    await client
      .put("/monitor/heartbeat/evil2")
      .value(JSON.stringify({ status: "alive", ts: 1, config: goodAck }));
    await server.waitForLine("[+] Node evil2 is ALIVE");
    await client.put("/monitor/heartbeat/evil").value('{"status":"alive","ts":1,"config":{"metrics":5}}');
    await client
      .put("/monitor/heartbeat/evil2")
      .value(
        '{"status":"alive","ts":2,"config":{"nodeRevision":"x","defaultRevision":0,"interval":5,"metrics":"cpu"}}',
      );
    await server.waitForLine(
      /^\[!\] Ignoring heartbeat value at \/monitor\/heartbeat\/evil \(revision \d+\): config\./,
    );
    await server.waitForLine(/^\[!\] Ignoring heartbeat value at \/monitor\/heartbeat\/evil2/);
    // Past the fleet view's flush timer and the ack burst (150 ms): still running and serving.
    await server.waitForLine("[+] Node evil is ALIVE");
    const nodes = await call("GET", "/api/nodes");
    assert.equal(nodes.status, 200);
    const evil = nodes.json.nodes.find((n: { node: string }) => n.node === "evil");
    assert.equal(evil.state, "ALIVE", "the key exists: the node is ALIVE, its details unknown");
    assert.equal(evil.applied, null);
    assert.equal((await call("GET", "/readyz")).status, 200);
    const metrics = await call("GET", "/metrics");
    assert.match(metrics.text, /fleetwatch_invalid_values_total\{kind="heartbeat"\} [1-9]/);
    // --http off: the console's `nodes` prints the table instead of dying.
    const mark = quiet.stdout.length;
    quiet.write("nodes");
    await quiet.waitForLine(/^evil\s+ALIVE/, { after: mark });
    assert.ok(quiet.running && server.running, "both managers still run");
    const ctl = await runCtl(etcd.endpoints, "nodes");
    assert.equal(ctl.code, 0, ctl.stderr.join("\n"));
    assert.match(ctl.stdout, /good-1\s+ALIVE/);
    assert.ok(ctl.stderr.some((l) => l.includes("Ignoring heartbeat value at /monitor/heartbeat/evil")));
    // Reported once, not per re-list or scrape.
    await call("GET", "/metrics");
    assert.equal(server.count(/Ignoring heartbeat value at \/monitor\/heartbeat\/evil /), 1);
    await client.delete().key("/monitor/heartbeat/evil").exec();
    await client.delete().key("/monitor/heartbeat/evil2").exec();
  });

  test("a registry entry with an out-of-range date leaves the manager ready and every other node listed", async () => {
    const entry = (node: string, since: number) => deadRegistryEntry(node, since, 1);
    await client.put("/monitor/nodes/ancient").value(entry("ancient", 1e300));
    // More than 50 nodes: the start-up summary path (and the dashboard's big-fleet path).
    for (let i = 0; i < 55; i++)
      await client.put(`/monitor/nodes/old-${i}`).value(entry(`old-${i}`, 1_700_000_000_000));
    const restarted = await startHttpServer(etcd, "restarted");
    await restarted.server.waitForLine(/^\[!\] Ignoring registry value at \/monitor\/nodes\/ancient .*since/);
    await waitFor(async () => (await restarted.call("GET", "/readyz")).status === 200, {
      timeoutMs: 20_000,
      message: "/readyz 200 with a bad registry entry",
    });
    const nodes = (await restarted.call("GET", "/api/nodes")).json.nodes as { node: string }[];
    assert.ok(nodes.length >= 56, `every decodable node listed (${nodes.length})`);
    assert.ok(!nodes.some((n) => n.node === "ancient"));
    assert.equal(restarted.server.count(/Cannot reach etcd/), 0);
    await restarted.server.stop();
  });

  test("ANSI escapes in ack reasons, config field names and show never reach a console raw", async () => {
    const agent = await startAgent("ansi-a", etcd.endpoints, ["--ttl", "3"]);
    await server.waitForLine("[+] Node ansi-a is ALIVE");
    // The manager prints ack changes: wait until it has the agent's first ack.
    await waitFor(
      async () => ((await client.get("/monitor/heartbeat/ansi-a").string()) ?? "").includes('"config"'),
      {
        message: "ansi-a's first config ack",
      },
    );
    await client.put("/monitor/config/ansi-a").value(JSON.stringify({ [FAKE_DEAD]: 1 }));
    await agent.waitForLine(/^\[Config\] Rejected \/monitor\/config\/ansi-a .*\\x1b\[31m/);
    await server.waitForLine(/^\[Config\] Node ansi-a rejected \/monitor\/config\/ansi-a .*\\x1b\[31m/);
    // A forged ack reason straight into a heartbeat, newline included.
    const forged = { ...goodAck, rejected: { key: "k", revision: 1, reason: `x\n${FAKE_DEAD}` } };
    await client
      .put("/monitor/heartbeat/ansi-b")
      .value(JSON.stringify({ status: "alive", ts: 1, config: goodAck }));
    await server.waitForLine("[+] Node ansi-b is ALIVE");
    await client
      .put("/monitor/heartbeat/ansi-b")
      .value(JSON.stringify({ status: "alive", ts: 2, config: forged }));
    await server.waitForLine(/^\[Config\] Node ansi-b rejected k .*x\\x0a\\x1b/);
    const mark = quiet.stdout.length;
    quiet.write("show ansi-a");
    await quiet.waitForLine(/INVALID \(revision \d+\)/, { after: mark });
    quiet.write("nodes");
    await quiet.waitForLine(/^ansi-b\s+ALIVE/, { after: mark });
    const show = await runCtl(etcd.endpoints, "config", "get", "ansi-a");
    assert.match(show.stdout, /\\x1b|\\u001b/);
    for (const proc of [server, quiet, agent]) assertNoControl(proc);
    assert.equal(hasControl(show.stdout), false);
    assert.equal(server.count(/^\[-\] Node web-1/), 0, "no forged line");
    await client.delete().key("/monitor/heartbeat/ansi-b").exec();
  });

  test("a live agent whose heartbeat key is deleted puts it back", async () => {
    const agent = await startAgent("phoenix", etcd.endpoints, ["--ttl", "3"]);
    const alive = await server.waitForLine("[+] Node phoenix is ALIVE");
    // The agent's own ack write would put the key back by itself: wait until it is done.
    await waitFor(
      async () => ((await client.get("/monitor/heartbeat/phoenix").string()) ?? "").includes('"config"'),
      {
        message: "phoenix's first config ack",
      },
    );
    await client.delete().key("/monitor/heartbeat/phoenix").exec();
    await agent.waitForLine("[Heartbeat] /monitor/heartbeat/phoenix was deleted; put it back");
    await server.waitForLine("[+] Node phoenix is ALIVE (recovered)", { after: alive.index });
    const lease = (await client.get("/monitor/heartbeat/phoenix").exec()).kvs[0]?.lease;
    assert.ok(lease && String(lease) !== "0", "back under the agent's lease");
    // Overwritten off the lease (it would never expire): put back under the lease.
    await client.put("/monitor/heartbeat/phoenix").value('{"status":"alive","ts":1}');
    await agent.waitForLine(
      "[Heartbeat] /monitor/heartbeat/phoenix was overwritten off this agent's lease; put it back",
    );
    await waitFor(
      async () =>
        String((await client.get("/monitor/heartbeat/phoenix").exec()).kvs[0]?.lease) === String(lease),
      {
        message: "heartbeat back on the agent's lease",
      },
    );
  });

  test("a stray key under config-history does not break later config writes for that node", async () => {
    await client.put("/monitor/config-history/hist-a/zzz").value("junk");
    await client.put("/monitor/config-history/hist-a/9999999999").value("junk");
    await client.put("/monitor/config-history/hist-a/0000000007x").value('{"version":"x"}');
    for (const interval of ["3", "4"]) {
      const set = await runCtl(etcd.endpoints, "config", "set", "hist-a", "--interval", interval);
      assert.equal(set.code, 0, `${set.stdout}\n${set.stderr.join("\n")}`);
    }
    const history = await runCtl(etcd.endpoints, "config", "history", "hist-a");
    assert.equal(history.code, 0, history.stderr.join("\n"));
    assert.match(history.stdout, /v2\b/);
    assert.match(history.stdout, /v1\b/);
    assert.doesNotMatch(history.stdout, /v9999999999/);
  });
});

describe("hardening: a leader key that holds no leader is vacant (issue 11)", () => {
  let etcd: EtcdCluster;
  let client: Etcd3;

  before(async () => {
    etcd = await startEtcd({ members: 1 });
    client = new Etcd3({ hosts: etcd.hosts });
  });

  after(async () => {
    await stopAll();
    client?.close();
    await etcd?.stop();
  });

  test("a non-lease put on /monitor/leader does not leave the managers standing by", async () => {
    await client.put("/monitor/leader").value(JSON.stringify({ id: "ghost", since: 1 }));
    const { server, call } = await startHttpServer(etcd, "leader-a");
    await server.waitForLine("[!] Ignoring leader value at /monitor/leader");
    const leading = await server.waitForLine(/^\[HA\] This manager \((.+)\) is now leading/, {
      timeoutMs: 20_000,
    });
    const id = /\((.+)\)/.exec(leading.line)?.[1] as string;
    const ready = await call("GET", "/readyz");
    assert.equal(ready.status, 200);
    assert.equal(ready.json.leader, id);
    assert.equal(ready.json.leading, true);
    const metrics = await call("GET", "/metrics");
    assert.ok(metrics.text.includes(`fleetwatch_leader_info{leader="${id}"} 1`), "metrics say who leads");
    assert.match(metrics.text, /fleetwatch_invalid_values_total\{kind="leader"\} [1-9]/);
  });

  test("a non-lease put over a live leader's key: the standby takes over and the old leader steps down", async () => {
    await stopAll();
    await client.delete().key("/monitor/leader").exec();
    const first = await startHttpServer(etcd, "leader-1");
    await first.server.waitForLine(/^\[HA\] This manager \(.+\) is now leading/, { timeoutMs: 20_000 });
    const second = await startHttpServer(etcd, "leader-2");
    await second.server.waitForLine(/^\[HA\] Standing by: .+ is leading/);
    await client.put("/monitor/leader").value(JSON.stringify({ id: "ghost", since: 1 }));
    // Exactly one of them leads afterwards, and both say the same one.
    await waitFor(
      async () => {
        const [a, b] = [
          (await first.call("GET", "/readyz")).json,
          (await second.call("GET", "/readyz")).json,
        ];
        return a.leading !== b.leading && a.leader === b.leader && a.leader !== "ghost" && a.leader !== null;
      },
      { timeoutMs: 20_000, message: "one leader, named alike by both managers" },
    );
    const stored = (await client.get("/monitor/leader").exec()).kvs[0];
    assert.ok(stored && String(stored.lease) !== "0", "the leader key is under a lease again");
  });

  test("an undecodable leader record under a live lease is vacant too; a standby says who leads", async () => {
    await stopAll();
    await client.delete().key("/monitor/leader").exec();
    const lease = client.lease(30);
    await lease.put("/monitor/leader").value("not json at all");
    const { server, call } = await startHttpServer(etcd, "leader-b");
    await server.waitForLine(/^\[!\] Ignoring leader value at \/monitor\/leader .*not valid JSON/);
    await server.waitForLine(/^\[HA\] This manager \(.+\) is now leading/, { timeoutMs: 20_000 });
    const standby = await startHttpServer(etcd, "leader-c");
    await standby.server.waitForLine(/^\[HA\] Standing by: .+ is leading/);
    const ready = await standby.call("GET", "/readyz");
    assert.equal(ready.json.leading, false);
    assert.equal(ready.json.leader, (await call("GET", "/readyz")).json.leader);
    await lease.revoke().catch(() => undefined);
  });
});
