// 8. Agent footprint beside its floors, all in one run on one etcd:
// - floors: a bare `node` that does nothing; a `node` holding one etcd3 lease with one key
//   (bench/floors/etcd3-lease.cjs, same Node and client); the same with fleetwatch's
//   precompiled gRPC definition (shared/etcd-proto.ts), to measure what it saves;
// - `fleetwatch agent --quiet` at interval 10 s, as shipped and under V8 flags for a small
//   daemon, each its own process, all running side by side for the same minute;
// - spawn -> first heartbeat (agent: its "registered" line) vs spawn -> lease held
//   (floor), alternating spawns so both see the same load; p50 over several spawns.
// Every subject runs on b.node (`npm run bench -- --node <path>`, default the bench's Node),
// as does the bench's manager, and the report names it.
import os from "node:os";
import { join } from "node:path";
import { REGISTRY_PREFIX } from "../../src/shared/keys.ts";
import {
  FLEETWATCH_BIN,
  type FleetwatchProcess,
  REPO_ROOT,
  spawnProcess,
} from "../../test/integration/harness/index.ts";
import { type Bench, sleep } from "../env.ts";
import { cpuPercent, mb, sampleProc } from "../proc.ts";
import { summarize } from "../stats.ts";

const FLOOR = join(REPO_ROOT, "bench", "floors", "etcd3-lease.cjs");
const ETCD3_PROTO_ENV = { FLEETWATCH_ETCD_PROTO: "etcd3" };

const V8_DEFAULT_ENV = { FLEETWATCH_AGENT_V8: "default" };

/** The agent as shipped first, then the A/B of each choice it ships with. */
export const AGENT_VARIANTS: { label: string; flags: string[]; env?: Record<string, string> }[] = [
  { label: "as shipped", flags: [] },
  // The A/B of the run-time V8 flags of agent/v8-flags.ts (no optimizing compilers, new space kept small).
  { label: "V8 defaults (FLEETWATCH_AGENT_V8=default)", flags: [], env: V8_DEFAULT_ENV },
  // The A/B of the precompiled gRPC definition: etcd3 parses its rpc.proto as it does by itself.
  { label: "etcd3 parsing rpc.proto (FLEETWATCH_ETCD_PROTO=etcd3)", flags: [], env: ETCD3_PROTO_ENV },
  // What deploy/systemd and deploy/k8s set through NODE_OPTIONS for the agent.
  { label: "--lite-mode (as deployed)", flags: ["--lite-mode"] },
];

interface Subject {
  label: string;
  kind: "bare" | "floor" | "floor-precompiled" | "agent";
  proc: FleetwatchProcess;
}

function spawnSubject(
  b: Bench,
  kind: Subject["kind"],
  label: string,
  id: string,
  flags: string[] = [],
  env: Record<string, string> = {},
) {
  const args =
    kind === "bare"
      ? ["-e", "setInterval(() => {}, 1 << 30)"]
      : kind === "agent"
        ? [...flags, FLEETWATCH_BIN, "agent", "--etcd", b.endpoint, "--name", id, "--quiet"]
        : [
            FLOOR,
            b.endpoint,
            `/bench/floor/${id}`,
            ...(kind === "floor-precompiled" ? ["--precompiled"] : []),
          ];
  const startedAt = Date.now();
  const proc = spawnProcess(b.node.path, args, {
    name: `${label} ${id}`,
    env: { FLEETWATCH_ETCD_PROTO: "", ...env },
  });
  return { subject: { label, kind, proc } as Subject, startedAt };
}

/** Spawn -> ready line, ms (the harness stamps each line with its receive time). */
async function readyMs(proc: FleetwatchProcess, kind: Subject["kind"], startedAt: number): Promise<number> {
  const line = kind === "agent" ? /^\[Heartbeat\] Node \S+ registered/ : /^held /;
  const match = await proc.waitForLine(line, { timeoutMs: 30_000 });
  return match.at - startedAt;
}

export async function footprintScenario(b: Bench) {
  const steadyS = 60;
  const spawns = b.full ? 9 : 7;

  // Start-up: alternate the spawns, one at a time, so each sees the same load.
  const starters = [
    { key: "agent", kind: "agent" },
    { key: "agentEtcd3Proto", kind: "agent", env: ETCD3_PROTO_ENV },
    { key: "agentV8Default", kind: "agent", env: V8_DEFAULT_ENV },
    { key: "floor", kind: "floor" },
    { key: "floorPrecompiled", kind: "floor-precompiled" },
  ] as const;
  const start: Record<(typeof starters)[number]["key"], number[]> = {
    agent: [],
    agentEtcd3Proto: [],
    agentV8Default: [],
    floor: [],
    floorPrecompiled: [],
  };
  for (let i = 0; i < spawns; i++) {
    for (const s of starters) {
      const env = "env" in s ? s.env : {};
      const { subject, startedAt } = spawnSubject(b, s.kind, s.key, `fp-start-${s.key}-${i}`, [], env);
      start[s.key].push(await readyMs(subject.proc, s.kind, startedAt));
      await subject.proc.stop();
    }
  }

  // Steady state: every subject side by side for the same minute.
  const subjects: Subject[] = [];
  try {
    const started = [
      spawnSubject(b, "bare", "bare node", "bare"),
      spawnSubject(b, "floor", "etcd3 floor", "floor"),
      spawnSubject(b, "floor-precompiled", "etcd3 floor, precompiled gRPC definition", "floor-precompiled"),
      ...AGENT_VARIANTS.map((v, i) =>
        spawnSubject(b, "agent", `agent ${v.label}`, `fp-agent-${i}`, v.flags, v.env),
      ),
    ];
    for (const s of started) subjects.push(s.subject);
    await Promise.all(
      started
        .filter((s) => s.subject.kind !== "bare")
        .map((s) => readyMs(s.subject.proc, s.subject.kind, s.startedAt)),
    );
    const t0 = Math.min(...started.map((s) => s.startedAt));
    // CPU from 5 s after the start (start-up excluded) to 60 s; RSS at 60 s.
    await sleep(Math.max(0, t0 + 5000 - Date.now()));
    const first = subjects.map((s) => sampleProc(s.proc.pid as number));
    // RSS moves when V8's memory reducer runs (20-60 s after a start, or not at all), so the
    // 60 s value is shown with the largest of the samples taken every 5 s from 30 s on.
    const rssMax = subjects.map(() => 0);
    for (let at = 30; at < steadyS; at += 5) {
      await sleep(Math.max(0, t0 + at * 1000 - Date.now()));
      subjects.forEach((s, i) => {
        rssMax[i] = Math.max(rssMax[i] ?? 0, sampleProc(s.proc.pid as number)?.rss ?? 0);
      });
    }
    await sleep(Math.max(0, t0 + steadyS * 1000 - Date.now()));
    const last = subjects.map((s) => sampleProc(s.proc.pid as number));
    const serverRss = sampleProc(b.server.pid as number);
    const steady = subjects.map((s, i) => {
      const a = first[i];
      const z = last[i];
      return {
        label: s.label,
        kind: s.kind,
        rssMB: z ? mb(z.rss) : undefined,
        rssMax30to60MB: z ? mb(Math.max(rssMax[i] ?? 0, z.rss)) : undefined,
        // % of one core over the minute = CPU seconds per minute / 60 s.
        cpuPct: a && z ? Math.round(cpuPercent(a, z) * 1000) / 1000 : undefined,
        alive: s.proc.running,
      };
    });
    // The bench's manager has seen this run's agents (and any other scenario's nodes).
    const knownNodes = await b.floor.client.getAll().prefix(REGISTRY_PREFIX).count();
    return {
      // Every subject and the bench's manager ran on this Node (npm run bench -- --node).
      node: b.node.version,
      nodePath: b.node.path,
      steadyS,
      intervalS: 10,
      spawns,
      startMs: {
        agent: summarize(start.agent),
        agentEtcd3Proto: summarize(start.agentEtcd3Proto),
        agentV8Default: summarize(start.agentV8Default),
        floor: summarize(start.floor),
        floorPrecompiled: summarize(start.floorPrecompiled),
      },
      steady,
      server: { rssMB: serverRss ? mb(serverRss.rss) : undefined, knownNodes },
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
  } finally {
    await Promise.all(subjects.map((s) => s.proc.stop().catch(() => undefined)));
  }
}
