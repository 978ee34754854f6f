// The one table that says what each metric of a node is: its sample fields, their units, how a
// person reads them (console line, dashboard chart) and how Prometheus exports them. The agent's
// collectors produce these fields, the simulator invents values for them, the manager's exporter
// and the dashboard (served as JSON at /api/metric-descriptors) read them from here. Adding a
// metric is one collector module plus one entry below (and its line in collectors/index.ts).
//
// Prometheus names follow the conventions of issue 12 / prometheus.io/docs/practices/naming:
// base units (bytes, seconds), ratios 0-1 (never `_pct`), cumulative counters ending in `_total`
// for byte totals so rate() works, no word repeated (`load1`, not `load_load1`). Per-second fields
// exist for the console and the charts only; Prometheus computes rates itself from the counters.

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

const node = (what: string) => `${what}, as last reported by the node's agent`;

export const METRIC_DESCRIPTORS = [
  {
    name: "cpu",
    title: "CPU usage",
    fields: [
      {
        field: "usage_ratio",
        label: "cpu",
        unit: "ratio",
        prom: {
          name: "fleetwatch_node_cpu_usage_ratio",
          type: "gauge",
          help: node("Busy share of CPU time 0-1"),
        },
      },
    ],
    format: "{usage_ratio}",
    chart: { fields: ["usage_ratio"], unit: "ratio", max: 1 },
  },
  {
    name: "memory",
    title: "Memory used",
    fields: [
      {
        field: "used_bytes",
        label: "used",
        unit: "bytes",
        prom: { name: "fleetwatch_node_memory_used_bytes", type: "gauge", help: node("Memory in use") },
      },
      {
        field: "total_bytes",
        label: "total",
        unit: "bytes",
        prom: { name: "fleetwatch_node_memory_total_bytes", type: "gauge", help: node("Memory installed") },
      },
      {
        field: "used_ratio",
        label: "used",
        unit: "ratio",
        prom: {
          name: "fleetwatch_node_memory_used_ratio",
          type: "gauge",
          help: node("Share of memory in use 0-1"),
        },
      },
    ],
    format: "{used_bytes} / {total_bytes} ({used_ratio})",
    chart: { fields: ["used_ratio"], unit: "ratio", max: 1 },
  },
  {
    name: "disk_io",
    title: "Disk I/O",
    fields: [
      { field: "read_bytes_per_s", label: "read", unit: "bytes_per_second" },
      { field: "write_bytes_per_s", label: "write", unit: "bytes_per_second" },
      {
        field: "read_bytes_total",
        label: "read",
        unit: "bytes_total",
        prom: {
          name: "fleetwatch_node_disk_read_bytes_total",
          type: "counter",
          help: node("Bytes read from whole disks"),
        },
      },
      {
        field: "write_bytes_total",
        label: "written",
        unit: "bytes_total",
        prom: {
          name: "fleetwatch_node_disk_written_bytes_total",
          type: "counter",
          help: node("Bytes written to whole disks"),
        },
      },
    ],
    format: "read {read_bytes_per_s}, write {write_bytes_per_s}",
    chart: { fields: ["read_bytes_per_s", "write_bytes_per_s"], unit: "bytes_per_second" },
  },
  {
    name: "network",
    title: "Network",
    fields: [
      { field: "rx_bytes_per_s", label: "rx", unit: "bytes_per_second" },
      { field: "tx_bytes_per_s", label: "tx", unit: "bytes_per_second" },
      {
        field: "rx_bytes_total",
        label: "received",
        unit: "bytes_total",
        prom: {
          name: "fleetwatch_node_network_receive_bytes_total",
          type: "counter",
          help: node("Bytes received on non-loopback interfaces"),
        },
      },
      {
        field: "tx_bytes_total",
        label: "sent",
        unit: "bytes_total",
        prom: {
          name: "fleetwatch_node_network_transmit_bytes_total",
          type: "counter",
          help: node("Bytes sent on non-loopback interfaces"),
        },
      },
    ],
    format: "rx {rx_bytes_per_s}, tx {tx_bytes_per_s}",
    chart: { fields: ["rx_bytes_per_s", "tx_bytes_per_s"], unit: "bytes_per_second" },
  },
  {
    name: "load",
    title: "Load average",
    fields: [
      {
        field: "load1",
        label: "1m",
        unit: "load",
        prom: { name: "fleetwatch_node_load1", type: "gauge", help: node("1-minute load average") },
      },
      {
        field: "load5",
        label: "5m",
        unit: "load",
        prom: { name: "fleetwatch_node_load5", type: "gauge", help: node("5-minute load average") },
      },
      {
        field: "load15",
        label: "15m",
        unit: "load",
        prom: { name: "fleetwatch_node_load15", type: "gauge", help: node("15-minute load average") },
      },
    ],
    format: "{load1} {load5} {load15}",
    chart: { fields: ["load1", "load5", "load15"], unit: "load" },
  },
  {
    name: "process_count",
    title: "Processes",
    fields: [
      {
        field: "count",
        label: "processes",
        unit: "count",
        prom: {
          name: "fleetwatch_node_processes",
          type: "gauge",
          help: node("Processes visible to the agent"),
        },
      },
    ],
    format: "{count}",
    chart: { fields: ["count"], unit: "count" },
  },
] as const satisfies readonly MetricDescriptor[];

export type MetricName = (typeof METRIC_DESCRIPTORS)[number]["name"];

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
