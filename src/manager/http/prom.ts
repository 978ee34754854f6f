// Prometheus metrics of the manager (prom-client), served at GET /metrics.
// Fleet gauges are computed at scrape time from the manager's view, so they can never
// drift from what the dashboard shows; counters and histograms are fed as things happen.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { invalidValues } from "../../shared/invalid-values.ts";
import type { NodeState, NodeView } from "../liveness.ts";
import type { MetricSample } from "./samples.ts";

/** Runs one etcd request and records its latency under `op`. */
export type EtcdTimer = <T>(op: string, call: () => Promise<T>) => Promise<T>;

const STATES: NodeState[] = ["ALIVE", "DEAD", "LEFT"];

export class FleetMetrics {
  readonly registry = new Registry();
  private readonly sampleGauges = new Map<string, Gauge>();
  readonly transitions: Counter<"to">;
  readonly watchReconnects: Counter<"watch">;
  readonly etcdLatency: Histogram<"op" | "result">;
  readonly configApplyLag: Histogram;
  readonly alertDeliveries: Counter<"result">;

  constructor(nodes: () => Iterable<NodeView>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "fleetwatch_manager_" });
    this.registry.registerMetric(invalidValues);
    new Gauge({
      name: "fleetwatch_nodes",
      help: "Known nodes by liveness state",
      labelNames: ["state"],
      registers,
      collect() {
        const counts = new Map<NodeState, number>(STATES.map((s) => [s, 0]));
        for (const v of nodes()) counts.set(v.state, (counts.get(v.state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    new Gauge({
      name: "fleetwatch_node_up",
      help: "1 while the node's heartbeat lease is live, 0 when it is DEAD or LEFT",
      labelNames: ["node"],
      registers,
      collect() {
        this.reset();
        for (const v of nodes()) this.set({ node: v.node }, v.state === "ALIVE" ? 1 : 0);
      },
    });
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

  /** Latest sample of a node as `fleetwatch_node_<metric>_<field>{node}` gauges. */
  observeSample(node: string, sample: MetricSample): void {
    for (const [name, value] of Object.entries(sample.values)) {
      const metricName = `fleetwatch_node_${name.replace(".", "_")}`;
      let gauge = this.sampleGauges.get(metricName);
      if (!gauge) {
        gauge = new Gauge({
          name: metricName,
          help: `Latest ${name} reported by the node's agent`,
          labelNames: ["node"],
          registers: [this.registry],
        });
        this.sampleGauges.set(metricName, gauge);
      }
      gauge.set({ node }, value);
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
