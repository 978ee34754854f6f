// Heap held by the manager's sample window (manager/http/samples.ts) for a fleet after 10
// minutes at interval 10 s: every node's 60 samples, cpu+memory as the agent sends by default,
// or all six metrics. A full GC before and after; the store alone is what is measured.
//   node --expose-gc --import tsx bench/sample-store-memory.ts [nodes] [all]
import { SampleStore } from "../src/manager/http/samples.ts";
import { encodeSample } from "../src/shared/sample-encode.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const nodes = Number(process.argv[2] ?? 10_000);
const allMetrics = process.argv[3] === "all";
const INTERVAL_S = 10;
const PER_NODE = 60; // 10 minutes at 10 s

function values(i: number, j: number): Record<string, Record<string, number>> {
  const v: Record<string, Record<string, number>> = {
    cpu: { usage_ratio: ((i * 7 + j) % 100) / 100 },
    memory: { used_bytes: 4e9 + i * 1000 + j, total_bytes: 8_000_000_000, used_ratio: 0.5 + j / 1000 },
  };
  if (allMetrics) {
    v.disk_io = {
      read_bytes_per_second: 1000 + j,
      write_bytes_per_second: 2000 + i,
      read_bytes: 1e9 + j,
      write_bytes: 2e9 + j,
    };
    v.network = {
      rx_bytes_per_second: 10 + j,
      tx_bytes_per_second: 20 + j,
      rx_bytes: 1e10 + j,
      tx_bytes: 2e10 + j,
    };
    v.load = { load1: j / 10, load5: j / 20, load15: j / 30 };
    v.process_count = { count: 300 + j };
  }
  return v;
}

gc();
const before = process.memoryUsage().heapUsed;
const store = new SampleStore();
let revision = 0;
const start = Date.now();
for (let j = 0; j < PER_NODE; j++) {
  const now = start + j * INTERVAL_S * 1000;
  for (let i = 0; i < nodes; i++) {
    const result = store.accept(`node-${i}`, encodeSample(now, INTERVAL_S, values(i, j)), ++revision, now);
    if (!result.ok) throw new Error(`sample refused: ${JSON.stringify(result)}`);
  }
}
gc();
const held = process.memoryUsage().heapUsed - before;
const samples = nodes * PER_NODE;
const kept = Array.from({ length: nodes }, (_, i) => store.get(`node-${i}`)?.size ?? 0).reduce(
  (a, b) => a + b,
  0,
);
if (kept !== samples) throw new Error(`the store kept ${kept} samples, not ${samples}`);
console.log(
  `${nodes} nodes x ${PER_NODE} samples (${allMetrics ? "all six metrics" : "cpu+memory"}): ` +
    `${(held / 1048576).toFixed(1)} MB of heap, ${Math.round(held / samples)} bytes per sample`,
);
