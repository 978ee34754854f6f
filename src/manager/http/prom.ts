// Prometheus metrics of the manager (prom-client), served at GET /metrics.
// Fleet gauges are computed at scrape time from the manager's view, so they can never
// drift from what the dashboard shows; counters and histograms are fed as things happen.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "../../shared/cjs/prom-client.ts";
import { invalidValues } from "../../shared/invalid-values.ts";
import { promFields } from "../../shared/metric-descriptors.ts";
import type { NodeState } from "../liveness.ts";
import { type FleetSnapshot, registerFleetSeries } from "./prom-fleet.ts";
import type { MetricSample } from "./samples.ts";

/**
 * A counter whose value is set from outside (a node's cumulative byte total): prom-client's Counter
 * can only be incremented, so this is a Gauge exposed with `# TYPE counter`, which is what it is.
 */
class ObservedCounter<T extends string> extends Gauge<T> {
  constructor(config: ConstructorParameters<typeof Gauge<T>>[0]) {
    super(config);
    (this as unknown as { type: string }).type = "counter";
  }
}

/** Runs one etcd request and records its latency under `op`. */
export type EtcdTimer = <T>(op: string, call: () => Promise<T>) => Promise<T>;

/** Prefix of prom-client's process and Node.js metrics. */
const DEFAULT_PREFIX = "fleetwatch_manager_";
const GAUGES_NAMED_TOTAL = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

const STATES: NodeState[] = ["ALIVE", "DEAD", "LEFT"];

export class FleetMetrics {
  readonly registry = new Registry();
  /** `metric.field` -> its series, one per exported field of the descriptor table. */
  private readonly sampleSeries = new Map<string, Gauge<"node">>();
  readonly samplesRejected: Counter<"reason">;
  readonly sseDropped: Counter;
  readonly transitions: Counter<"to">;
  readonly watchReconnects: Counter<"watch">;
  readonly etcdLatency: Histogram<"op" | "result">;
  readonly configApplyLag: Histogram;
  readonly alertDeliveries: Counter<"result">;

  /** The view as of the current scrape (render() takes it; the fleet series read it). */
  private snapshot: FleetSnapshot = { nodes: [], leading: false, leaderId: undefined, ready: false };
  /** Nodes that have sample series, so render() can drop those of nodes no longer ALIVE. */
  private readonly sampledNodes = new Set<string>();

  /** `view` is called once per scrape: the manager's view of the fleet. */
  constructor(private readonly view: () => FleetSnapshot) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: DEFAULT_PREFIX });
    // prom-client's gauges ending in `_total` break the naming rules (promtool check metrics
    // says so); each has a per-type gauge beside it whose sum() is the same number.
    for (const name of GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(`${DEFAULT_PREFIX}${name}`);
    registerFleetSeries(this.registry, () => this.snapshot);
    this.transitions = new Counter({
      name: "fleetwatch_transitions_total",
      help: "Liveness transitions seen by this manager, by the state entered",
      labelNames: ["to"],
      registers,
    });
    for (const to of STATES) this.transitions.inc({ to }, 0);
    this.watchReconnects = new Counter({
      name: "fleetwatch_watch_reconnects_total",
      help: "Times a watch on etcd came back after a disconnect (heartbeat, metrics, config)",
      labelNames: ["watch"],
      registers,
    });
    for (const watch of ["heartbeat", "metrics", "config"]) this.watchReconnects.inc({ watch }, 0);
    new Counter({
      name: "fleetwatch_invalid_values_total",
      help: "Values read from etcd that did not decode and were ignored (counted once per key and revision)",
      labelNames: ["kind"],
      registers,
      collect() {
        this.reset();
        for (const [kind, n] of invalidValues.counts()) this.inc({ kind }, n);
      },
    });
    this.etcdLatency = new Histogram({
      name: "fleetwatch_etcd_request_duration_seconds",
      help: "Latency of etcd requests made by the HTTP API, dashboard feeds and alerting",
      labelNames: ["op", "result"],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.configApplyLag = new Histogram({
      name: "fleetwatch_config_apply_lag_seconds",
      help: "From a config write seen by the manager to the node acknowledging it in its heartbeat",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    for (const [field, spec] of promFields()) {
      const options = { name: spec.name, help: spec.help, labelNames: ["node"] as const, registers };
      // A node's byte totals are counters it keeps; the exporter only repeats them, so it sets them.
      this.sampleSeries.set(
        field,
        spec.type === "counter" ? new ObservedCounter(options) : new Gauge(options),
      );
    }
    this.samplesRejected = new Counter({
      name: "fleetwatch_samples_rejected_total",
      help: "Metric samples refused: too_large, invalid, too_many_fields, too_many_names (per node)",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of ["too_large", "invalid", "too_many_fields", "too_many_names"]) {
      this.samplesRejected.inc({ reason }, 0);
    }
    this.sseDropped = new Counter({
      name: "fleetwatch_sse_clients_dropped_total",
      help: "Dashboard streams closed because the client stopped reading (its buffer passed the bound)",
      registers,
    });
    this.alertDeliveries = new Counter({
      name: "fleetwatch_alert_deliveries_total",
      help: "Alert POSTs to webhooks and Alertmanager by result (ok: 2xx; error: anything else, retried)",
      labelNames: ["result"],
      registers,
    });
  }

  /** Wraps an etcd call to record its latency. */
  readonly timed: EtcdTimer = async (op, call) => {
    const end = this.etcdLatency.startTimer({ op });
    try {
      const result = await call();
      end({ result: "ok" });
      return result;
    } catch (err) {
      end({ result: "error" });
      throw err;
    }
  };

  /**
   * Latest sample of a node as the series the descriptor table names (src/shared/metric-descriptors.ts).
   * Fields without a Prometheus name there (per-second views, unknown fields) are not exported, so a
   * node cannot create series of its own.
   */
  observeSample(node: string, sample: MetricSample): void {
    for (const [field, value] of Object.entries(sample.values))
      this.sampleSeries.get(field)?.set({ node }, value);
    this.sampledNodes.add(node);
  }

  /** Removes a node's sample series (it was forgotten, or is no longer ALIVE). */
  forgetNodeSamples(node: string): void {
    for (const series of this.sampleSeries.values()) series.remove({ node });
    this.sampledNodes.delete(node);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    this.snapshot = this.view();
    // A DEAD, LEFT or forgotten node's last sample is not a current value: only node_up = 0 and
    // its last-heartbeat time stay (prom-fleet.ts). Checked at scrape time, so a late sample
    // of a node that just died cannot bring its series back.
    const alive = new Set(this.snapshot.nodes.flatMap((n) => (n.state === "ALIVE" ? [n.node] : [])));
    for (const node of [...this.sampledNodes]) if (!alive.has(node)) this.forgetNodeSamples(node);
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
