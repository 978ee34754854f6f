// The benchmark's environment: its own etcd on free loopback ports, a real
// `fleetwatch server`, simulator processes, and a raw etcd3 watcher that measures the
// floor (when etcd's own events reach a plain client) in the same run.
import { execFileSync } from "node:child_process";
import os from "node:os";
import { Etcd3 } from "etcd3";
import { HEARTBEAT_PREFIX, nodeFromKey } from "../src/shared/keys.ts";
import {
  type EtcdCluster,
  FLEETWATCH_BIN,
  type FleetwatchProcess,
  freePort,
  REPO_ROOT,
  type SpawnOptions,
  spawnFleetwatch,
  spawnProcess,
  startEtcd,
  waitFor,
} from "../test/integration/harness/index.ts";
import type { NodeBinary } from "./node-binary.ts";

/**
 * `bin/fleetwatch <args>` on `node` (default: the bench's Node); with `BENCH_CPU_PROF=<dir>`
 * the process writes a V8 CPU profile there on exit.
 */
function spawnFw(args: string[], options: SpawnOptions, node = process.execPath): FleetwatchProcess {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir && node === process.execPath) return spawnFleetwatch(args, options);
  const prof = dir ? ["--cpu-prof", "--cpu-prof-dir", dir] : [];
  return spawnProcess(node, [...prof, FLEETWATCH_BIN, ...args], options);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  etcd: string;
  os: string;
  date: string;
  commit: string;
  sharedMachine: string;
}

export function machineInfo(): Machine {
  const run = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8", cwd: REPO_ROOT }).trim();
    } catch {
      return "unknown";
    }
  };
  return {
    nproc: Number(run("nproc", [])),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    etcd: run("etcd", ["--version"]).split("\n")[0]?.replace("etcd Version: ", "") ?? "unknown",
    os: `${os.type()} ${os.release()}`,
    date: new Date().toISOString(),
    commit: run("git", ["rev-parse", "--short", "HEAD"]),
    // Measured, not assumed: the 1-minute load average when the run started (other work on the
    // same cores makes absolute figures noisy; each figure is compared with its floor anyway).
    sharedMachine: `load average ${os.loadavg()[0]?.toFixed(2)} (1 min) at the start of the run; each figure is compared with its floor measured in the same run`,
  };
}

/** A plain etcd3 watcher on the heartbeat prefix: when etcd's own events reach a client. */
export class FloorWatcher {
  readonly deletes = new Map<string, number>();
  readonly puts = new Map<string, number>();
  /** Every put of a heartbeat key seen (a keepalive is not a put; a re-put of the value is). */
  heartbeatPuts = 0;
  private constructor(
    readonly client: Etcd3,
    private readonly watcher: { cancel(): Promise<void> },
  ) {}

  static async start(hosts: string[]): Promise<FloorWatcher> {
    const client = new Etcd3({ hosts });
    const watcher = await client.watch().prefix(HEARTBEAT_PREFIX).create();
    const floor = new FloorWatcher(client, watcher);
    watcher.on("delete", (kv) => {
      const node = nodeFromKey(HEARTBEAT_PREFIX, kv.key.toString());
      if (node) floor.deletes.set(node, Date.now());
    });
    watcher.on("put", (kv) => {
      const node = nodeFromKey(HEARTBEAT_PREFIX, kv.key.toString());
      floor.heartbeatPuts++;
      if (node) floor.puts.set(node, Date.now());
    });
    return floor;
  }

  async close(): Promise<void> {
    await this.watcher.cancel().catch(() => undefined);
    this.client.close();
  }
}

/** Lines of a process read incrementally, so waiting on thousands of lines stays linear. */
export class LineIndex {
  private scanned = 0;
  readonly hits = new Map<string, number>();
  constructor(
    private readonly proc: FleetwatchProcess,
    private readonly pattern: RegExp,
  ) {}

  /** Scans new lines; the first capture group is the key, the receive time the value. */
  update(): Map<string, number> {
    const lines = this.proc.stdout;
    for (; this.scanned < lines.length; this.scanned++) {
      const m = this.pattern.exec(lines[this.scanned] as string);
      if (m?.[1] && !this.hits.has(m[1])) this.hits.set(m[1], this.proc.stdoutAt[this.scanned] as number);
    }
    return this.hits;
  }

  async waitCount(n: number, timeoutMs: number, message: string): Promise<void> {
    await waitFor(() => this.update().size >= n, {
      timeoutMs,
      intervalMs: 20,
      message: `${message} (have ${this.hits.size}/${n})`,
    });
  }
}

export interface SimEventLine {
  ev: string;
  node: string;
  at: number;
  lastAnswerAt?: number;
  revokedAt?: number;
  ack?: { nodeRevision: number; defaultRevision: number };
}

/** The simulator's `EV {...}` lines so far (see src/sim/main.ts --events). */
export function simEvents(sim: FleetwatchProcess, from = 0): SimEventLine[] {
  const out: SimEventLine[] = [];
  for (let i = from; i < sim.stdout.length; i++) {
    const line = sim.stdout[i] as string;
    if (line.startsWith("EV ")) out.push(JSON.parse(line.slice(3)) as SimEventLine);
  }
  return out;
}

export interface Bench {
  full: boolean;
  /** The Node the footprint scenario's floors and agents and `server` run on (--node). */
  node: NodeBinary;
  etcd: EtcdCluster;
  endpoint: string;
  server: FleetwatchProcess;
  floor: FloorWatcher;
  say(line: string): void;
}

export async function startBenchEtcd(): Promise<EtcdCluster> {
  // A larger backend quota so the 10,000-node runs cannot fill the default 2 GiB.
  return startEtcd({
    members: 1,
    tickMs: 100,
    electionMs: 1000,
    extraArgs: ["--quota-backend-bytes", String(8 * 2 ** 30)],
  });
}

export async function startServer(
  endpoint: string,
  name = "server",
  node = process.execPath,
): Promise<FleetwatchProcess> {
  // HTTP (when the server has it) on a free port: the product as deployed, without clashing with a dev server.
  const http = `127.0.0.1:${await freePort()}`;
  const server = spawnFw(
    ["server", "--etcd", endpoint, "--log-level", "info", "--log-format", "json"],
    { name, env: { FLEETWATCH_HTTP: http } },
    node,
  );
  await server.waitForLine("Server started. Watching heartbeats...", { timeoutMs: 20_000 });
  await server.waitForLine(/"msg":"synced"/, { stream: "stderr", timeoutMs: 60_000 });
  return server;
}

export interface SimArgs {
  nodes: number;
  prefix: string;
  extra?: string[];
}

export async function startSim(b: Bench, args: SimArgs, upTimeoutMs = 120_000): Promise<FleetwatchProcess> {
  const sim = spawnFw(
    [
      "sim",
      "--etcd",
      b.endpoint,
      "--nodes",
      String(args.nodes),
      "--name-prefix",
      args.prefix,
      "--events",
      "--control",
      "--log-level",
      "info",
      ...(args.extra ?? []),
    ],
    { name: `sim ${args.prefix}` },
  );
  await sim.waitForLine(/^\[Sim\] \d+\/\d+ nodes up/, { timeoutMs: upTimeoutMs });
  return sim;
}

export async function stopSim(sim: FleetwatchProcess, leave = true): Promise<void> {
  // "stop" revokes every lease (the sim runs with --leave-on-exit when asked) or lets them expire.
  sim.write("stop");
  const timer = setTimeout(() => sim.kill("SIGKILL"), leave ? 60_000 : 10_000);
  await sim.exited;
  clearTimeout(timer);
}

export const escapeRe = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
