// Section 8 of bench/RESULTS.md (footprint beside its floors) and its goals (issue 13).
import { fmtMs, type Summary } from "./stats.ts";

// biome-ignore lint/suspicious/noExplicitAny: the report reads the results it just wrote.
type Any = any;

const mark = (ok: boolean) => (ok ? "**met**" : "**NOT met**");
const row = (label: string, s: Summary | undefined) =>
  s
    ? `| ${label} | ${s.n} | ${fmtMs(s.min)} | ${fmtMs(s.p50)} | ${fmtMs(s.p99)} | ${fmtMs(s.max)} |`
    : `| ${label} | – | | | | |`;

export function renderFootprint(f: Any, out: string[], goals: string[]): void {
  out.push("## 8. Agent footprint beside its floors (one run)", "");
  out.push(
    `All processes below ran side by side on the same etcd for the same ${f.steadyS} s: a bare \`node\` that does nothing, ` +
      "the etcd3 floor (a `node` holding one etcd3 lease with one key, `bench/floors/etcd3-lease.cjs`, same Node and client), " +
      "the same floor handed fleetwatch's precompiled gRPC definition (`shared/etcd-proto.ts`, *precompiled*), and `fleetwatch agent --quiet` " +
      `(compiled dist/, interval ${f.intervalS} s, cpu+memory samples) as shipped, with V8's default settings, with etcd3 parsing its own rpc.proto, and under \`--lite-mode\`. RSS at ${f.steadyS} s after the spawn, and the largest of the samples taken every 5 s from 30 s on; ` +
      `CPU from 5 s to ${f.steadyS} s (start-up excluded), as % of one core (0.1 % = 0.06 CPU-seconds per minute). ` +
      (f.loadAverage
        ? `Load average at the end of the steady minute: ${f.loadAverage.join(", ")} (1, 5, 15 min). `
        : "") +
      // Runs before --node existed recorded no version: they ran on the bench's Node (the header's).
      (f.node
        ? `Node: every process in this section, the bench's manager included, ran on **Node.js ${f.node}** (\`${f.nodePath}\`).`
        : "Node: the bench's (see the header)."),
    "",
  );
  out.push(
    "| process | RSS at 60 s | vs etcd3 floor | largest RSS 30-60 s | CPU % of a core |",
    "|---|---|---|---|---|",
  );
  const floor = f.steady.find((s: Any) => s.kind === "floor");
  for (const s of f.steady) {
    const ratio = floor?.rssMB && s.rssMB ? `${(s.rssMB / floor.rssMB).toFixed(2)} ×` : "–";
    out.push(
      `| ${s.label}${s.alive ? "" : " (exited!)"} | ${s.rssMB ?? "–"} MB | ${ratio} | ${s.rssMax30to60MB ?? "–"} MB | ${s.cpuPct ?? "–"} % |`,
    );
  }
  out.push("");
  out.push(
    `Spawn → ready, ${f.spawns} spawns of each, alternating: agent = its \`[Heartbeat] Node … registered\` line (lease granted, heartbeat key put); floor = its \`held\` line (lease granted, key put).`,
    "",
    "| measure | n | min | p50 | p99 | max |",
    "|---|---|---|---|---|---|",
  );
  out.push(row("agent: spawn → first heartbeat", f.startMs.agent));
  out.push(
    row(
      "agent, V8 defaults (FLEETWATCH_AGENT_V8=default): spawn → first heartbeat",
      f.startMs.agentV8Default,
    ),
  );
  out.push(row("agent, etcd3 parsing rpc.proto: spawn → first heartbeat", f.startMs.agentEtcd3Proto));
  out.push(row("etcd3 floor: spawn → lease held", f.startMs.floor));
  out.push(row("etcd3 floor, precompiled: spawn → lease held", f.startMs.floorPrecompiled));
  out.push("");
  out.push(
    `Manager (the bench's \`fleetwatch server\`, HTTP on) RSS at the end: ${f.server.rssMB} MB with ${f.server.knownNodes} known nodes.`,
    "",
  );

  out.push(...FOOTPRINT_NOTES, "");

  const agent = f.steady.find((s: Any) => s.kind === "agent");
  const deployed = f.steady.find((s: Any) => s.kind === "agent" && /as deployed/.test(s.label));
  const precompiled = f.steady.find((s: Any) => s.kind === "floor-precompiled");
  const etcd3Proto = f.steady.find((s: Any) => s.kind === "agent" && /FLEETWATCH_ETCD_PROTO/.test(s.label));
  for (const a of [agent, deployed]) {
    if (!a?.rssMB || !floor?.rssMB) continue;
    const which = a === agent ? "agent as shipped" : "agent as deployed (NODE_OPTIONS=--lite-mode)";
    goals.push(
      `| 8 | ${which}: RSS ≤ 1.1 × etcd3 floor (${(1.1 * floor.rssMB).toFixed(1)} MB) | ${mark(a.rssMB <= 1.1 * floor.rssMB)}: ${a.rssMB} MB vs floor ${floor.rssMB} MB |`,
      `| 8 | ${which}: then under the etcd3 floor | ${mark(a.rssMB < floor.rssMB)}: ${a.rssMB} MB |`,
      `| 8 | ${which}: steady CPU ≤ floor + 0.2 % of a core | ${mark(a.cpuPct <= floor.cpuPct + 0.2)}: ${a.cpuPct} % vs floor ${floor.cpuPct} % |`,
    );
  }
  if (precompiled?.rssMB && floor?.rssMB && agent?.rssMB && etcd3Proto?.rssMB && f.startMs.agentEtcd3Proto)
    goals.push(
      `| 8 | leaner gRPC path (precompiled definition, no .proto parsing): measure the saving | floor ${(floor.rssMB - precompiled.rssMB).toFixed(1)} MB (${precompiled.rssMB} vs ${floor.rssMB} MB), start p50 ${fmtMs(f.startMs.floorPrecompiled.p50)} vs ${fmtMs(f.startMs.floor.p50)}; agent ${(etcd3Proto.rssMB - agent.rssMB).toFixed(1)} MB (${agent.rssMB} vs ${etcd3Proto.rssMB} MB), first heartbeat p50 ${fmtMs(f.startMs.agent.p50)} vs ${fmtMs(f.startMs.agentEtcd3Proto.p50)}: taken |`,
    );
  const a50 = f.startMs.agent.p50;
  const f50 = f.startMs.floor.p50;
  goals.push(
    `| 8 | spawn → first heartbeat p50 ≤ floor + 150 ms (${fmtMs(f50 + 150)}) | ${mark(a50 <= f50 + 150)}: ${fmtMs(a50)} |`,
    `| 8 | spawn → first heartbeat p50 ≤ 300 ms on a quiet machine | ${mark(a50 <= 300)}: ${fmtMs(a50)} (the floor took ${fmtMs(f50)} in the same run) |`,
  );
  if (f.server.rssMB && floor?.rssMB)
    goals.push(
      `| 8 | manager RSS at ~10 nodes ≤ 1.3 × etcd3 floor (${(1.3 * floor.rssMB).toFixed(1)} MB) | ${mark(f.server.rssMB <= 1.3 * floor.rssMB)}: ${f.server.rssMB} MB with ${f.server.knownNodes} known nodes |`,
    );
}

/** What the measurements above and by hand showed (2026-12-04, 2 shared cores, load 0.6-11). */
const FOOTPRINT_NOTES = [
  "What was measured and decided:",
  "",
  "- **zod off the agent's path.** The agent decodes its one stored value, its config, with " +
    "`shared/config-value.ts`'s hand checks (same answers and sentences as the zod schema: " +
    "`test/unit/config-value.test.ts` runs schema.test.ts's vectors, zod's order-of-check edges and 4,000 " +
    "generated values through both); `test/unit/agent-imports.test.ts` fails if zod comes back. Before: " +
    "zod was +7 MB and 143-315 ms of the agent's start.",
  "- **Leaner gRPC path: taken, as a precompiled definition.** etcd3 parses rpc.proto's text at load with " +
    "@grpc/proto-loader and the full protobufjs, and builds reflection descriptors a client never reads. " +
    "Every fleetwatch process now hands etcd3 the same package definition built from `shared/etcd-rpc.json` " +
    "(the same proto compiled once) with protobufjs/light (`shared/etcd-proto.ts`; unit test: every method's " +
    "path, name, bytes and decoded objects equal proto-loader's; liveness fault tests pass). Measured in the " +
    "same runs (agent with `FLEETWATCH_ETCD_PROTO=etcd3` as the A/B): agent -2.0 and -3.8 MB, first heartbeat " +
    "p50 -120 and -223 ms. In CPU profiles of the agent's start, protobufjs went from ~240 ms to ~35-60 ms " +
    "(load 7-17). Cutting rpc.proto's text to KV, Watch and Lease (an earlier try) saved 0.3 MB and no time. " +
    "The floor itself gains little from it (its start is mostly @grpc/grpc-js and node's module loading).",
  "- **CommonJS packages by require(), not import (2026-12-05).** fleetwatch is ES modules; etcd3, cockatiel, " +
    "pino, commander and prom-client are CommonJS. An ES import of a CommonJS module makes Node lex its source, " +
    "and every file it re-exports, for named exports before evaluating it. By hand at load 0: `import` of etcd3 " +
    "+ pino + commander 300-310 ms and 69-73 MB, `require()` 260 ms and 64 MB. They now go through " +
    "`shared/cjs/` (types by `import type`); `test/unit/agent-imports.test.ts` fails on any ES import of a " +
    "CommonJS package. Agent side by side with the previous build (45 s, load 3.6): 66.3 vs 70.6 MB. pino is " +
    "loaded at the first log line at or above the level (`shared/log.ts`): a healthy agent never loads it.",
  "- **V8 sized for a small daemon, by the agent itself (2026-12-05).** RSS every 5 s of one agent and one " +
    "floor on V8's defaults (by hand, load ~3): both hold a new space of 8-16 MB that start-up's allocation grew, " +
    "until V8's memory reducer shrinks it to 1 MB and compacts the old space (RSS -6 to -7 MB): at 20-25 s for the " +
    "floor, at 36 s, 50 s or not within 70 s for the agent, so one RSS sample at 60 s moved by 6 MB between runs. " +
    "A full GC (`gc()` through `--expose-gc`) at 3 s or 12 s does not shrink it. `fleetwatch agent` now sets, " +
    "before etcd3 and gRPC load, `--no-opt --no-maglev --no-sparkplug --semi-space-growth-factor=1` " +
    "(`agent/v8-flags.ts`; V8 reads these when it tiers a function up or grows the new space, so they work at run " +
    "time; `test/unit/agent-v8-flags.test.ts` checks the new space stays put): new space 2 MB from the first " +
    "second, RSS 57.2 MB at 10-30 s and 56.1 MB at 60 s against 64.6 and 59.0 MB (the reducer ran at 36 s in that " +
    "run); the node binary's file-backed pages 39.4 instead of 43.0 MB without the optimizing compilers. Start-up " +
    "is no slower (table above: V8 defaults as the A/B) and steady CPU stays within 0.1 % of a core of the floor. " +
    "`--lite-mode` cannot be set at run time (V8 aborts when WebAssembly compiles: lite mode implies jitless), so " +
    "the deploy files keep `NODE_OPTIONS=--lite-mode` for the last 5-6 MB. Heap-size flags " +
    "(`--max-semi-space-size`) are fixed when the isolate is made: no effect at run time. Earlier command-line " +
    "runs (2026-12-04): `--max-semi-space-size=1` 64.3-70.0 MB, `--optimize-for-size` 66.5-66.8 MB, " +
    "`--single-threaded-gc` no gain.",
  "- **Node 20.20** (this machine's Node; the same full scenario without `--node`, 2026-12-05 08:38, load 0.44 " +
    "at the end): floor 58.8 MB / 337 ms, precompiled floor 56.2 MB / 300 ms, agent as shipped 58.2 MB (0.99 ×) / " +
    "0.564 % (floor 0.491 %) / first heartbeat p50 339 ms, V8 defaults 58.8 MB / 373 ms, `--lite-mode` 52.3 MB " +
    "(0.89 ×), manager 69.0 MB at 31 nodes (1.17 ×). An earlier quiet pair (08:11-08:13, before the agent " +
    "registered first): Node 22 agent 69.1 MB / 302 ms (floor 68.4 MB / 304 ms), Node 20 57.4 MB / 337 ms (floor " +
    "59.0 MB / 329 ms). Node 22 holds ~10 MB more than 20 in every process (the larger binary's pages: RssFile " +
    "50.2 vs 43.3 MB by hand) and starts faster.",
  "- **Per-sample garbage** (`node --expose-gc --import tsx bench/sample-garbage.ts`): one cpu+memory run " +
    "(collectors, console lines, stored sample) allocated 42 KiB of heap, 16 KiB per /proc file in " +
    "fs/promises' readFile plus a 64 KiB buffer each; the collectors now read procfs synchronously (in memory, " +
    "microseconds): 19-20 KiB per run (65-68 KiB with all six metrics) for ~210 (640) bytes of output, and " +
    "no growth of the heap retained over 50-300 runs beyond noise (-6 to +80 KiB, not proportional to runs). " +
    "Nothing is kept across samples but the last stored value (the session re-puts it after a re-grant).",
  "- **Manager.** The precompiled gRPC definition applies to it too, and its start no longer loads yaml " +
    "(only ctl reads YAML files). Its static closure still holds alerting and prom-client (used with HTTP on).",
  "- **Before this work** (2026-12-04, four runs, load 0.8-11): agent 70.3-75.5 MB (1.16-1.24 × its floor, " +
    "60.1-61.3 MB), first heartbeat p50 479-856 ms against the floor's 385-694 ms.",
  "- **Manager at 10,000 nodes** (`npm run bench -- --full --only steady`, three runs on 2026-12-04 after this " +
    "work: 20:09 at load 3.4, 20:55 and 20:58 at load 0.1-1): 196.8, 189.7 and 274.1 MB RSS, 8.0, 10.7 and 9.5 % " +
    "of a core, against 194.9 MB / 8 % before. That was one RSS sample at the end of the steady minute; section 5 " +
    "now samples every 2 s and judges the median. Runs of 2026-12-05 (1-min load average over the window): " +
    "before the change below, median 183.9 and 207.8 MB (max 215.1, 237.6; load 2.8→1.2, 0.9→0.5), 8.7 and 8.0 % of " +
    "a core; after it, 180.8, 148.4, 146.5 and 156.3 MB (max 201.2, 155.7, 155.7, 169.4; load 3.3→5.1, 4.6→4.7, " +
    "1.8→2.3, 2.0→1.1), 5.9, 7.0, 7.5 and 7.2 %. Nine more runs (one under --cpu-prof) did not bring 10,000 " +
    "nodes up or lost thousands of leases while other work loaded the 2 cores to 5-15; they were discarded " +
    "(section 5's goals now say when a window lost leases). RSS climbs through the minute (0.7-1.7 MB/s in " +
    "the series) and drops at each full GC: only 72-81 MB of the heap is live (heap snapshots at the end of the " +
    "minute, by hand, same scenario), V8's heap is 125-148 MB, the rest of the RSS is code and native memory. The change: the dashboard " +
    "kept, for every sampled node, the JSON of each field last sent to SSE clients (a Map per node: 13.7 MB in " +
    "the snapshot, replaced at every sample, so old-generation garbage) even with no dashboard open; it now keeps " +
    "none while no stream is open and starts from the snapshot a new stream gets. What stays: ~165 bytes per " +
    "kept metric sample (~17 MB after the minute; the window is 10 minutes, so ~100 MB at 10,000 nodes after 10 " +
    "minutes), prom-client's per-node sample series (~7 MB; a /metrics scrape adds about as much for the per-node fleet series), the node views. Since then the sample window is kept in columns of numbers (`manager/http/samples.ts`): " +
    "10,000 nodes x 60 samples, what 10 minutes at 10 s leave, hold 47.9 MB of heap instead of 116.0 MB with " +
    "cpu+memory, 135.8 instead of 227.6 MB with all six metrics (`node --expose-gc --import tsx " +
    "bench/sample-store-memory.ts 10000 [all]`). Section 5 is a run after it (09:00, load 0.2 → 2.6): median " +
    "153.2 MB, 7.8 % of a core; the quiet run before it (08:13) 152.1 MB, 6.8 %. A one-minute window holds six " +
    "samples a node, so the saving shows after minutes, not in this scenario.",
  "- **Build: tsc, not an esbuild bundle.** By hand, 7 spawns each, agent spawn → registered p50 / RSS at 12 s " +
    "(2026-12-04): tsc output 474 ms / 77.4 MB; esbuild split bundle 1008 ms / 81.1 MB; esbuild bundle with the " +
    "dependencies inside 757 ms / 80.9 MB; tsx 2123 ms / 105.1 MB. Again after the require() change " +
    "(2026-12-05, fleetwatch's own modules bundled, packages external, 21 alternating spawns, load 3.3): " +
    "363 vs 357 ms p50.",
  "- **What the agent's start still spends** (CPU profiles, 2026-12-05): loading etcd3, @grpc/grpc-js, " +
    "protobufjs and cockatiel, as the floor does, is most of it; then GC (~45 ms), commander (~10-15 ms quiet) " +
    "and fleetwatch's own ES modules. The agent registers before it loads its config watch and collectors " +
    "(`agent/monitor.ts`, 6-10 ms of module loading by hand). Its first heartbeat is now where the etcd3 floor " +
    "holds its lease: under 300 ms on Node 22, 339 ms on Node 20 whose floor took 337 ms. Node 22's compile " +
    "cache (`NODE_COMPILE_CACHE`), by hand on 22.23.5 with a warm cache and without: p50 584 vs 571 ms (9 " +
    "each, load 10-12) and 551 vs 619 ms (11 each, load 5.5-6.4), no gain out of the noise.",
  "- **Start-up depends on the machine's load** (the header gives the run's load average): compare the " +
    "agent with the floor's own spawn → lease held in the same table. On the loaded machine (load 20-40) " +
    "the floor took 0.85-1.7 s to hold a lease; on the quiet machine 261-333 ms.",
];
