// Scenario 1: crash -> DEAD. Nodes stop renewing their lease with no revoke (the sim's
// crash for many nodes, `kill -9` of real `fleetwatch agent` processes for a few), one
// crash every `staggerMs` so each expiry is independent. For every crash we take the
// manager's `[-] Node <n> is DEAD (TTL expired)` line receive time and compare it with
// the crash, with the node's last keepalive answer, and with the floor: the moment
// etcd's own DELETE reached a raw etcd3 watcher in this process.

import { spawnFleetwatch } from "../../test/integration/harness/index.ts";
import { type Bench, escapeRe, LineIndex, simEvents, sleep, startSim, stopSim } from "../env.ts";
import { summarize } from "../stats.ts";

export interface CrashSample {
  node: string;
  kind: "sim" | "agent";
  crashAt: number;
  lastAnswerAt: number | undefined;
  floorAt: number | undefined;
  managerAt: number | undefined;
}

export async function crashScenario(b: Bench, ttl: number) {
  const simCount = b.full ? 200 : 50;
  const agentCount = b.full ? 10 : 3;
  const staggerMs = 200;
  const samples: CrashSample[] = [];
  const dead = new LineIndex(b.server, /^\[-\] Node (\S+) is DEAD \(TTL expired\)$/);
  const alive = new LineIndex(b.server, /^\[\+\] Node (crash-\S+|crashagent-\S+) is ALIVE/);

  // Real agents first (kill -9): the most honest crash; their last keepalive answer is
  // the receive time of their last "[Heartbeat] Sent" line.
  b.say(`  crash: ${agentCount} real agents (kill -9) ...`);
  const agents = Array.from({ length: agentCount }, (_, i) => {
    const name = `crashagent-${i + 1}`;
    return {
      name,
      proc: spawnFleetwatch(["agent", "--name", name, "--etcd", b.endpoint, "--ttl", String(ttl)], { name }),
    };
  });
  await Promise.all(
    agents.map((a) => a.proc.waitForLine(`[Heartbeat] Node ${a.name} registered`, { timeoutMs: 60_000 })),
  );
  await alive.waitCount(agentCount, 20_000, "real agents ALIVE at the manager");
  // Let every agent get a keepalive answer in its steady rhythm (every TTL/3).
  await sleep(2000);
  for (const a of agents) {
    const beats = a.proc.stdout
      .map((l, i) => [l, i] as const)
      .filter(([l]) => l.startsWith("[Heartbeat] Sent"));
    const last = beats[beats.length - 1];
    const crashAt = Date.now();
    a.proc.kill("SIGKILL");
    samples.push({
      node: a.name,
      kind: "agent",
      crashAt,
      lastAnswerAt: last ? (a.proc.stdoutAt[last[1]] as number) : undefined,
      floorAt: undefined,
      managerAt: undefined,
    });
    await sleep(staggerMs + Math.random() * 100);
  }

  // Simulated nodes: one process, one keepalive stream; crash = stop renewing, no revoke.
  b.say(`  crash: ${simCount} simulated nodes ...`);
  const sim = await startSim(b, { nodes: simCount, prefix: "crash-" });
  await alive.waitCount(agentCount + simCount, 30_000, "simulated nodes ALIVE at the manager");
  await sleep(2000);
  const evStart = sim.stdout.length;
  for (let i = 1; i <= simCount; i++) {
    sim.write(`crash crash-${i}`);
    await sleep(staggerMs + Math.random() * 100);
  }
  await dead.waitCount(agentCount + simCount, (ttl + 10) * 1000, "DEAD lines for every crash");
  for (const ev of simEvents(sim, evStart)) {
    if (ev.ev !== "crash") continue;
    samples.push({
      node: ev.node,
      kind: "sim",
      crashAt: ev.at,
      lastAnswerAt: ev.lastAnswerAt,
      floorAt: undefined,
      managerAt: undefined,
    });
  }
  await stopSim(sim, false);
  await Promise.all(agents.map((a) => a.proc.exited));

  const deadAt = dead.update();
  for (const s of samples) {
    s.floorAt = b.floor.deletes.get(s.node);
    s.managerAt = deadAt.get(s.node);
  }
  const complete = samples.filter((s) => s.managerAt !== undefined && s.floorAt !== undefined);
  const diff = (pick: (s: CrashSample) => number | undefined) =>
    summarize(complete.map(pick).filter((v): v is number => v !== undefined));
  const managerLines = b.server.stdout.filter((l) =>
    new RegExp(`^\\[-\\] Node (${escapeRe("crash")}|crashagent)`).test(l),
  );
  return {
    ttlS: ttl,
    crashes: samples.length,
    realAgentCrashes: agentCount,
    simulatedCrashes: simCount,
    staggerMs,
    deadLinesSeen: managerLines.length,
    missing: samples.filter((s) => s.managerAt === undefined).map((s) => s.node),
    managerFromCrash: diff((s) => (s.managerAt as number) - s.crashAt),
    managerFromLastAnswer: diff((s) =>
      s.lastAnswerAt ? (s.managerAt as number) - s.lastAnswerAt : undefined,
    ),
    floorFromCrash: diff((s) => (s.floorAt as number) - s.crashAt),
    floorFromLastAnswer: diff((s) => (s.lastAnswerAt ? (s.floorAt as number) - s.lastAnswerAt : undefined)),
    managerMinusFloor: diff((s) => (s.managerAt as number) - (s.floorAt as number)),
    realAgentsOnly: {
      managerFromCrash: summarize(
        complete.filter((s) => s.kind === "agent").map((s) => (s.managerAt as number) - s.crashAt),
      ),
      managerMinusFloor: summarize(
        complete
          .filter((s) => s.kind === "agent")
          .map((s) => (s.managerAt as number) - (s.floorAt as number)),
      ),
    },
  };
}
