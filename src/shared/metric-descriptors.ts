// The one table that says what each metric of a node is: its sample fields, their units, how a
// person reads them (console line, dashboard chart) and how Prometheus exports them. Each entry is
// declared by its collector module, next to the code that produces those fields, and the table is
// derived from the one list of collectors (src/agent/collectors/registry.ts): adding a metric is
// those two files. The simulator invents values for the fields, the manager's exporter and the
// dashboard (served as JSON at /api/metric-descriptors) read them from here. The collector modules
// are pure (their I/O edge, system-env.ts, is the agent's alone), so reading the table loads no
// file-system code: test/unit/agent-imports.test.ts pins that for the manager and the simulator.
//
// Prometheus names follow the conventions of issue 12 / prometheus.io/docs/practices/naming:
// base units (bytes, seconds), ratios 0-1 (never `_pct`), cumulative counters ending in `_total`
// for byte totals so rate() works, no word repeated (`load1`, not `load_load1`). Per-second fields
// exist for the console and the charts only; Prometheus computes rates itself from the counters.

import { COLLECTORS } from "../agent/collectors/registry.ts";

/** How a field's number is meant; drives formatting (console, dashboard) and synthetic values (sim). */
export type FieldUnit = "ratio" | "bytes" | "bytes_total" | "bytes_per_second" | "count" | "load";

export interface FieldDescriptor {
  /** Key in the sample: `values.<metric>.<field>`. */
  readonly field: string;
  /** Legend of the field in a chart. */
  readonly label: string;
  readonly unit: FieldUnit;
  /** Exported as `name{node}` at /metrics; absent: not exported (a per-second view of a counter). */
  readonly prom?: { readonly name: string; readonly type: "gauge" | "counter"; readonly help: string };
}

export interface MetricDescriptor {
  readonly name: string;
  /** Chart title. */
  readonly title: string;
  readonly fields: readonly FieldDescriptor[];
  /** Console and table summary; `{field}` is replaced by the formatted field. */
  readonly format: string;
  /** The chart on the node page: the fields it plots, its unit, and a fixed top when there is one. */
  readonly chart: { readonly fields: readonly string[]; readonly unit: FieldUnit; readonly max?: number };
}

/** The table, in the registry's order: plain data (served as JSON), no collector code. */
export const METRIC_DESCRIPTORS = COLLECTORS.map((definition) => definition.descriptor);

export type MetricName = (typeof COLLECTORS)[number]["descriptor"]["name"];

export const METRIC_NAMES = METRIC_DESCRIPTORS.map((d) => d.name) as unknown as readonly [
  MetricName,
  ...MetricName[],
];

const BY_NAME = new Map<string, MetricDescriptor>(METRIC_DESCRIPTORS.map((d) => [d.name, d]));

export function metricDescriptor(name: string): MetricDescriptor | undefined {
  return BY_NAME.get(name);
}

/** Every exported field as `metric.field` -> its Prometheus spec. */
export function promFields(): Map<string, NonNullable<FieldDescriptor["prom"]>> {
  const out = new Map<string, NonNullable<FieldDescriptor["prom"]>>();
  for (const d of METRIC_DESCRIPTORS as readonly MetricDescriptor[]) {
    for (const f of d.fields) if (f.prom) out.set(`${d.name}.${f.field}`, f.prom);
  }
  return out;
}
