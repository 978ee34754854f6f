// Per-sample garbage of the agent's collection run (issue 13): what one run of the collectors,
// its console lines and the stored sample allocate on the V8 heap, and what stays alive after it.
//   node --expose-gc --import tsx bench/sample-garbage.ts [runs]
// Allocation = growth of the young generation over one run, right after a full GC (a run
// allocates far less than one semi-space, so no scavenge happens inside it); retained = heap
// used after a full GC, before the first and after the last run.
import { setTimeout as delay } from "node:timers/promises";
import v8 from "node:v8";
import { createCollectors, formatSample, type Sample } from "../src/agent/collectors/index.ts";
import { METRIC_NAMES, type MetricName } from "../src/shared/metric-descriptors.ts";
import { encodeSample } from "../src/shared/sample-encode.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const runs = Number(process.argv[2] ?? 50);
const newSpaceUsed = () =>
  v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_used_size ?? 0;

async function measure(metrics: readonly MetricName[]) {
  // No wait inside a run, as at the agent's interval: the runs are 100 ms apart (outside the
  // measurement), long enough for the kernel's 10 ms CPU ticks to advance.
  const collectors = createCollectors({ minWindowMs: 20 });
  const run = async () => {
    const values: Record<string, Sample> = {};
    const lines: string[] = [];
    for (const metric of metrics) {
      const sample = await collectors[metric].collect();
      values[metric] = sample;
      lines.push(`  ${formatSample(metric, sample)}`);
    }
    return [lines.join("\n"), encodeSample(Date.now(), 10, values)];
  };
  for (let i = 0; i < 5; i++) {
    await delay(100);
    await run();
  } // warm up: code compiled, first windows taken
  gc?.();
  const retainedBefore = process.memoryUsage().heapUsed;
  const allocated: number[] = [];
  let bytesOut = 0;
  for (let i = 0; i < runs; i++) {
    await delay(100);
    gc?.();
    const before = newSpaceUsed();
    const [text, stored] = await run();
    allocated.push(newSpaceUsed() - before);
    bytesOut = (text?.length ?? 0) + (stored?.length ?? 0);
  }
  gc?.();
  const retainedAfter = process.memoryUsage().heapUsed;
  allocated.sort((a, b) => a - b);
  return {
    metrics: metrics.join("+"),
    allocatedKiBp50: Math.round((allocated[Math.floor(runs / 2)] ?? 0) / 102.4) / 10,
    allocatedKiBmax: Math.round((allocated.at(-1) ?? 0) / 102.4) / 10,
    outputBytes: bytesOut,
    retainedGrowthKiB: Math.round((retainedAfter - retainedBefore) / 102.4) / 10,
  };
}

console.log(JSON.stringify(await measure(["cpu", "memory"])));
console.log(JSON.stringify(await measure(METRIC_NAMES)));
