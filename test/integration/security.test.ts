// etcd over TLS with client certificates and fleetwatch's RBAC roles, against a real etcd:
// a node's certificate may write only its own heartbeat and metrics and read only its own
// config and the fleet default; the manager's certificate can do its job; refusals are clear.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EtcdPermissionDeniedError } from "etcd3";
import { parseEndpoints } from "../../src/shared/endpoints.ts";
import { createEtcdClient } from "../../src/shared/etcd.ts";
import { startTlsEtcd, type TlsEtcd } from "./harness/etcd-tls.ts";
import { spawnFleetwatch } from "./harness/index.ts";

describe("etcd TLS + RBAC", { timeout: 120_000 }, () => {
  let etcd: TlsEtcd;
  const clients: { close(): void }[] = [];
  const clientAs = (user: string) => {
    const client = createEtcdClient({ endpoints: parseEndpoints(etcd.endpoint), tls: etcd.tlsFor(user) });
    clients.push(client);
    return client;
  };
  const setup = async (user: string, nodes: string) => {
    const ctl = spawnFleetwatch([
      "ctl",
      "auth",
      "setup",
      "--etcd",
      etcd.endpoint,
      ...etcd.flagsFor(user),
      "--nodes",
      nodes,
    ]);
    const exit = await ctl.exited;
    return { exit, out: ctl.stdout.join("\n"), err: ctl.stderr.join("\n") };
  };

  before(async () => {
    etcd = await startTlsEtcd();
  });
  after(async () => {
    for (const c of clients) c.close();
    await etcd?.stop();
  });

  it("ctl auth setup creates users and roles, enables auth, and can run again", async () => {
    const first = await setup("root", "node-1,node-2");
    assert.equal(first.exit.code, 0, `${first.out}\n${first.err}`);
    assert.match(first.out, /created user node-1/);
    assert.match(
      first.out,
      /node-1: write \/monitor\/heartbeat\/node-1, write \/monitor\/metrics\/node-1, read \/monitor\/config\/node-1, read \/monitor\/config\/_default/,
    );
    assert.match(first.out, /auth enabled/);

    // Twice is fine, and nodes can be added once auth is on (with the root certificate).
    const again = await setup("root", "node-1,node-2,node-3");
    assert.equal(again.exit.code, 0, `${again.out}\n${again.err}`);
    assert.doesNotMatch(again.out, /created user node-1/);
    assert.match(again.out, /created user node-3/);
  });

  it("refuses to change users and roles without the root certificate, saying which one to use", async () => {
    const r = await setup("fleetwatch-manager", "node-4");
    assert.equal(r.exit.code, 1);
    assert.match(r.err, /etcd denied changing users and roles.*root certificate/);
  });

  it("node-1's certificate writes its own heartbeat and metrics, reads its config, and nothing else", async () => {
    const node1 = clientAs("node-1");
    await node1.put("/monitor/heartbeat/node-1").value('{"status":"alive","ts":1}');
    await node1.put("/monitor/metrics/node-1").value("{}");
    await node1.get("/monitor/config/node-1").string();
    await node1.get("/monitor/config/_default").string();

    const denied = async (what: string, op: () => Promise<unknown>) =>
      assert.rejects(op, EtcdPermissionDeniedError, `${what} should be denied`);
    await denied("writing node-2's heartbeat", () =>
      node1.put("/monitor/heartbeat/node-2").value("{}").exec(),
    );
    await denied("writing node-2's metrics", () => node1.put("/monitor/metrics/node-2").value("{}").exec());
    await denied("writing its own config", () => node1.put("/monitor/config/node-1").value("{}").exec());
    await denied("writing the fleet default", () => node1.put("/monitor/config/_default").value("{}").exec());
    await denied("reading node-2's config", () => node1.get("/monitor/config/node-2").string());
    await denied("reading other heartbeats", () => node1.getAll().prefix("/monitor/heartbeat/").keys());
    await denied("deleting node-2's heartbeat", () => node1.delete().key("/monitor/heartbeat/node-2").exec());

    // The manager's certificate may read and write everything under /monitor/ ...
    const manager = clientAs("fleetwatch-manager");
    await manager.put("/monitor/config/node-1").value('{"interval":5}');
    assert.deepEqual(await manager.getAll().prefix("/monitor/heartbeat/").keys(), [
      "/monitor/heartbeat/node-1",
    ]);
    await manager.delete().key("/monitor/heartbeat/node-1");
    await manager.delete().key("/monitor/metrics/node-1");
    // ... but nothing outside it.
    await assert.rejects(() => manager.put("/other").value("x").exec(), EtcdPermissionDeniedError);
  });

  it("an agent with its own certificate stays ALIVE in a manager running with the manager's certificate", async () => {
    const server = spawnFleetwatch([
      "server",
      // No HTTP: its default port is shared with every other server on this machine.
      "--http",
      "off",
      "--etcd",
      etcd.endpoint,
      ...etcd.flagsFor("fleetwatch-manager"),
    ]);
    const agent = spawnFleetwatch([
      "agent",
      "--name",
      "node-1",
      "--ttl",
      "2",
      "--etcd",
      etcd.endpoint,
      ...etcd.flagsFor("node-1"),
    ]);
    try {
      await server.waitForLine("Server started", { timeoutMs: 15_000 });
      await agent.waitForLine(/\[Config\]/, { timeoutMs: 15_000 });
      await server.waitForLine("[+] Node node-1 is ALIVE", { timeoutMs: 15_000 });
      // Several TTLs later it is still alive: keepalives, metrics and the config ack all pass RBAC.
      await new Promise((r) => setTimeout(r, 4500));
      assert.equal(agent.running, true, agent.tail());
      assert.equal(server.count(/Node node-1 is DEAD/), 0, server.tail());
      assert.equal(agent.count(/permission denied|retrying|Waiting/i), 0, agent.tail());
    } finally {
      await agent.stop();
      await server.stop();
    }
  });

  it("an agent named node-2 with node-1's certificate stops with a clear permission message", async () => {
    const agent = spawnFleetwatch([
      "agent",
      "--name",
      "node-2",
      "--etcd",
      etcd.endpoint,
      ...etcd.flagsFor("node-1"),
    ]);
    const exit = await Promise.race([
      agent.exited,
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15_000).unref()),
    ]);
    if (exit === "timeout") {
      await agent.stop();
      assert.fail(`the agent kept running:\n${agent.tail()}`);
    }
    assert.equal(exit.code, 1, agent.tail());
    const message = agent.stderr.join("\n");
    assert.match(
      message,
      /etcd denied etcd user "node-1" \(the common name of --etcd-cert\) writing \/monitor\/heartbeat\/node-2 \(permission denied\); .*--name node-1.*ctl certs issue node-2/,
    );
  });

  it("reports a missing certificate file by flag and path", async () => {
    const agent = spawnFleetwatch([
      "agent",
      "--etcd",
      etcd.endpoint,
      "--etcd-ca",
      "/nonexistent/ca.crt",
      "--etcd-cert",
      "/nonexistent/node.crt",
      "--etcd-key",
      "/nonexistent/node.key",
    ]);
    const exit = await agent.exited;
    assert.equal(exit.code, 1);
    assert.match(
      agent.stderr.join("\n"),
      /--etcd-ca \/nonexistent\/ca.crt: cannot read the file \(no such file\)/,
    );

    const half = spawnFleetwatch(["agent", "--etcd", etcd.endpoint, "--etcd-cert", "/x.crt"]);
    assert.equal((await half.exited).code, 1);
    assert.match(half.stderr.join("\n"), /--etcd-cert needs --etcd-key/);
  });
});
