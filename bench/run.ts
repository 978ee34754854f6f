// `npm run bench` (quick, < 2 min) and `npm run bench -- --full` (~5 min), or
// `npm run bench -- --only <scenario>`. Starts its own etcd on free loopback ports and
// a real `fleetwatch server`, runs the scenarios of issue 7, prints a table and writes
// bench/results.json and bench/RESULTS.md. Every load is bounded in count and time.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Bench, FloorWatcher, machineInfo, startBenchEtcd, startServer } from "./env.ts";
import { BENCH_NODE, type NodeBinary, resolveNodeBinary } from "./node-binary.ts";
import { renderMarkdown } from "./report.ts";
import { crashScenario } from "./scenarios/crash.ts";
import { footprintScenario } from "./scenarios/footprint.ts";
import {
  agentScenario,
  coldStartScenario,
  configScenario,
  fleetDefaultScenario,
  leaveScenario,
  steadyScenario,
} from "./scenarios/more.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const TTL = 5;

type Scenario = { name: string; title: string; run: (b: Bench) => Promise<unknown> };

const SCENARIOS: Scenario[] = [
  { name: "crash", title: "1. Crash -> DEAD", run: (b) => crashScenario(b, TTL) },
  { name: "leave", title: "2. Graceful leave -> LEFT", run: leaveScenario },
  { name: "config", title: "3. Config update -> applied + acknowledged", run: configScenario },
  { name: "fleet", title: "4. Fleet default change -> acknowledged by all", run: fleetDefaultScenario },
  {
    name: "steady",
    title: "5. Steady state",
    run: async (b) =>
      b.full
        ? {
            n1000: await steadyScenario(b, 1000, 30, true),
            n10000: await steadyScenario(b, 10_000, 60, true),
          }
        : { n1000: await steadyScenario(b, 1000, 10, true) },
  },
  {
    name: "cold",
    title: "6. Manager cold start (own etcd, exactly N known nodes)",
    run: async (b) =>
      b.full
        ? { n1000: await coldStartScenario(b, 1000, 3), n10000: await coldStartScenario(b, 10_000, 3) }
        : { n1000: await coldStartScenario(b, 1000, 1) },
  },
  { name: "agent", title: "7. Agent footprint", run: agentScenario },
  { name: "footprint", title: "8. Agent footprint beside its floors (one run)", run: footprintScenario },
];

function parseArgs(argv: string[]): { full: boolean; only: string[]; node: NodeBinary } {
  const out = { full: false, only: [] as string[], node: BENCH_NODE };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--full") out.full = true;
    else if (arg === "--render-only") {
      // Re-render RESULTS.md from the results.json of the last run (after editing report.ts).
      const report = JSON.parse(readFileSync(join(HERE, "results.json"), "utf8"));
      writeFileSync(join(HERE, "RESULTS.md"), renderMarkdown(report));
      process.exit(0);
    } else if (arg === "--only") out.only.push(...(argv[++i] ?? "").split(",").filter(Boolean));
    else if (arg === "--node") {
      const path = argv[++i];
      if (!path) {
        console.error("--node needs the path of a node binary (or of its bin/ dir)");
        process.exit(2);
      }
      try {
        out.node = resolveNodeBinary(path);
      } catch (err) {
        console.error((err as Error).message);
        process.exit(2);
      }
    } else if (arg === "--help" || arg === "-h") {
      console.log(
        `usage: npm run bench -- [--full] [--render-only] [--only ${SCENARIOS.map((s) => s.name).join("|")}[,...]] [--node <path>]\n` +
          "  --node <path>  the node binary (or its bin/ dir) that the footprint scenario's floors and agents and\n" +
          "                 the bench's manager run on (default: the Node running the bench); other scenarios'\n" +
          "                 simulators, agents and cold-start managers stay on the bench's Node",
      );
      process.exit(0);
    } else {
      console.error(`unknown argument ${arg}`);
      process.exit(2);
    }
  }
  const unknown = out.only.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) {
    console.error(
      `unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`,
    );
    process.exit(2);
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: an earlier run's report, merged as it was written.
function readPreviousReport(): any {
  try {
    const previous = JSON.parse(readFileSync(join(HERE, "results.json"), "utf8"));
    // A report that itself carried sections over keeps naming the run they came from.
    return previous.carriedOver
      ? { ...previous, machine: { ...previous.machine, ...previous.carriedOver } }
      : previous;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const say = (line: string) => console.log(line);
  const machine = machineInfo();
  say(
    `fleetwatch bench (${args.full ? "full" : "quick"}) on ${machine.nproc} cores, ${machine.memoryGiB} GiB, node ${machine.node}, etcd ${machine.etcd}`,
  );
  if (args.node !== BENCH_NODE)
    say(`  measured processes (footprint, manager) on node ${args.node.version} (${args.node.path})`);
  const etcd = await startBenchEtcd();
  const endpoint = etcd.endpoints;
  const results: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  let server: Bench["server"] | undefined;
  let floor: FloorWatcher | undefined;
  try {
    floor = await FloorWatcher.start(etcd.hosts);
    server = await startServer(endpoint, "server", args.node.path);
    const b: Bench = { full: args.full, node: args.node, etcd, endpoint, server, floor, say };
    for (const s of SCENARIOS) {
      if (args.only.length && !args.only.includes(s.name)) continue;
      const t0 = Date.now();
      say(`${s.title} ...`);
      try {
        results[s.name] = await s.run(b);
      } catch (err) {
        errors[s.name] = err instanceof Error ? err.message.split("\n").slice(0, 60).join("\n") : String(err);
        say(`  FAILED: ${errors[s.name]}`);
      }
      say(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await server?.stop().catch(() => undefined);
    await floor?.close().catch(() => undefined);
    await etcd.stop().catch(() => undefined);
  }
  // --only re-runs some scenarios: the others keep the figures of the last full report.
  const previous = args.only.length ? readPreviousReport() : undefined;
  const report = {
    mode: args.full ? "full" : "quick",
    only: args.only.length ? args.only : undefined,
    carriedOver: previous
      ? { date: previous.machine?.date, commit: previous.machine?.commit, mode: previous.mode }
      : undefined,
    durationS: Math.round((Date.now() - started) / 1000),
    ttlS: TTL,
    machine,
    results: { ...previous?.results, ...results },
    errors,
  };
  writeFileSync(join(HERE, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
  const md = renderMarkdown(report);
  writeFileSync(join(HERE, "RESULTS.md"), md);
  say("");
  say(md);
  say(`wrote bench/results.json and bench/RESULTS.md in ${report.durationS} s`);
  process.exit(Object.keys(errors).length ? 1 : 0);
}

await main();
