// Effective config = built-in defaults <- fleet default <- node override.
// Pure: no I/O, so it is table-tested and shared by agent, manager and CLI.
import { BUILTIN_DEFAULT_CONFIG, type ConfigOverride, type EffectiveConfig } from "./config-value.ts";

export function mergeConfig(
  fleetDefault: ConfigOverride | undefined,
  nodeOverride: ConfigOverride | undefined,
  builtin: EffectiveConfig = BUILTIN_DEFAULT_CONFIG,
): EffectiveConfig {
  return {
    interval: nodeOverride?.interval ?? fleetDefault?.interval ?? builtin.interval,
    metrics: [...(nodeOverride?.metrics ?? fleetDefault?.metrics ?? builtin.metrics)],
  };
}

export function sameConfig(a: EffectiveConfig, b: EffectiveConfig): boolean {
  return a.interval === b.interval && a.metrics.join(",") === b.metrics.join(",");
}

export function describeConfig(config: EffectiveConfig): string {
  return `interval=${config.interval}s, metrics=[${config.metrics.join(", ")}]`;
}
