// What RBAC does NOT stop, and revocation, against a real `fleetwatch etcd --tls` (the etcd
// installed here, with the CA, CRL and certificates the product makes). docs/security.md
// quotes these results: each check asserts what the connected etcd version does, so the test
// holds on a fixed etcd too (where the same calls must be refused).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Etcd3 } from "etcd3";
import { caPaths, clientPaths, ensureClientCert } from "../../src/security/certs.ts";
import { advisoryLines, etcdVersionAdvisories } from "../../src/security/etcd-advisories.ts";
import { parseEndpoints } from "../../src/shared/endpoints.ts";
import { createEtcdClient } from "../../src/shared/etcd.ts";
import { type FleetwatchProcess, freePort, spawnFleetwatch } from "./harness/index.ts";
import { trackFolder, untrackFolder } from "./harness/reaper.ts";

const installedVersion =
  /etcd Version: (\S+)/.exec(execFileSync("etcd", ["--version"]).toString())?.[1] ?? "";
const affected = (id: string) => etcdVersionAdvisories(installedVersion).some((a) => a.id === id);

interface Pem {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** GET /version with `pem`: the status code, or the error that ended the connection. */
function versionWith(port: number, pem: Pem): Promise<number | string> {
  return new Promise((resolve) => {
    const req = get(
      {
        host: "127.0.0.1",
        port,
        path: "/version",
        servername: "localhost",
        timeout: 5000,
        ...pem,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe("what a node's certificate can still do, and revoking it", { timeout: 180_000 }, () => {
  let dir: string;
  let certsDir: string;
  let port: number;
  let etcd: FleetwatchProcess;
  let endpoint: string;
  const clients: Etcd3[] = [];
  const pemFor = (user: string): Pem => {
    ensureClientCert(certsDir, user);
    const c = clientPaths(certsDir, user);
    return { ca: readFileSync(caPaths(certsDir).cert), cert: readFileSync(c.cert), key: readFileSync(c.key) };
  };
  const clientWith = (pem: Pem) => {
    const client = createEtcdClient({ endpoints: parseEndpoints(endpoint), tls: pem });
    clients.push(client);
    return client;
  };
  const ctl = async (args: string[]) => {
    const p = spawnFleetwatch(["ctl", ...args]);
    const exit = await p.exited;
    return { code: exit.code, out: p.stdout.join("\n"), err: p.stderr.join("\n") };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleetwatch-security-limits-"));
    trackFolder(dir);
    certsDir = join(dir, "certs");
    port = await freePort();
    endpoint = `127.0.0.1:${port}`;
    const peerPort = await freePort();
    etcd = spawnFleetwatch([
      "etcd",
      "--tls",
      "--port",
      String(port),
      "--peer-port",
      String(peerPort),
      "--data-dir",
      join(dir, "data"),
      "--certs-dir",
      certsDir,
    ]);
    await etcd.waitForLine(/^etcd ready on https:/, { timeoutMs: 30_000 });
    const root = clientPaths(certsDir, "root");
    const setup = await ctl([
      "auth",
      "setup",
      "--etcd",
      endpoint,
      "--etcd-ca",
      caPaths(certsDir).cert,
      "--etcd-cert",
      root.cert,
      "--etcd-key",
      root.key,
      "--nodes",
      "node-1,node-2,node-3",
    ]);
    assert.equal(setup.code, 0, `${setup.out}\n${setup.err}`);
  });
  after(async () => {
    for (const c of clients) c.close();
    await etcd?.stop();
    untrackFolder(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it("fleetwatch etcd --tls names every advisory of the installed etcd, with its fix", async () => {
    const expected = advisoryLines(installedVersion);
    for (const line of expected) await etcd.waitForLine(line, { timeoutMs: 10_000 });
    assert.equal(etcd.count(/^\[Security\]/), expected.length, etcd.tail());
  });

  it("fleetwatch server and agent with a client certificate warn once about the etcd they connect to", async () => {
    const manager = clientPaths(certsDir, "fleetwatch-manager");
    const server = spawnFleetwatch([
      "server",
      "--http",
      "off",
      "--etcd",
      endpoint,
      "--etcd-ca",
      caPaths(certsDir).cert,
      "--etcd-cert",
      manager.cert,
      "--etcd-key",
      manager.key,
    ]);
    const node1 = clientPaths(certsDir, "node-1");
    ensureClientCert(certsDir, "node-1");
    const agent = spawnFleetwatch([
      "agent",
      "--name",
      "node-1",
      "--quiet",
      "--etcd",
      endpoint,
      "--etcd-ca",
      caPaths(certsDir).cert,
      "--etcd-cert",
      node1.cert,
      "--etcd-key",
      node1.key,
    ]);
    try {
      const expected = advisoryLines(installedVersion);
      for (const p of [server, agent]) {
        for (const line of expected) await p.waitForLine(line, { timeoutMs: 20_000 });
        assert.equal(p.count(/^\[Security\]/), expected.length, p.tail());
      }
    } finally {
      await agent.stop();
      await server.stop();
    }
  });

  it("node-1's certificate vs node-2's lease: list, learn key names, keep it alive, compact", async (t) => {
    const node1 = clientWith(pemFor("node-1"));
    const node2 = clientWith(pemFor("node-2"));
    const root = clientWith(pemFor("root"));
    const heartbeat2 = "/monitor/heartbeat/node-2";
    const { ID: lease2 } = await node2.leaseClient.leaseGrant({ TTL: 2 });
    await node2.kv.put({
      key: Buffer.from(heartbeat2),
      value: Buffer.from('{"status":"alive","ts":1}'),
      lease: lease2,
    });
    // node-2 is gone from here on: nothing it holds is kept alive by node-2.
    node2.close();

    const unchecked = affected("CVE-2026-33413");
    // 1. List every lease in the cluster.
    const listing = node1.leaseClient.leaseLeases();
    if (unchecked) {
      const ids = (await listing).leases.map((l) => String(l.ID));
      assert.ok(ids.includes(String(lease2)), `node-1 lists node-2's lease ${lease2}: ${ids}`);
    } else await assert.rejects(listing, /permission denied/);

    // 2. Learn the names of the keys attached to it.
    const ttl = node1.leaseClient.leaseTimeToLive({ ID: lease2, keys: true });
    if (affected("CVE-2023-32082")) {
      const keys = (await ttl).keys.map((k) => Buffer.from(k).toString());
      assert.deepEqual(keys, [heartbeat2]);
    } else await assert.rejects(ttl);

    // 3. Keep node-2's lease alive for three of its TTLs: node-2 would stay ALIVE.
    const stream = await node1.leaseClient.leaseKeepAlive();
    const ttls: number[] = [];
    const errors: string[] = [];
    stream.on("data", (r: { TTL: string }) => ttls.push(Number(r.TTL)));
    stream.on("error", (err: Error) => errors.push(err.message));
    const until = Date.now() + 6000;
    while (Date.now() < until && errors.length === 0) {
      stream.write({ ID: lease2 });
      await sleep(500); // a keepalive every quarter TTL, as an agent sends them
    }
    stream.end();
    const stillThere = (await root.kv.range({ key: Buffer.from(heartbeat2) })).kvs.length === 1;
    t.diagnostic(
      `etcd ${installedVersion}: ${ttls.length} keepalives answered (TTLs ${[...new Set(ttls)]}), errors ${errors.length}, heartbeat still there: ${stillThere}`,
    );
    if (unchecked) {
      assert.ok(ttls.length >= 5 && ttls.every((t) => t > 0), `keepalives answered: ${ttls} ${errors}`);
      assert.equal(stillThere, true, "node-2's heartbeat outlived its TTL three times over");
    } else {
      assert.equal(stillThere, false, "a fixed etcd refuses the keepalive and the lease expires");
    }

    // 4. Compact the history every watcher resumes from.
    const { header } = await root.kv.range({ key: Buffer.from(heartbeat2) });
    const compact = node1.kv.compact({ revision: header.revision });
    if (unchecked) await compact;
    else await assert.rejects(compact, /permission denied/);
  });

  it("node-1's certificate still cannot write node-2's heartbeat or read its config", async () => {
    const node1 = clientWith(pemFor("node-1"));
    await assert.rejects(node1.put("/monitor/heartbeat/node-2").value("{}").exec(), /permission denied/);
    await assert.rejects(node1.get("/monitor/config/node-2").string(), /permission denied/);
  });

  it("ctl certs revoke: etcd refuses the revoked certificate on every new connection, others still connect", async (t) => {
    const node3 = pemFor("node-3");
    assert.equal(await versionWith(port, node3), 200, "node-3 connects before it is revoked");
    // A connection opened before the revocation (an agent that is running).
    const open = clientWith(node3);
    await open.get("/monitor/config/node-3").string();

    const revoke = await ctl(["certs", "revoke", "node-3", "--certs-dir", certsDir]);
    assert.equal(revoke.code, 0, revoke.err);
    assert.match(revoke.out, /revoked the certificate of "node-3" \(serial [0-9A-F]+\) and deleted it/);
    const started = Date.now();
    const refused = await versionWith(port, node3);
    t.diagnostic(`revoked certificate: ${refused} after ${Date.now() - started} ms`);
    assert.notEqual(refused, 200, "a new connection with node-3's certificate is refused");
    assert.ok(Date.now() - started < 5000, "refused at the handshake, not after a timeout");
    assert.equal(await versionWith(port, pemFor("node-1")), 200, "node-1 is not affected");
    const serial = /serial ([0-9A-F]+)/.exec(revoke.out)?.[1] ?? "?";
    const crl = execFileSync("openssl", [
      "crl",
      "-in",
      join(certsDir, "crl.pem"),
      "-noout",
      "-text",
    ]).toString();
    assert.match(crl, new RegExp(`Serial Number: ${serial}`));

    // What remains: the connection that was already open is not re-checked by etcd.
    await open.get("/monitor/config/node-3").string();
    // A new client with the revoked certificate cannot do anything.
    const fresh = clientWith(node3);
    await assert.rejects(fresh.get("/monitor/config/node-3").string());

    // Then the etcd user goes too (ctl auth remove, root's certificate), idempotently.
    const root = clientPaths(certsDir, "root");
    const rootFlags = [
      "--etcd",
      endpoint,
      "--etcd-ca",
      caPaths(certsDir).cert,
      "--etcd-cert",
      root.cert,
      "--etcd-key",
      root.key,
    ];
    const remove = await ctl(["auth", "remove", ...rootFlags, "--nodes", "node-3"]);
    assert.equal(remove.code, 0, remove.err);
    assert.match(remove.out, /deleted user node-3\ndeleted role fleetwatch-node-node-3/);
    const again = await ctl(["auth", "remove", ...rootFlags, "--nodes", "node-3"]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /user node-3 did not exist\nrole fleetwatch-node-node-3 did not exist/);
    // The open connection can no longer read its config ...
    await assert.rejects(
      open.get("/monitor/config/node-3").string(),
      /permission denied|user name not found/i,
    );
    // ... but on an etcd that does not check lease calls it still grants and keeps leases.
    if (affected("CVE-2026-33413")) {
      const { ID } = await open.leaseClient.leaseGrant({ TTL: 5 });
      assert.ok(Number(ID) !== 0, "lease granted to a revoked certificate without a user");
    }
  });
});
