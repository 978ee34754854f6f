// Issue 12 "Prometheus conventions", live: a real manager over real etcd with ALIVE, DEAD and
// LEFT nodes and a node that rejected its config. Its /metrics passes `promtool check metrics`,
// DEAD/LEFT nodes export no sample series; a real Prometheus (Debian's `prometheus`, free
// loopback port, own TSDB directory, 1 s scrape interval) scrapes it, PromQL at /api/v1/query
// returns the node states (a live node 1, killed nodes 0, with the kill -> PromQL 0 time
// measured), and every expression of the shipped rules and Grafana dashboard runs there.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse } from "yaml";
import { configKey } from "../../src/shared/keys.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";
import { dashboardExpressions, grafanaToPromQL } from "../unit/grafana-expressions.ts";
import { promtool } from "../unit/promtool.ts";
import { deadLine, runCtl, startAgent, startServer, stopAll } from "./fleet.ts";
import {
  type EtcdCluster,
  freePort,
  type ManagedProcess,
  REPO_ROOT,
  spawnProcess,
  startEtcd,
  waitFor,
  waitForValue,
} from "./harness/index.ts";

let etcd: EtcdCluster | undefined;
let prometheus: ManagedProcess | undefined;
let dir: string | undefined;
after(async () => {
  await prometheus?.stop();
  await stopAll();
  await etcd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function query(prom: string, expr: string): Promise<QueryResult> {
  const res = await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await res.json()) as QueryResult;
}

/** `fleetwatch_node_up` per node as Prometheus has it now. */
async function nodeUp(prom: string): Promise<Map<string, string>> {
  const r = await query(prom, "fleetwatch_node_up");
  return new Map((r.data?.result ?? []).map((s) => [s.metric.node ?? "", s.value[1]]));
}

async function startPrometheus(target: string): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), "fleetwatch-prom-"));
  const config = join(dir, "prometheus.yml");
  await writeFile(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: fleetwatch",
      `    static_configs: [{ targets: ["${target}"] }]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  prometheus = spawnProcess(
    "prometheus",
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { name: "prometheus" },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, {
    timeoutMs: 30_000,
    intervalMs: 200,
    message: "Prometheus ready",
  });
  return url;
}

test("Prometheus: promtool check metrics on a live /metrics, a real Prometheus scrapes node states, every shipped query runs", async (t) => {
  etcd = await startEtcd({ members: 1 });
  // Samples every second so the live nodes have sample series soon.
  const set = await runCtl(etcd.endpoints, "config", "set", "--default", "--interval", "1");
  assert.equal(set.code, 0, set.stderr.join("\n"));
  const httpPort = await freePort();
  const server = await startServer(etcd.endpoints, ["--http", `127.0.0.1:${httpPort}`]);
  await server.waitForLine(/now leading/, { timeoutMs: 20_000 });
  const agents = new Map<string, ManagedProcess>();
  for (const node of ["prom-live", "prom-rejects", "prom-dead", "prom-later", "prom-left"]) {
    agents.set(node, await startAgent(node, etcd.endpoints, ["--ttl", "2", "--leave-on-exit"]));
  }
  const metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
  const scrape = async () => (await fetch(metricsUrl)).text();
  await waitFor(async () => /fleetwatch_node_cpu_usage_ratio\{node="prom-dead"\}/.test(await scrape()), {
    timeoutMs: 30_000,
    message: "prom-dead's samples exported while it is alive",
  });

  // One node killed (DEAD), one leaves (LEFT), one is given a config it refuses.
  await agents.get("prom-dead")?.kill("SIGKILL");
  await server.waitForLine(deadLine("prom-dead"), { timeoutMs: 30_000 });
  await agents.get("prom-left")?.stop();
  await server.waitForLine(/Node prom-left LEFT/, { timeoutMs: 30_000 });
  const put = spawnProcess(
    "etcdctl",
    ["--endpoints", etcd.endpoints, "put", configKey(nodeName("prom-rejects")), '{"interval": "soon"}'],
    { name: "etcdctl put" },
  );
  assert.equal((await put.exited).code, 0);
  const text = await waitForValue(
    async () => {
      const body = await scrape();
      return /fleetwatch_node_config_rejected\{node="prom-rejects"\} 1/.test(body) ? body : undefined;
    },
    { timeoutMs: 30_000, message: "prom-rejects' refusal in /metrics" },
  );

  const check = await promtool(["check", "metrics"], text);
  assert.equal(check.code, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);
  t.diagnostic(`live /metrics: ${text.length} bytes, promtool check metrics clean`);
  for (const gone of ["prom-dead", "prom-left"]) {
    const lines = text.split("\n").filter((l) => l.includes(`node="${gone}"`));
    const families = [...new Set(lines.map((l) => l.replace(/\{.*$/, "")))].sort();
    assert.deepEqual(
      families,
      ["fleetwatch_node_last_heartbeat_timestamp_seconds", "fleetwatch_node_state", "fleetwatch_node_up"],
      `${gone} exports its liveness and last heartbeat, no sample`,
    );
    assert.ok(lines.includes(`fleetwatch_node_up{node="${gone}"} 0`));
  }
  assert.match(text, /^fleetwatch_node_cpu_usage_ratio\{node="prom-live"\} /m);
  assert.match(text, /^fleetwatch_node_config_in_sync\{node="prom-live"\} 1$/m);
  assert.match(text, /^fleetwatch_node_config_in_sync\{node="prom-rejects"\} 0$/m);
  assert.match(text, /^fleetwatch_leader 1$/m);
  assert.match(text, /^fleetwatch_manager_ready 1$/m);
  assert.match(text, /^fleetwatch_build_info\{version="\d+\.\d+\.\d+[^"]*",commit="[^"]*"\} 1$/m);

  // A real Prometheus scrapes the manager: the node states come back through PromQL.
  const prom = await startPrometheus(`127.0.0.1:${httpPort}`);
  const up = await waitForValue(
    async () => {
      const states = await nodeUp(prom);
      return states.get("prom-live") === "1" && states.get("prom-dead") === "0" ? states : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250, message: "fleetwatch_node_up in Prometheus" },
  );
  assert.equal(up.get("prom-left"), "0");
  const killedAt = Date.now();
  await agents.get("prom-later")?.kill("SIGKILL");
  await waitFor(async () => (await nodeUp(prom)).get("prom-later") === "0", {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: "prom-later down in PromQL",
  });
  const killToPromQL = Date.now() - killedAt;
  t.diagnostic(`kill -9 -> fleetwatch_node_up 0 in PromQL: ${killToPromQL} ms (TTL 2 s, scrape 1 s)`);
  assert.ok(killToPromQL < 20_000, `took ${killToPromQL} ms`);
  const dead = await query(prom, 'max by (node) (fleetwatch_node_state{state="DEAD"}) == 1');
  assert.deepEqual((dead.data?.result ?? []).map((s) => s.metric.node).sort(), ["prom-dead", "prom-later"]);

  // Every expression of the shipped rules and dashboard runs against the live data.
  const rules = parse(await readFile(join(REPO_ROOT, "deploy/prometheus/rules.yaml"), "utf8")) as {
    groups: { rules: { expr: string }[] }[];
  };
  const dashboard = JSON.parse(await readFile(join(REPO_ROOT, "deploy/grafana/fleetwatch.json"), "utf8"));
  const exprs = [
    ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ...dashboardExpressions(dashboard).map(grafanaToPromQL),
  ];
  let withData = 0;
  for (const expr of exprs) {
    const r = await query(prom, expr);
    assert.equal(r.status, "success", `${expr}: ${r.error}`);
    if ((r.data?.result.length ?? 0) > 0) withData++;
  }
  t.diagnostic(`${exprs.length} rule and dashboard expressions ran; ${withData} returned data`);
  const cpu = await query(prom, 'max by (node) (fleetwatch_node_cpu_usage_ratio{node=~".*"})');
  assert.deepEqual(
    (cpu.data?.result ?? []).map((s) => s.metric.node).sort(),
    ["prom-live", "prom-rejects"],
    "the CPU panel shows the live nodes only",
  );
});
