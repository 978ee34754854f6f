// Issue 7: `fleetwatch sim` runs many agents in one process with the agent's own classes.
// 50 simulated nodes against a real etcd and a real manager: all ALIVE, a crash rate
// produces DEAD lines (leases left to expire, no revoke), a fleet default change is
// applied and acknowledged by every live node, and a graceful leave is LEFT.
import assert from "node:assert/strict";
import { test } from "node:test";
import { METRIC_DESCRIPTORS, METRIC_NAMES } from "../../src/shared/metric-descriptors.ts";
import { started, startServer, stopAll } from "./fleet.ts";
import { freePort, spawnFleetwatch, useEtcd, waitFor } from "./harness/index.ts";

const fx = useEtcd({ stopFirst: stopAll });

const N = 50;
const count = (lines: string[], re: RegExp) => new Set(lines.flatMap((l) => re.exec(l)?.[1] ?? [])).size;

test("sim: 50 nodes ALIVE, crashes become DEAD, a fleet default is acked by every live node, leave is LEFT", async () => {
  const server = await startServer(fx.etcd.endpoints);
  const sim = spawnFleetwatch(
    [
      ...["sim", "--etcd", fx.etcd.endpoints, "--nodes", String(N), "--name-prefix", "t-", "--ttl", "3"],
      ...["--crash-rate", "1", "--control", "--events", "--no-metrics", "--duration", "60"],
    ],
    { name: "sim" },
  );
  started.push(sim);
  await sim.waitForLine(new RegExp(`^\\[Sim\\] ${N}/${N} nodes up`), { timeoutMs: 20_000 });
  // Every node joins (the crash rate may already be taking some away again).
  await waitFor(() => count(server.stdout, /^\[\+\] Node (t-\d+) is ALIVE/) === N, {
    timeoutMs: 15_000,
    message: `${N} ALIVE lines`,
  });
  // One crash a second with a 3 s TTL: DEAD lines within a few seconds, and only for crashed nodes.
  await waitFor(() => count(server.stdout, /^\[-\] Node (t-\d+) is DEAD \(TTL expired\)$/) >= 3, {
    timeoutMs: 15_000,
    message: "DEAD lines for crashed nodes",
  });
  const crashed = new Set(
    sim.stdout.flatMap((l) =>
      l.startsWith('EV {"ev":"crash"') ? [JSON.parse(l.slice(3)).node as string] : [],
    ),
  );
  for (const line of server.stdout) {
    const m = /^\[-\] Node (t-\d+) is DEAD/.exec(line);
    if (m) assert.ok(crashed.has(m[1] as string), `${m[1]} is DEAD but was never crashed`);
  }

  // A fleet default change: every node still running applies it and acknowledges it in its heartbeat.
  const res = await fx.client.put("/monitor/config/_default").value(JSON.stringify({ interval: 7 }));
  const rev = Number(res.header.revision);
  await waitFor(
    async () => {
      const live = await fx.client.getAll().prefix("/monitor/heartbeat/t-").strings();
      const values = Object.values(live).map((v) => JSON.parse(v));
      return (
        values.length > 0 &&
        values.every((hb) => hb.config?.defaultRevision === rev && hb.config?.interval === 7)
      );
    },
    { timeoutMs: 10_000, message: "every live heartbeat acknowledging the new fleet default" },
  );
  assert.ok(sim.count(new RegExp(`"ev":"acked".*"defaultRevision":${rev}`)) > N / 2);

  // A graceful leave through the control channel: LEFT, never DEAD.
  // The crash rate keeps running: a live key may belong to a node already crashed (its key
  // lives until the TTL) or one crashed before the leave reaches it. Ask a node the sim has
  // not crashed to leave, and ask another if the sim does not report that leave.
  let leaver: string | undefined;
  for (let attempt = 0; attempt < 5 && leaver === undefined; attempt++) {
    const everCrashed = new Set(
      sim.stdout.flatMap((l) => /^EV \{"ev":"crash","node":"([^"]+)"/.exec(l)?.[1] ?? []),
    );
    const live = await fx.client.getAll().prefix("/monitor/heartbeat/t-").keys();
    const candidate = live.map((k) => k.split("/").pop() as string).find((n) => !everCrashed.has(n));
    assert.ok(candidate, "a live node the simulator has not crashed");
    const after = sim.stdout.length;
    sim.write(`leave ${candidate}`);
    const reported = await sim
      .waitForLine(new RegExp(`^EV \\{"ev":"leave","node":"${candidate}"`), { after, timeoutMs: 5000 })
      .then(
        () => true,
        () => false,
      );
    if (reported) leaver = candidate;
  }
  assert.ok(leaver, `no leave reported by the simulator in 5 attempts\n${sim.tail()}`);
  await server.waitForLine(`[-] Node ${leaver} LEFT (graceful shutdown)`, { timeoutMs: 5000 });

  sim.write("stop");
  const exit = await sim.exited;
  assert.equal(exit.code, 0);
});

test("sim: simulated samples use the agent's contract and reach the manager's API and /metrics", async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startServer(fx.etcd.endpoints, ["--http", `127.0.0.1:${port}`]);
  await fx.client
    .put("/monitor/config/_default")
    .value(JSON.stringify({ interval: 1, metrics: [...METRIC_NAMES] }));
  const sim = spawnFleetwatch(
    [
      "sim",
      "--etcd",
      fx.etcd.endpoints,
      "--nodes",
      "3",
      "--name-prefix",
      "m-",
      "--ttl",
      "5",
      "--duration",
      "60",
    ],
    { name: "sim-metrics" },
  );
  started.push(sim);
  await sim.waitForLine(/^\[Sim\] 3\/3 nodes up/, { timeoutMs: 20_000 });
  let samples: { values: Record<string, number> }[] = [];
  await waitFor(
    async () => {
      const res = await fetch(`${base}/api/nodes/m-1/metrics`);
      samples = res.ok ? ((await res.json()) as { samples: typeof samples }).samples : [];
      return samples.some((s) => "network.rx_bytes_total" in s.values);
    },
    { timeoutMs: 20_000, message: "a simulated sample with every metric in the manager's window" },
  );
  const latest = samples.at(-1)?.values ?? {};
  for (const d of METRIC_DESCRIPTORS) {
    for (const f of d.fields)
      assert.equal(typeof latest[`${d.name}.${f.field}`], "number", `${d.name}.${f.field}`);
  }
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /^fleetwatch_node_cpu_usage_ratio\{node="m-1"\} (0(\.\d+)?|1)$/m);
  assert.match(text, /^fleetwatch_node_network_receive_bytes_total\{node="m-2"\} \d+/m);
  assert.match(text, /^fleetwatch_samples_rejected_total\{reason="invalid"\} 0$/m);
  await sim.stop();
  await server.stop();
});
