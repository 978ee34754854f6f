// Invented but plausible values for every field of every metric a simulated node is configured
// to collect, built from the descriptor table so the simulator publishes exactly what a real
// agent publishes (one sample contract: src/shared/sample.ts). Counters grow between samples,
// so rate() over the exported `_total` series behaves as it does for a real node.
import { type FieldUnit, type MetricName, metricDescriptor } from "../shared/metric-descriptors.ts";

/** A source of numbers in [0, 1); tests pass a fixed sequence. */
export type Random = () => number;

const GIB = 2 ** 30;

/** One simulated node's state across samples: its memory size and its running counters. */
export class SyntheticSampler {
  private readonly totals = new Map<string, number>();
  private readonly memoryBytes: number;

  constructor(private readonly random: Random = Math.random) {
    this.memoryBytes = (2 + Math.floor(random() * 31)) * GIB;
  }

  /** Values for `metrics` over a window of `intervalS` seconds. */
  sample(metrics: readonly MetricName[], intervalS: number): Record<string, Record<string, number>> {
    const values: Record<string, Record<string, number>> = {};
    for (const name of metrics) {
      const descriptor = metricDescriptor(name);
      if (!descriptor) continue;
      const fields: Record<string, number> = {};
      for (const f of descriptor.fields)
        fields[f.field] = this.value(`${name}.${f.field}`, f.unit, intervalS);
      if (name === "memory") {
        // Keep the three memory fields consistent with each other, as the real collector does.
        fields.total_bytes = this.memoryBytes;
        fields.used_bytes = Math.round((fields.used_ratio ?? 0) * this.memoryBytes);
      }
      values[name] = fields;
    }
    return values;
  }

  private value(key: string, unit: FieldUnit, intervalS: number): number {
    const r = this.random();
    switch (unit) {
      case "ratio":
        return Math.round(r * 1000) / 1000;
      case "bytes":
        return Math.round(r * this.memoryBytes);
      case "bytes_per_second":
        return Math.round(r * 5_000_000);
      case "bytes_total": {
        const total = (this.totals.get(key) ?? Math.round(r * 1e9)) + Math.round(r * 5_000_000 * intervalS);
        this.totals.set(key, total);
        return total;
      }
      case "load":
        return Math.round(r * 400) / 100;
      case "count":
        return 80 + Math.floor(r * 300);
      default: {
        const unreachable: never = unit;
        throw new Error(`unknown unit ${String(unreachable)}`);
      }
    }
  }
}
