// Scenarios 2-7 of issue 7. Each starts its own simulator (or agent) under its own name
// prefix, measures against a floor taken in the same run where one exists, and stops
// what it started. Every load is bounded: a fixed number of nodes, events and seconds.

import os from "node:os";
import { Etcd3 } from "etcd3";
import {
  CONFIG_PREFIX,
  DEFAULT_CONFIG_KEY,
  HEARTBEAT_PREFIX,
  REGISTRY_PREFIX,
} from "../../src/shared/keys.ts";
import { spawnFleetwatch, waitFor } from "../../test/integration/harness/index.ts";
import {
  type Bench,
  LineIndex,
  type SimEventLine,
  simEvents,
  sleep,
  startBenchEtcd,
  startServer,
  startSim,
  stopSim,
} from "../env.ts";
import { cpuPercent, mb, sampleProc } from "../proc.ts";
import { ProcSeries } from "../proc-series.ts";
import { summarize } from "../stats.ts";

/** Resolves when `pred` holds for the simulator's events, polling its output. */
async function waitEvents(
  sim: Bench["server"],
  from: number,
  pred: (evs: SimEventLine[]) => boolean,
  timeoutMs: number,
): Promise<SimEventLine[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const evs = simEvents(sim, from);
    if (pred(evs)) return evs;
    if (Date.now() > deadline) return evs;
    await sleep(10);
  }
}

async function etcdMetrics(b: Bench): Promise<Record<string, number>> {
  const text = await (await fetch(`${b.etcd.hosts[0]}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^(etcd_\w+) ([\d.e+-]+)$/.exec(line);
    if (m?.[1]) out[m[1]] = Number(m[2]);
  }
  return out;
}

// 2. Graceful leave -> LEFT.
export async function leaveScenario(b: Bench) {
  const n = b.full ? 100 : 50;
  const left = new LineIndex(b.server, /^\[-\] Node (leave-\S+) LEFT \(graceful shutdown\)$/);
  const alive = new LineIndex(b.server, /^\[\+\] Node (leave-\S+) is ALIVE/);
  const sim = await startSim(b, { nodes: n, prefix: "leave-" });
  await alive.waitCount(n, 30_000, "leave- nodes ALIVE");
  const from = sim.stdout.length;
  for (let i = 1; i <= n; i++) {
    sim.write(`leave leave-${i}`);
    await sleep(100 + Math.random() * 50);
  }
  await left.waitCount(n, 20_000, "LEFT lines");
  const evs = (
    await waitEvents(sim, from, (e) => e.filter((x) => x.ev === "leave").length >= n, 5000)
  ).filter((e) => e.ev === "leave");
  await stopSim(sim, false);
  const seen = left.update();
  const fromLeave: number[] = [];
  const floorFromLeave: number[] = [];
  const overFloor: number[] = [];
  for (const e of evs) {
    const at = seen.get(e.node);
    const floor = b.floor.deletes.get(e.node);
    if (at !== undefined) fromLeave.push(at - e.at);
    if (floor !== undefined) floorFromLeave.push(floor - e.at);
    if (at !== undefined && floor !== undefined) overFloor.push(at - floor);
  }
  return {
    leaves: n,
    leftLines: seen.size,
    deadLinesForLeavers: b.server.stdout.filter((l) => /^\[-\] Node leave-\S+ is DEAD/.test(l)).length,
    managerFromLeave: summarize(fromLeave),
    floorFromLeave: summarize(floorFromLeave),
    managerMinusFloor: summarize(overFloor),
  };
}

// 3. Config update of one node -> applied and acknowledged, at 1, 100, 1,000 nodes.
export async function configScenario(b: Bench) {
  const sizes = [1, 100, 1000];
  const updates = b.full ? 200 : 60;
  const out: Record<string, unknown> = {};
  const client = b.floor.client;
  const floorKey = "/bench/floor-key";
  for (const size of sizes) {
    const prefix = `cfg${size}-`;
    const sim = await startSim(b, { nodes: size, prefix, extra: ["--no-metrics"] });
    await sleep(1000);
    const applied: number[] = [];
    const acked: number[] = [];
    const managerAck: number[] = [];
    const floor: number[] = [];
    // The floor: a raw put -> watch event of one key, measured by the same etcd3 client in this run.
    const floorWatch = await client.watch().key(floorKey).create();
    let floorResolve: ((at: number) => void) | undefined;
    floorWatch.on("put", () => floorResolve?.(Date.now()));
    for (let i = 0; i < updates; i++) {
      const fp = new Promise<number>((r) => {
        floorResolve = r;
      });
      const f0 = Date.now();
      await client.put(floorKey).value(String(i));
      floor.push((await fp) - f0);

      const node = `${prefix}${1 + Math.floor(Math.random() * size)}`;
      const from = sim.stdout.length;
      const t0 = Date.now();
      const res = await client
        .put(`${CONFIG_PREFIX}${node}`)
        .value(JSON.stringify({ interval: 5 + (i % 50) }));
      const rev = Number(res.header.revision);
      const evs = await waitEvents(
        sim,
        from,
        (e) => e.some((x) => x.ev === "acked" && x.node === node && x.ack?.nodeRevision === rev),
        5000,
      );
      const ap = evs.find((x) => x.ev === "applied" && x.node === node && x.ack?.nodeRevision === rev);
      const ak = evs.find((x) => x.ev === "acked" && x.node === node && x.ack?.nodeRevision === rev);
      if (ap) applied.push(ap.at - t0);
      if (ak) acked.push(ak.at - t0);
      const mLine = await b.server
        .waitForLine(new RegExp(`^\\[Config\\] Node ${node} applied .*\\(config revision ${rev}\\)$`), {
          after: Math.max(0, b.server.stdout.length - 200),
          timeoutMs: 3000,
        })
        .catch(() => undefined);
      if (mLine) managerAck.push(mLine.at - t0);
      await sleep(20);
    }
    await floorWatch.cancel();
    await stopSim(sim, false);
    out[`n${size}`] = {
      nodes: size,
      updates,
      floorPutToWatch: summarize(floor),
      applied: summarize(applied),
      acked: summarize(acked),
      managerSawAck: summarize(managerAck),
    };
  }
  return out;
}

// 4. Fleet default change -> applied and acknowledged by all N nodes.
export async function fleetDefaultScenario(b: Bench) {
  const n = b.full ? 10_000 : 1000;
  const prefix = "fleet-";
  const sim = await startSim(b, { nodes: n, prefix, extra: ["--no-metrics"] }, 180_000);
  await sleep(3000);
  const from = sim.stdout.length;
  const mgrFrom = b.server.stdout.length;
  const t0 = Date.now();
  const res = await b.floor.client
    .put(DEFAULT_CONFIG_KEY)
    .value(JSON.stringify({ interval: 7 + Math.floor(Math.random() * 20) }));
  const rev = Number(res.header.revision);
  const evs = await waitEvents(
    sim,
    from,
    (e) => e.filter((x) => x.ev === "acked" && x.ack?.defaultRevision === rev).length >= n,
    60_000,
  );
  const acked = evs.filter((x) => x.ev === "acked" && x.ack?.defaultRevision === rev).map((x) => x.at - t0);
  const applied = evs
    .filter((x) => x.ev === "applied" && x.ack?.defaultRevision === rev)
    .map((x) => x.at - t0);
  // The manager prints a burst of acks as one summary line per outcome
  // ("[Config] 812 nodes applied … (default revision R; …)") and up to 5 acks one line each.
  const managerAcks = () => {
    let count = 0;
    let lastAt: number | undefined;
    for (let i = mgrFrom; i < b.server.stdout.length && count < n; i++) {
      const line = b.server.stdout[i] as string;
      const summary = /^\[Config\] (\d+) nodes? applied .*\(default revision (\d+);/.exec(line);
      const single = new RegExp(`^\\[Config\\] Node ${prefix}\\d+ applied `).test(line);
      if (summary && Number(summary[2]) === rev) count += Number(summary[1]);
      else if (single) count += 1;
      else continue;
      lastAt = b.server.stdoutAt[i] as number;
    }
    return {
      count,
      lastAt,
      lines: b.server.stdout.slice(mgrFrom).filter((l) => l.startsWith("[Config]")).length,
    };
  };
  await waitFor(() => managerAcks().count >= n, { timeoutMs: 30_000, intervalMs: 20 }).catch(() => undefined);
  const mgr = managerAcks();
  const simStatus = sim.stderr.filter((l) => l.includes("sim status")).pop();
  // Leases the simulator lost (each is a false DEAD at the manager), before and after the put.
  const lost = simEvents(sim).filter((e) => e.ev === "lost");
  const leasesLost = {
    beforePut: lost.filter((e) => e.at < t0).length,
    afterPut: lost.filter((e) => e.at >= t0).length,
  };
  await stopSim(sim, false);
  // Leave the fleet default as the built-in one for later scenarios.
  await b.floor.client.delete().key(DEFAULT_CONFIG_KEY);
  return {
    nodes: n,
    applied: summarize(applied),
    acked: summarize(acked),
    lastAckMs: Math.max(...acked),
    managerSawAcks: mgr.count,
    managerAckLines: mgr.lines,
    managerLastAckMs: mgr.lastAt === undefined ? undefined : mgr.lastAt - t0,
    simStatus,
    leasesLost,
  };
}

// 5. Steady state at N nodes for a fixed time.
/** RSS sample period of the steady window: 30 samples over the 10,000-node minute. */
const RSS_EVERY_MS = 2000;
/** The 1, 5 and 15 minute load averages, to two decimals: the machine is shared. */
const loadAverage = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

export async function steadyScenario(b: Bench, n: number, seconds: number, metrics: boolean) {
  const prefix = `steady${n}-`;
  const sim = await startSim(b, { nodes: n, prefix, extra: metrics ? [] : ["--no-metrics"] }, 180_000);
  const alive = new LineIndex(b.server, new RegExp(`^\\[\\+\\] Node (${prefix}\\d+) is ALIVE`));
  await alive.waitCount(n, 60_000, `${prefix} nodes ALIVE at the manager`);
  await sleep(5000); // past start-up: the first collection runs, acks, the registry writes
  const deadBefore = b.server.stdout.filter((l) => l.startsWith(`[-] Node ${prefix}`)).length;
  const hbPutsBefore = b.floor.heartbeatPuts;
  const m0 = await etcdMetrics(b);
  const etcdPid = b.etcd.members[0]?.pid;
  const loadAtStart = loadAverage();
  const series = new ProcSeries({ manager: b.server.pid, sim: sim.pid, etcd: etcdPid }, RSS_EVERY_MS);
  await sleep(seconds * 1000);
  const p = series.stop();
  const loadAtEnd = loadAverage();
  const m1 = await etcdMetrics(b);
  const hbPuts = b.floor.heartbeatPuts - hbPutsBefore;
  const falseDead = b.server.stdout.filter((l) => l.startsWith(`[-] Node ${prefix}`)).length - deadBefore;
  const d = (k: string) => (m1[k] ?? 0) - (m0[k] ?? 0);
  const steady = {
    nodes: n,
    seconds,
    metricsPublished: metrics,
    // RSS: median and max of the samples taken every RSS_EVERY_MS over the window; *RssMB is the
    // last sample (the one figure reported before the series). CPU: first to last sample.
    rssEveryS: RSS_EVERY_MS / 1000,
    rssSamples: p.manager.rss?.n,
    managerRssMB: p.manager.rss?.endMB,
    managerRssMedianMB: p.manager.rss?.medianMB,
    managerRssMaxMB: p.manager.rss?.maxMB,
    managerCpuPct: p.manager.cpuPct,
    simRssMB: p.sim.rss?.endMB,
    simRssMedianMB: p.sim.rss?.medianMB,
    simRssMaxMB: p.sim.rss?.maxMB,
    simCpuPct: p.sim.cpuPct,
    etcdRssMB: p.etcd.rss?.endMB,
    etcdRssMedianMB: p.etcd.rss?.medianMB,
    etcdRssMaxMB: p.etcd.rss?.maxMB,
    etcdCpuPct: p.etcd.cpuPct,
    loadAverage: { start: loadAtStart, end: loadAtEnd },
    etcdDbMB: mb(m1.etcd_mvcc_db_total_size_in_bytes ?? m1.etcd_debugging_mvcc_db_total_size_in_bytes ?? 0),
    falseDead,
    etcdPutsPerS: Math.round((d("etcd_debugging_mvcc_put_total") / seconds) * 10) / 10,
    heartbeatKeyPutsPerS: Math.round((hbPuts / seconds) * 10) / 10,
    leaseRenewalsPerS: Math.round(d("etcd_debugging_lease_renewed_total") / seconds),
  };

  await stopSim(sim, false);
  return steady;
}

// 6. Manager cold start with exactly N known nodes: its own fresh etcd (no leftovers from
// the other scenarios), N live simulated nodes registered by a first manager, which is then
// stopped; a new `fleetwatch server` (default HTTP on a free port, as users run it) starts
// against that etcd, `runs` times. Measured from the spawn and from "Server started" to its
// `synced` log line (the registry loaded and the live heartbeats listed and reduced).
export async function coldStartScenario(b: Bench, n: number, runs: number) {
  const etcd = await startBenchEtcd();
  const client = new Etcd3({ hosts: etcd.hosts });
  const fresh: Bench = { ...b, etcd, endpoint: etcd.endpoints };
  let sim: Bench["server"] | undefined;
  let first: Bench["server"] | undefined;
  try {
    first = await startServer(fresh.endpoint, `registrar-${n}`);
    const prefix = `cold${n}-`;
    sim = await startSim(fresh, { nodes: n, prefix }, 180_000);
    const alive = new LineIndex(first, new RegExp(`^\\[\\+\\] Node (${prefix}\\d+) is ALIVE`));
    await alive.waitCount(n, 60_000, `${prefix} nodes ALIVE at the registering manager`);
    const registryCount = async () => Number(await client.getAll().prefix(REGISTRY_PREFIX).count());
    await waitFor(async () => (await registryCount()) === n, {
      timeoutMs: 60_000,
      intervalMs: 200,
      message: `${n} registry entries`,
    });
    await first.stop();
    first = undefined;
    await sleep(2000); // past the stop: the sim settles, etcd is idle but for keepalives and samples
    const registryEntries = await registryCount();
    const heartbeatKeys = Number(await client.getAll().prefix(HEARTBEAT_PREFIX).count());
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const t0 = Date.now();
      const cold = await startServer(fresh.endpoint, `cold-server-${n}-${i + 1}`);
      const startedLine = await cold.waitForLine("Server started. Watching heartbeats...");
      const synced = await cold.waitForLine(/"msg":"synced"/, { stream: "stderr" });
      const rss = sampleProc(cold.pid as number);
      await cold.stop();
      samples.push({
        syncedNodes: Number(/"nodes":(\d+)/.exec(synced.line)?.[1] ?? 0),
        fromServerStartedMs: synced.at - startedLine.at,
        fromSpawnMs: synced.at - t0,
        rssAfterSyncMB: rss ? mb(rss.rss) : undefined,
      });
      await sleep(1000);
    }
    const median = (xs: number[]) => [...xs].sort((a, z) => a - z)[Math.floor((xs.length - 1) / 2)] as number;
    return {
      liveNodes: n,
      registryEntries,
      heartbeatKeys,
      http: "default (FLEETWATCH_HTTP on a free loopback port)",
      runs: samples,
      medianFromServerStartedMs: median(samples.map((x) => x.fromServerStartedMs)),
      medianFromSpawnMs: median(samples.map((x) => x.fromSpawnMs)),
    };
  } finally {
    if (sim) await stopSim(sim, false).catch(() => undefined);
    await first?.stop().catch(() => undefined);
    client.close();
    await etcd.stop().catch(() => undefined);
  }
}

// 7. One real agent's footprint at interval 10 s.
export async function agentScenario(b: Bench) {
  const seconds = b.full ? 60 : 12;
  const name = "footprint-1";
  const agent = spawnFleetwatch(["agent", "--name", name, "--etcd", b.endpoint, "--quiet"], { name });
  await agent.waitForLine(`[Heartbeat] Node ${name} registered`, { timeoutMs: 30_000 });
  await sleep(3000);
  const a = sampleProc(agent.pid as number);
  await sleep(seconds * 1000);
  const z = sampleProc(agent.pid as number);
  await agent.stop();
  return {
    seconds,
    intervalS: 10,
    runtime: "compiled dist/",
    rssMB: z ? mb(z.rss) : undefined,
    cpuPct: a && z ? Math.round(cpuPercent(a, z) * 100) / 100 : undefined,
  };
}
