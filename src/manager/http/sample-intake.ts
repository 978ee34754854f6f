// Where a stored sample enters the manager: decoded and bounded by the SampleStore, counted in
// fleetwatch_samples_rejected_total when refused (logged once per node until a good one comes),
// exported to /metrics when accepted. The HTTP server only forwards accepted samples to streams.
import type { Clock } from "../../shared/clock.ts";
import { METRICS_PREFIX, nodeNameFromKey } from "../../shared/keys.ts";
import type { Logger } from "../../shared/log.ts";
import type { NodeName } from "../../shared/node-name.ts";
import type { FleetMetrics } from "./prom.ts";
import { type MetricSample, SampleStore } from "./samples.ts";

export class SampleIntake {
  readonly store = new SampleStore();
  private readonly refused = new Set<string>();

  constructor(
    private readonly metrics: Pick<FleetMetrics, "samplesRejected" | "observeSample">,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** The accepted sample of a `/monitor/metrics/<node>` value, or undefined (refused or a repeat). */
  accept(
    key: string,
    text: string,
    modRevision: number,
  ): { node: NodeName; sample: MetricSample } | undefined {
    const node = nodeNameFromKey(METRICS_PREFIX, key);
    if (!node) return undefined;
    const result = this.store.accept(node, text, modRevision, this.clock.now());
    if (!result.ok) {
      if (result.duplicate) return undefined;
      this.metrics.samplesRejected.inc({ reason: result.rejection });
      if (!this.refused.has(node)) {
        this.refused.add(node);
        this.log.warn({ key, reason: result.reason }, "metrics sample refused");
      }
      return undefined;
    }
    this.refused.delete(node);
    this.metrics.observeSample(node, result.sample);
    return { node, sample: result.sample };
  }

  forget(node: string): void {
    this.store.forget(node);
    this.refused.delete(node);
  }
}
