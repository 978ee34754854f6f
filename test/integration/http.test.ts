// The manager's HTTP API against real etcd, a real server process and real agents:
// every endpoint, every bad-input class (and that a refused request changed nothing in
// etcd), /metrics through a Prometheus text-format parser, and the SSE stream.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Etcd3 } from "etcd3";
import parsePrometheus from "parse-prometheus-text-format";
import {
  type EtcdCluster,
  type FleetwatchProcess,
  freePort,
  spawnFleetwatch,
  startEtcd,
  waitFor,
} from "./harness/index.ts";
import { apiClient, configState, type Reply } from "./http/client.ts";

const TOKEN = "t0ken-for-tests";

describe("HTTP API", () => {
  let etcd: EtcdCluster;
  let client: Etcd3;
  let server: FleetwatchProcess;
  let a1: FleetwatchProcess;
  let a2: FleetwatchProcess;
  let base: string;
  let call: ReturnType<typeof apiClient>;
  const procs: FleetwatchProcess[] = [];

  /** Runs a request that must be refused with `status` and must leave etcd as it was. */
  async function refused(status: number, run: () => Promise<Reply>, field?: string): Promise<Reply> {
    const before = await configState(client);
    const reply = await run();
    assert.equal(reply.status, status, `expected ${status}, got ${reply.status}: ${reply.text}`);
    assert.equal(typeof reply.json?.error, "string", `error message in ${reply.text}`);
    if (field !== undefined) assert.equal(reply.json.field, field, reply.text);
    assert.equal(await configState(client), before, "a refused request changed etcd");
    return reply;
  }

  before(async () => {
    etcd = await startEtcd({ members: 1 });
    client = new Etcd3({ hosts: etcd.hosts });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    call = apiClient(base);
    server = spawnFleetwatch(
      ["server", "--etcd", etcd.endpoints, "--http", `127.0.0.1:${port}`, "--api-token", TOKEN],
      { env: { FLEETWATCH_API_TOKEN: "" } },
    );
    procs.push(server);
    await server.waitForLine(`[HTTP] Dashboard at ${base}/`);
    a1 = spawnFleetwatch(["agent", "--etcd", etcd.endpoints, "--name", "api-a1", "--quiet", "--ttl", "2"]);
    a2 = spawnFleetwatch(["agent", "--etcd", etcd.endpoints, "--name", "api-a2", "--quiet", "--ttl", "2"]);
    procs.push(a1, a2);
    await server.waitForLine("[+] Node api-a1 is ALIVE");
    await server.waitForLine("[+] Node api-a2 is ALIVE");
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    client?.close();
    await etcd?.stop();
  });

  test("health, readiness, dashboard files and uPlot are served locally", async () => {
    assert.equal((await call("GET", "/healthz")).status, 200);
    await waitFor(async () => (await call("GET", "/readyz")).status === 200, { message: "/readyz 200" });
    const page = await call("GET", "/");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(page.text, /fleetwatch/);
    const nodePage = await call("GET", "/nodes/api-a1");
    assert.match(nodePage.text, /uPlot\.min\.css/);
    const uplot = await call("GET", "/vendor/uplot/uPlot.esm.js");
    assert.equal(uplot.status, 200);
    assert.match(uplot.headers.get("content-type") ?? "", /javascript/);
    assert.equal((await call("GET", "/static/../../package.json")).status, 404);
    assert.equal((await call("GET", "/no/such/thing")).status, 404);
    const wrongMethod = await call("DELETE", "/api/nodes");
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get("allow"), "GET");
  });

  test("GET /api/nodes, /api/nodes/<node>, /metrics of a node, /api/events", async () => {
    const list = await call("GET", "/api/nodes");
    assert.equal(list.status, 200);
    assert.equal(list.json.ready, true);
    assert.equal(list.json.writable, true);
    const names = list.json.nodes.map((n: { node: string }) => n.node);
    assert.deepEqual(names, ["api-a1", "api-a2"]);
    for (const n of list.json.nodes) assert.equal(n.state, "ALIVE");

    const one = await call("GET", "/api/nodes/api-a1");
    assert.equal(one.status, 200);
    assert.equal(one.json.state, "ALIVE");
    assert.equal(one.json.history[0].state, "ALIVE");
    assert.equal(typeof one.json.history[0].revision, "number");
    assert.deepEqual(one.json.desired, { interval: 10, metrics: ["cpu", "memory"] });

    // The agent publishes its first sample about half a second after it starts.
    const metrics = await waitForReply(
      () => call("GET", "/api/nodes/api-a1/metrics"),
      (r) => r.json.samples.length > 0,
    );
    const sample = metrics.json.samples[0];
    assert.equal(typeof sample.values["cpu.usage_ratio"], "number");
    assert.equal(typeof sample.values["memory.used_bytes"], "number");
    assert.equal((await call("GET", "/api/nodes/api-a1/metrics?since=abc")).status, 400);

    const events = await call("GET", "/api/events?limit=10");
    assert.equal(events.status, 200);
    assert.ok(
      events.json.events.some(
        (e: { node: string; state: string }) => e.node === "api-a2" && e.state === "ALIVE",
      ),
    );
    assert.equal((await call("GET", "/api/events?node=api-a1")).json.events.length, 1);
    const badLimit = await call("GET", "/api/events?limit=0");
    assert.equal(badLimit.status, 400);
    assert.equal(badLimit.json.field, "limit");
  });

  test("unknown node is 404, a malformed node name is 400 naming the node", async () => {
    for (const path of [
      "/api/nodes/ghost",
      "/api/nodes/ghost/metrics",
      "/api/nodes/ghost/config",
      "/api/nodes/ghost/config/history",
    ]) {
      const r = await call("GET", path);
      assert.equal(r.status, 404, path);
      assert.equal(r.json.field, "node");
    }
    await refused(
      404,
      () => call("PUT", "/api/nodes/ghost/config", { body: { interval: 5 }, token: TOKEN }),
      "node",
    );
    await refused(
      404,
      () => call("POST", "/api/nodes/ghost/config/rollback", { body: { version: 1 }, token: TOKEN }),
      "node",
    );
    const bad = await call("GET", "/api/nodes/bad%2Fname");
    assert.equal(bad.status, 400);
    assert.equal(bad.json.field, "node");
    await refused(
      400,
      () => call("PUT", "/api/nodes/-x/config", { body: { interval: 5 }, token: TOKEN }),
      "node",
    );
  });

  test("writes need the bearer token: missing or wrong is 401 and changes nothing", async () => {
    const r = await refused(401, () => call("PUT", "/api/nodes/api-a1/config", { body: { interval: 5 } }));
    assert.match(r.headers.get("www-authenticate") ?? "", /Bearer/);
    await refused(401, () =>
      call("PUT", "/api/nodes/api-a1/config", { body: { interval: 5 }, token: "nope" }),
    );
    await refused(401, () =>
      call("PUT", "/api/config/default", { body: { interval: 5 }, token: `${TOKEN}x` }),
    );
    await refused(401, () => call("POST", "/api/nodes/api-a1/config/rollback", { body: { version: 1 } }));
    await refused(401, () =>
      call("PUT", "/api/nodes/api-a1/config", {
        body: { interval: 5 },
        headers: { authorization: `Basic ${TOKEN}` },
      }),
    );
  });

  test("bad JSON and invalid config are 400 with the field named; oversized bodies 413", async () => {
    const put = (raw: string) => () => call("PUT", "/api/nodes/api-a1/config", { raw, token: TOKEN });
    await refused(400, put("{not json"), "body");
    await refused(400, put(""), "body");
    await refused(400, put('{"interval": 0}'), "interval");
    await refused(400, put('{"interval": "fast"}'), "interval");
    await refused(400, put('{"interval": 2.5}'), "interval");
    await refused(400, put('{"interval": 90000}'), "interval");
    await refused(400, put('{"metrics": ["cpu", "gpu"]}'), "metrics");
    await refused(400, put('{"metrics": ["cpu", "cpu"]}'), "metrics");
    await refused(400, put('{"intervall": 5}'), "intervall");
    await refused(400, put("[1, 2]"), "body"); // not an object: the body is the problem
    await refused(400, put("null"), "body");
    await refused(400, put('"interval"'), "body");
    await refused(
      400,
      () => call("PUT", "/api/config/default", { raw: '{"interval": -1}', token: TOKEN }),
      "interval",
    );
    const big = JSON.stringify({ interval: 5, pad: "x".repeat(70 * 1024) });
    const r = await refused(413, put(big));
    assert.match(r.json.error, /larger than 65536 bytes/);
    // Also when the client does not declare a length (chunked upload).
    await refused(413, () =>
      fetch(`${base}/api/nodes/api-a1/config`, {
        method: "PUT",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: new Blob([big]).stream(),
        duplex: "half",
      } as RequestInit)
        .then(async (res) => ({
          status: res.status,
          headers: res.headers,
          text: await res.text(),
          json: undefined as unknown,
        }))
        .then((x) => ({ ...x, json: JSON.parse(x.text) })),
    );
    await refused(
      400,
      () =>
        call("PUT", "/api/nodes/api-a1/config", {
          body: { interval: 5 },
          token: TOKEN,
          headers: { "if-match": "abc" },
        }),
      "If-Match",
    );
  });

  test("PUT a node's config: stored, versioned, applied by the agent, CAS conflicts are 409", async () => {
    const before = await call("GET", "/api/nodes/api-a1/config");
    assert.equal(before.status, 200);
    assert.equal(before.json.exists, false);
    assert.equal(before.json.revision, 0);

    const after = a1.stdout.length;
    const put = await call("PUT", "/api/nodes/api-a1/config", {
      body: { interval: 2 },
      token: TOKEN,
      headers: { "if-match": '"0"' },
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json.value, { interval: 2 });
    assert.equal(put.json.version, 1);
    assert.equal(put.headers.get("etag"), `"${put.json.revision}"`);
    assert.equal(await client.get("/monitor/config/api-a1").string(), '{"interval":2}');
    await a1.waitForLine("[Config] Updated successfully: interval=2s", { after });

    const got = await call("GET", "/api/nodes/api-a1/config");
    assert.equal(got.json.revision, put.json.revision);
    assert.deepEqual(got.json.value, { interval: 2 });
    assert.deepEqual(got.json.desired, { interval: 2, metrics: ["cpu", "memory"] });

    // Stale If-Match, stale ?expectedRevision and "must not exist" all lose.
    const stale = put.json.revision - 1;
    const conflict = await refused(409, () =>
      call("PUT", "/api/nodes/api-a1/config", {
        body: { interval: 3 },
        token: TOKEN,
        headers: { "if-match": `"${stale}"` },
      }),
    );
    assert.match(conflict.json.error, /changed since revision/);
    await refused(409, () =>
      call("PUT", `/api/nodes/api-a1/config?expectedRevision=${stale}`, {
        body: { interval: 3 },
        token: TOKEN,
      }),
    );
    await refused(409, () =>
      call("PUT", "/api/nodes/api-a1/config", {
        body: { interval: 3 },
        token: TOKEN,
        headers: { "if-match": "0" },
      }),
    );

    // A matching If-Match wins; ?merge=true keeps the other fields.
    const second = await call("PUT", "/api/nodes/api-a1/config", {
      body: { metrics: ["cpu", "memory", "load"] },
      token: TOKEN,
      headers: { "if-match": `"${put.json.revision}"` },
    });
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(second.json.value, { metrics: ["cpu", "memory", "load"] });
    const merged = await call("PUT", "/api/nodes/api-a1/config?merge=true", {
      body: { interval: 3 },
      token: TOKEN,
    });
    assert.deepEqual(merged.json.value, { metrics: ["cpu", "memory", "load"], interval: 3 });
    await a1.waitForLine("[Config] Updated successfully: interval=3s, metrics=[cpu, memory, load]");
  });

  test("history and rollback of a node's config", async () => {
    const history = await call("GET", "/api/nodes/api-a1/config/history");
    assert.equal(history.status, 200);
    assert.deepEqual(
      history.json.versions.map((v: { version: number }) => v.version),
      [3, 2, 1],
    );
    assert.match(history.json.versions[0].author, /^http-api@/);

    await refused(
      400,
      () => call("POST", "/api/nodes/api-a1/config/rollback", { body: { version: 99 }, token: TOKEN }),
      "version",
    );
    await refused(
      400,
      () => call("POST", "/api/nodes/api-a1/config/rollback", { body: { version: "1" }, token: TOKEN }),
      "version",
    );
    await refused(
      400,
      () =>
        call("POST", "/api/nodes/api-a1/config/rollback", {
          body: { version: 1, force: true },
          token: TOKEN,
        }),
      "force",
    );
    await refused(
      400,
      () => call("POST", "/api/nodes/api-a1/config/rollback", { raw: "{", token: TOKEN }),
      "body",
    );
    await refused(409, () =>
      call("POST", "/api/nodes/api-a1/config/rollback", {
        body: { version: 1, expectedRevision: 1 },
        token: TOKEN,
      }),
    );

    const current = (await call("GET", "/api/nodes/api-a1/config")).json.revision;
    const after = a1.stdout.length;
    const rb = await call("POST", "/api/nodes/api-a1/config/rollback", {
      body: { version: 1, expectedRevision: current },
      token: TOKEN,
    });
    assert.equal(rb.status, 200, rb.text);
    assert.deepEqual(rb.json.value, { interval: 2 });
    assert.equal(rb.json.version, 4);
    await a1.waitForLine("[Config] Updated successfully: interval=2s, metrics=[cpu, memory]", { after });
  });

  test("GET|PUT the fleet default, its history and rollback", async () => {
    const empty = await call("GET", "/api/config/default");
    assert.equal(empty.status, 200);
    assert.equal(empty.json.exists, false);
    const after = a2.stdout.length;
    const put = await call("PUT", "/api/config/default", {
      body: { interval: 4, metrics: ["cpu"] },
      token: TOKEN,
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(await client.get("/monitor/config/_default").string(), '{"interval":4,"metrics":["cpu"]}');
    await a2.waitForLine("[Config] Updated successfully: interval=4s, metrics=[cpu]", { after });
    const history = await call("GET", "/api/config/default/history");
    assert.equal(history.json.versions.length, 1);
    await refused(409, () =>
      call("PUT", "/api/config/default", {
        body: { interval: 5 },
        token: TOKEN,
        headers: { "if-match": "1" },
      }),
    );
    const rb = await call("POST", "/api/config/default/rollback", { body: { version: 1 }, token: TOKEN });
    assert.equal(rb.status, 200, rb.text);
  });

  test("GET /metrics parses as Prometheus text with the fleet's series", async () => {
    const text = await waitForReply(
      () => call("GET", "/metrics"),
      (r) => /fleetwatch_config_apply_lag_seconds_count [1-9]/.test(r.text),
    );
    assert.match(text.headers.get("content-type") ?? "", /text\/plain; version=0\.0\.4/);
    const families = new Map(parsePrometheus(text.text).map((f) => [f.name, f]));
    const value = (name: string, labels: Record<string, string> = {}) => {
      const family = families.get(name);
      assert.ok(family, `no family ${name}`);
      const m = family.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
      assert.ok(m, `no ${name}${JSON.stringify(labels)}`);
      return Number(m.value ?? m.count);
    };
    assert.equal(families.get("fleetwatch_nodes")?.type, "GAUGE");
    assert.equal(value("fleetwatch_nodes", { state: "ALIVE" }), 2);
    assert.equal(value("fleetwatch_nodes", { state: "DEAD" }), 0);
    assert.equal(value("fleetwatch_node_up", { node: "api-a1" }), 1);
    assert.equal(value("fleetwatch_node_up", { node: "api-a2" }), 1);
    const cpu = value("fleetwatch_node_cpu_usage_ratio", { node: "api-a1" });
    assert.ok(cpu >= 0 && cpu <= 1, `cpu ${cpu}`);
    assert.ok(value("fleetwatch_node_memory_total_bytes", { node: "api-a2" }) > 0);
    assert.equal(families.get("fleetwatch_transitions_total")?.type, "COUNTER");
    assert.equal(value("fleetwatch_transitions_total", { to: "ALIVE" }), 2);
    assert.equal(value("fleetwatch_watch_reconnects_total", { watch: "heartbeat" }), 0);
    const latency = families.get("fleetwatch_etcd_request_duration_seconds");
    assert.equal(latency?.type, "HISTOGRAM");
    // parse-prometheus-text-format folds a LABELLED histogram into one label-less entry
    // (it only groups by `le`), so the per-op counts are read by parsing the family's
    // `_count` series on their own, as the counters they are.
    const countLines = text.text
      .split("\n")
      .filter((l) => l.startsWith("fleetwatch_etcd_request_duration_seconds_count{"));
    const counts = parsePrometheus(
      `# TYPE fleetwatch_etcd_request_duration_seconds_count counter\n${countLines.join("\n")}\n`,
    )[0];
    assert.ok(
      counts?.metrics.some(
        (m) => m.labels?.op === "config.set" && m.labels.result === "ok" && Number(m.value) > 0,
      ),
      JSON.stringify(counts),
    );
    assert.equal(families.get("fleetwatch_config_apply_lag_seconds")?.type, "HISTOGRAM");
    assert.ok(value("fleetwatch_config_apply_lag_seconds") >= 1);
  });

  test("GET /api/stream sends a snapshot, then node changes as Server-Sent Events", async () => {
    const ac = new AbortController();
    const res = await fetch(`${base}/api/stream`, { signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = "";
    const deadline = Date.now() + 15_000;
    while (!/event: nodes\n/.test(seen) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += decoder.decode(value);
    }
    ac.abort();
    assert.match(seen, /event: status\ndata: \{"ready":true/);
    assert.match(seen, /event: snapshot\ndata: \[.*"api-a1"/);
    assert.match(seen, /event: nodes\ndata: /);
  });

  test("a killed agent turns DEAD in the API and in /metrics", async () => {
    a2.kill("SIGKILL");
    await server.waitForLine("[-] Node api-a2 is DEAD (TTL expired)", { timeoutMs: 10_000 });
    const one = await call("GET", "/api/nodes/api-a2");
    assert.equal(one.json.state, "DEAD");
    assert.equal(one.json.compliance.status, "unknown");
    const families = new Map(parsePrometheus((await call("GET", "/metrics")).text).map((f) => [f.name, f]));
    const up = families.get("fleetwatch_node_up")?.metrics.find((m) => m.labels?.node === "api-a2");
    assert.equal(up?.value, "0");
    const events = await call("GET", "/api/events?limit=1");
    assert.equal(events.json.events[0].state, "DEAD");
  });

  test("without a token the server says so at start and refuses writes with 403", async () => {
    const port = await freePort();
    const plain = spawnFleetwatch(["server", "--etcd", etcd.endpoints, "--http", `127.0.0.1:${port}`], {
      env: { FLEETWATCH_API_TOKEN: "" },
    });
    procs.push(plain);
    await plain.waitForLine("config writes over HTTP are refused");
    const other = apiClient(`http://127.0.0.1:${port}`);
    const list = await waitForReply(
      () => other("GET", "/api/nodes"),
      (r) => r.status === 200,
    );
    assert.equal(list.json.writable, false);
    const r = await refused(403, () =>
      other("PUT", "/api/nodes/api-a1/config", { body: { interval: 7 }, token: TOKEN }),
    );
    assert.match(r.json.error, /--api-token/);
    await refused(403, () => other("PUT", "/api/config/default", { body: { interval: 7 } }));
    await refused(403, () => other("POST", "/api/nodes/api-a1/config/rollback", { body: { version: 1 } }));
    await plain.stop();
  });

  test("--http off serves nothing", async () => {
    const off = spawnFleetwatch(["server", "--etcd", etcd.endpoints, "--http", "off"], {
      env: { FLEETWATCH_HTTP: "" },
    });
    procs.push(off);
    await off.waitForLine("Server started");
    // The HTTP server would have announced itself before the manager campaigns.
    await off.waitForLine(/^\[HA\] /, { timeoutMs: 15_000 });
    assert.equal(off.count("[HTTP]"), 0);
    await off.stop();
  });
});

async function waitForReply(
  get: () => Promise<Reply>,
  ok: (r: Reply) => boolean,
  timeoutMs = 15_000,
): Promise<Reply> {
  let last: Reply | undefined;
  await waitFor(
    async () => {
      last = await get();
      return ok(last);
    },
    { timeoutMs, intervalMs: 200, message: "an HTTP reply" },
  );
  return last as Reply;
}

describe("alert webhooks", () => {
  test("DEAD, RECOVERED, LEFT and REJOINED (--alert-on-leave) are each delivered exactly once, across a kill -9 of the manager", async (t) => {
    const etcd = await startEtcd({ members: 1 });
    const client = new Etcd3({ hosts: etcd.hosts });
    const procs: FleetwatchProcess[] = [];
    // A receiver that refuses (500) until told to accept, and records what it accepted.
    let accepting = false;
    let refusedCount = 0;
    const accepted: { key: string; body: AlertBody }[] = [];
    const receiver = createServer((req, res) => {
      let text = "";
      req.on("data", (c) => {
        text += c;
      });
      req.on("end", () => {
        if (!accepting) {
          refusedCount++;
          res.writeHead(500).end("not yet");
          return;
        }
        accepted.push({ key: String(req.headers["idempotency-key"]), body: JSON.parse(text) });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
    t.after(async () => {
      await Promise.all(procs.map((p) => p.stop()));
      receiver.close();
      client.close();
      await etcd.stop();
    });
    const startServer = async () => {
      const port = await freePort();
      const p = spawnFleetwatch(
        [
          "server",
          "--etcd",
          etcd.endpoints,
          "--http",
          `127.0.0.1:${port}`,
          "--alert-webhook",
          hook,
          "--alert-on-leave",
        ],
        { env: { FLEETWATCH_API_TOKEN: "" } },
      );
      procs.push(p);
      await p.waitForLine("go to 1 webhook(s) as alertmanager");
      return p;
    };
    const agent = (...extra: string[]) => {
      const p = spawnFleetwatch([
        "agent",
        "--etcd",
        etcd.endpoints,
        "--name",
        "al-1",
        "--quiet",
        "--ttl",
        "2",
        ...extra,
      ]);
      procs.push(p);
      return p;
    };

    const first = await startServer();
    const a = agent();
    await first.waitForLine("[+] Node al-1 is ALIVE");
    await first.waitForLine(/now leading/, { timeoutMs: 20_000 });
    a.kill("SIGKILL");
    await first.waitForLine("[-] Node al-1 is DEAD (TTL expired)");
    // The outbox record is in etcd and the receiver has refused at least one try.
    await waitFor(
      async () =>
        Object.keys(await client.getAll().prefix("/monitor/alerts/al-1/").strings()).length === 1 &&
        refusedCount > 0,
      { message: "alert record written and a first delivery refused" },
    );
    first.kill("SIGKILL");
    await first.exited;
    const [record] = Object.values(await client.getAll().prefix("/monitor/alerts/al-1/").strings());
    assert.deepEqual(
      JSON.parse(record as string).delivered,
      [],
      "delivery must not be confirmed before the kill",
    );

    accepting = true;
    const second = await startServer();
    await waitFor(() => accepted.length >= 1, {
      timeoutMs: 30_000,
      message: "the DEAD alert after the restart",
    });
    const dead = accepted[0] as { key: string; body: AlertBody };
    assert.equal(dead.body.status, "firing");
    assert.equal(dead.body.alerts[0]?.labels.alertname, "FleetwatchNodeDead");
    assert.equal(dead.body.alerts[0]?.labels.node, "al-1");
    assert.equal(dead.body.fleetwatch.state, "DEAD");
    assert.equal(dead.body.fleetwatch.reason, "TTL expired");
    assert.equal(dead.key, dead.body.fleetwatch.idempotencyKey);
    await waitFor(
      async () => {
        const [rec] = Object.values(await client.getAll().prefix("/monitor/alerts/al-1/").strings());
        return JSON.parse(rec as string).delivered.length === 1;
      },
      { message: "the record marked delivered" },
    );

    // RECOVERED, then LEFT (graceful leave), each once.
    const b = agent("--leave-on-exit");
    await second.waitForLine("[+] Node al-1 is ALIVE (recovered)");
    await waitFor(() => accepted.length >= 2, { message: "the RECOVERED alert" });
    b.kill("SIGTERM");
    const left = await second.waitForLine("[-] Node al-1 LEFT (graceful shutdown)");
    await waitFor(() => accepted.length >= 3, { message: "the LEFT alert" });
    // The rejoin closes the LEFT alert (issue 12: firing/resolved pairs always close).
    agent();
    await second.waitForLine("[+] Node al-1 is ALIVE", { after: left.index + 1 });
    await waitFor(() => accepted.length >= 4, { message: "the REJOINED alert" });
    await new Promise((r) => setTimeout(r, 2000)); // room for a duplicate to show up
    assert.deepEqual(
      accepted.map((x) => x.body.fleetwatch.event),
      ["DEAD", "RECOVERED", "LEFT", "REJOINED"],
    );
    assert.equal(accepted[1]?.body.status, "resolved");
    assert.equal(accepted[3]?.body.status, "resolved");
    assert.equal(accepted[3]?.body.alerts[0]?.labels.alertname, "FleetwatchNodeLeft");
    // Each resolution keeps the startsAt of the alert it closes.
    assert.equal(accepted[1]?.body.alerts[0]?.startsAt, accepted[0]?.body.alerts[0]?.startsAt);
    assert.equal(accepted[3]?.body.alerts[0]?.startsAt, accepted[2]?.body.alerts[0]?.startsAt);
    assert.equal(new Set(accepted.map((x) => x.key)).size, 4, "distinct idempotency keys");
  });
});

interface AlertBody {
  status: string;
  alerts: { labels: Record<string, string>; startsAt: string }[];
  fleetwatch: { state: string; event: string; reason: string; idempotencyKey: string };
}
