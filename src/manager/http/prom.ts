// Prometheus metrics of the manager (prom-client), served at GET /metrics.
// Fleet gauges are computed at scrape time from the manager's view, so they can never
// drift from what the dashboard shows; counters and histograms are fed as things happen.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { invalidValues } from "../../shared/invalid-values.ts";
import { promFields } from "../../shared/metric-descriptors.ts";
import type { NodeState, NodeView } from "../liveness.ts";
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

const STATES: NodeState[] = ["ALIVE", "DEAD", "LEFT"];

export class FleetMetrics {
  readonly registry = new Registry();
  /** `metric.field` -> its series, one per exported field of the descriptor table. */
  private readonly sampleSeries = new Map<string, Gauge<"node">>();
  readonly samplesRejected: Counter<"reason">;
  readonly transitions: Counter<"to">;
  readonly watchReconnects: Counter<"watch">;
  readonly etcdLatency: Histogram<"op" | "result">;
  readonly configApplyLag: Histogram;
  readonly alertDeliveries: Counter<"result">;

  /** `leaderId`: who leads as this manager knows it (undefined: nobody, or not known yet). */
  constructor(nodes: () => Iterable<NodeView>, leaderId: () => string | undefined = () => undefined) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "fleetwatch_manager_" });
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
    new Gauge({
      name: "fleetwatch_leader_info",
      help: "1 for the manager that leads, as this manager sees it (no series: nobody leads)",
      labelNames: ["leader"],
      registers,
      collect() {
        this.reset();
        const leader = leaderId();
        if (leader !== undefined) this.set({ leader }, 1);
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
  }

  /** Removes a node's sample series (it was forgotten). */
  forgetNodeSamples(node: string): void {
    for (const series of this.sampleSeries.values()) series.remove({ node });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
